"""The delivery worker: sends what is queued, records each outcome on the delivery.

One pass: follow the event log into the queue table, lease a few due deliveries, and for each
load the delivery itself (the truth: one recorded sent already is only released), send it and
record ``DeliverySent`` — or ``DeliveryFailed`` with a back-off of ``retry_base·2^(n-1)``
seconds (capped, jittered) before the next attempt, the last allowed one ``final``.

Sending and recording cannot be one transaction. A worker that dies after the channel accepted
a message and before the event was stored leaves its lease to expire; the delivery is then sent
again, with the same Message-ID (derived from the delivery id), and recorded. So a crash costs
at most one more copy of the same message, which receivers can recognise as such.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from uuid import UUID

from o2c.aggregates.delivery import Delivery
from o2c.application.deliveries import DeliveryService
from o2c.delivery.channels import Channel, Letter, SendError
from o2c.delivery.queue import Claimed, DeliveryQueue, now_ms
from o2c.eventstore.store import EventStore
from o2c.webhooks.worker import worker_identity

log = logging.getLogger(__name__)

# Tests only: exit the process right after a channel accepted a message and before the outcome
# is recorded, to show what a crash at the worst moment costs.
CRASH_AFTER_SEND = "O2C_TEST_CRASH_AFTER_SEND"


@dataclass(frozen=True)
class SendPolicy:
    """How often and how fast a delivery is attempted, and how long a worker holds one."""

    max_attempts: int = 5
    retry_base: float = 30.0
    retry_cap: float = 3600.0
    lease: float = 120.0
    poll_interval: float = 1.0
    batch: int = 20

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after the ``attempt``-th failed attempt (jittered in [c/2, c])."""
        ceiling = min(self.retry_cap, self.retry_base * 2 ** min(attempt - 1, 40))
        return rng.uniform(ceiling / 2, ceiling)


class DeliveryWorker:
    """Sends queued deliveries in a thread (embedded) or in the caller's (``o2c deliver``)."""

    def __init__(
        self,
        store: EventStore,
        service: DeliveryService,
        queue: DeliveryQueue,
        channels: Mapping[str, Callable[[], Channel]],
        *,
        document_url: Callable[[UUID], str],
        policy: SendPolicy | None = None,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.queue = queue
        self.make_channel = channels
        self.document_url = document_url
        self.policy = policy or SendPolicy()
        self.owner = owner or worker_identity()
        self.sent = 0
        self.failed = 0
        self._channels: dict[str, Channel] = {}
        self._rng = random.Random()
        self._stop = threading.Event()
        self._nudge = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Send in a daemon thread until ``stop``."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="o2c-deliver", daemon=True)
        self._thread.start()
        log.info("delivery worker running as %s", self.owner)

    def notify(self, position: int) -> None:
        """The log grew (a command listener): look for new deliveries now."""
        self._nudge.set()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the letter in hand."""
        self._stop.set()
        self._nudge.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.close()

    def close(self) -> None:
        """Close the channels' connections."""
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    def run(self, stop: threading.Event) -> None:
        """Send in the calling thread until ``stop`` is set."""
        try:
            while not stop.is_set():
                if self._safe_pass() == 0:
                    self._nudge.clear()
                    stop.wait(self.policy.poll_interval)
        finally:
            self.close()

    def drain(self, timeout: float) -> bool:
        """Send until nothing is queued any more (``False`` if ``timeout`` came first)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self._safe_pass() == 0:
                    self.queue.catch_up(self.store)
                    if self.queue.pending() == 0:
                        return True
                    time.sleep(min(self.policy.poll_interval, 0.2))
            return False
        finally:
            self.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._safe_pass() == 0:
                self._nudge.wait(self.policy.poll_interval)
                self._nudge.clear()
        self.close()

    def _safe_pass(self) -> int:
        try:
            return self.run_once()
        except Exception:  # keep going: the database may be back on the next look
            log.exception("delivery pass failed; will retry")
            return 0

    # ---- one pass --------------------------------------------------------------------------

    def run_once(self) -> int:
        """Feed the queue from the log, then attempt what is due; returns how many."""
        self.queue.catch_up(self.store)
        claimed = self.queue.claim(self.owner, self.policy.lease, self.policy.batch)
        for item in claimed:
            if self._stop.is_set():
                self.queue.release(item.delivery_id, self.owner)
                continue
            self._attempt(item)
        if claimed:
            self.queue.catch_up(self.store)
        return len(claimed)

    def _attempt(self, item: Claimed) -> None:
        delivery_id = UUID(item.delivery_id)
        delivery = self.service.get(delivery_id)
        if not delivery.pending:  # recorded by an earlier attempt: the feed catches up
            self.queue.release(item.delivery_id, self.owner)
            return
        held = self.queue.held_reason(delivery.to) if delivery.channel != "peppol" else None
        if held is not None:
            self.service.record_held(delivery_id, held)
            return
        if not self.queue.renew(item.delivery_id, self.owner, self.policy.lease):
            return  # another worker holds it now: never two senders of one letter
        content = self.queue.get(delivery.digest)
        if content is None:
            self._failed(delivery, "the document's bytes are not stored", permanent=True)
            return
        try:
            self._channel(delivery.channel).send(_letter(delivery, content))
        except SendError as exc:
            self._failed(delivery, str(exc), permanent=exc.permanent)
            return
        if os.environ.get(CRASH_AFTER_SEND):
            os._exit(75)
        self.service.record_sent(delivery_id, self.document_url(delivery_id))
        self.sent += 1

    def _failed(self, delivery: Delivery, error: str, *, permanent: bool) -> None:
        self.failed += 1
        recorded = self.service.record_failed(
            delivery.id, error, self.policy.max_attempts, permanent=permanent
        )
        not_before = 0
        if recorded.pending:
            wait = self.policy.delay(recorded.attempts, self._rng)
            not_before = now_ms() + int(wait * 1000)
            log.warning(
                "delivery %s to %s failed (attempt %d: %s); retrying in %.0f s",
                delivery.id,
                delivery.to,
                recorded.attempts,
                error,
                wait,
            )
        else:
            log.error("delivery %s to %s failed for good: %s", delivery.id, delivery.to, error)
        self.queue.release(str(delivery.id), self.owner, not_before)

    def _channel(self, name: str) -> Channel:
        channel = self._channels.get(name)
        if channel is None:
            factory = self.make_channel.get(name)
            if factory is None:
                raise SendError(f"no {name} channel is configured", permanent=True)
            channel = self._channels[name] = factory()
        return channel


def _letter(delivery: Delivery, content: bytes) -> Letter:
    return Letter(
        delivery_id=str(delivery.id),
        message_id=delivery.message_id_to_send,
        to=delivery.to,
        subject=delivery.subject,
        body=delivery.body,
        filename=delivery.filename,
        content_type=delivery.content_type,
        content=content,
    )
