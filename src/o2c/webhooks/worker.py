"""Delivery: one worker thread per subscription, started and stopped by a dispatcher.

Each worker reads the event log (``EventStore.read``) after its subscription's durable position
and POSTs the events the subscription receives strictly in log order, so a customer's events
arrive in the order they happened. An event is retried (exponential back-off with jitter, capped)
until the endpoint answers 2xx; only then does the position move past it, in the same transaction
as the attempt's log entry. A failing endpoint therefore holds back its own subscription and no
other: every subscription has its own thread and position.

A restart resumes after the last acknowledged position, so nothing is skipped; the event that was
in flight when the process stopped may be delivered twice (at least once: receivers dedupe by
``webhook-id``, the CloudEvent id).

Several processes may run workers against the same read store (``o2c serve`` and
``o2c webhooks``): a subscription is delivered by whoever holds its lease, renewed with every
attempt; a lease left by a crashed process expires after ``DeliveryPolicy.lease`` seconds.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

from o2c.events.envelope import EventEnvelope
from o2c.eventstore.log_waiter import LogWaiter, PollingWaiter
from o2c.eventstore.publication import Publication
from o2c.eventstore.store import EventStore
from o2c.webhooks.rules import matches, redacted, url_refusal
from o2c.webhooks.sender import Outcome, Sender, encode
from o2c.webhooks.subscriptions import (
    DEFAULT_KEEP_ATTEMPTS,
    Attempt,
    Lease,
    Subscription,
    SubscriptionStore,
    now_iso,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How deliveries are paced and bounded.

    ``retry_base``/``retry_cap``: the n-th consecutive failure of an event waits a random time
    in [c/2, c] with c = min(cap, base·2^(n-1)) — jittered, so endpoints coming back are not hit
    by every subscription at once. ``timeout``: the longest one attempt may take, in all. ``lease``:
    how long a worker may go without renewing its claim (well above ``timeout``, so a claim
    never lapses during an attempt). ``keep_attempts``: delivery-log entries kept per subscription.
    """

    retry_base: float = 0.5
    retry_cap: float = 60.0
    timeout: float = 10.0
    lease: float = 30.0
    poll_interval: float = 0.5
    idle_wait: float = 5.0
    batch: int = 200
    keep_attempts: int = DEFAULT_KEEP_ATTEMPTS

    def __post_init__(self) -> None:
        if not 0 < self.retry_base <= self.retry_cap:
            raise ValueError("need 0 < retry_base <= retry_cap")
        if self.lease <= 2 * self.timeout:
            raise ValueError("the lease must be more than twice the attempt timeout")
        if self.batch < 1 or self.keep_attempts < 1:
            raise ValueError("batch and keep_attempts must be positive")

    def delay(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure."""
        ceiling = min(self.retry_cap, self.retry_base * 2 ** min(failures - 1, 40))
        return rng.uniform(ceiling / 2, ceiling)


def worker_identity() -> str:
    """A name for this process's workers in leases and logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SubscriptionWorker:
    """Delivers one subscription until stopped or the subscription is deleted."""

    def __init__(
        self,
        webhook_id: str,
        store: EventStore,
        subs: SubscriptionStore,
        *,
        policy: DeliveryPolicy,
        allow: tuple[str, ...],
        public_url: str,
        owner: str,
    ) -> None:
        self.webhook_id = webhook_id
        self.store = store
        self.subs = subs
        self.policy = policy
        self.allow = allow
        self.publication = Publication(store, public_url)  # one per thread: it keeps a cache
        self.owner = owner
        self.epoch: int | None = None
        self.delivered = 0
        self.failed = 0
        self._stop = threading.Event()
        self._interrupt = threading.Event()  # drop the current event: replayed, deleted, stopping
        self._nudge = threading.Event()  # the log may have grown
        self._lease_until = 0.0
        self._standing_by = False
        self._rng = random.Random()
        self._sender = Sender(policy.timeout)
        self._thread = threading.Thread(
            target=self._run, name=f"o2c-webhook-{webhook_id[:8]}", daemon=True
        )

    # ---- control --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    @property
    def alive(self) -> bool:
        """The thread is running."""
        return self._thread.is_alive()

    def nudge(self) -> None:
        """New events may be in the log."""
        self._nudge.set()

    def interrupt(self) -> None:
        """The subscription changed (replay, delete): reload it, even in the middle of a retry."""
        self._interrupt.set()
        self._nudge.set()

    def stop(self) -> None:
        """Ask the thread to finish (an attempt in flight completes first)."""
        self._stop.set()
        self.interrupt()

    def join(self, timeout: float) -> None:
        """Wait for the thread."""
        self._thread.join(timeout)

    # ---- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0  # of the machinery (database down), not of the endpoint
        try:
            while not self._stop.is_set():
                try:
                    if not self._pass():
                        return
                    failures = 0
                except Exception:  # keep delivering: log it and try again after a pause
                    failures += 1
                    log.exception("webhook %s: delivery pass failed; will retry", self.webhook_id)
                    self._stop.wait(self.policy.delay(failures, self._rng))
        finally:
            self._sender.close()
            try:
                self.subs.release(self.webhook_id, self.owner)
            except Exception:  # the lease then simply expires
                log.debug("webhook %s: could not release the lease", self.webhook_id)

    def _pass(self) -> bool:
        """Deliver one page of the log; ``False`` once the subscription is gone."""
        # Cleared before the state is read, so a change signalled from here on is never lost.
        self._interrupt.clear()
        self._nudge.clear()
        claimed = self.subs.claim(self.webhook_id, self.owner, self.policy.lease)
        if claimed is Lease.GONE:
            log.info("webhook %s: deleted; delivery ended", self.webhook_id)
            return False
        if claimed is Lease.HELD_ELSEWHERE:
            if self.epoch is not None or not self._standing_by:
                log.info("webhook %s: delivered by another worker; standing by", self.webhook_id)
                self._standing_by, self.epoch = True, None
            # Look again well within a lease, to take over soon after its holder died.
            self._nudge.wait(min(self.policy.idle_wait, self.policy.lease / 4))
            return True
        assert isinstance(claimed, Subscription)
        sub = claimed
        self._standing_by = False
        self._lease_until = time.monotonic() + self.policy.lease
        if self.epoch != sub.epoch:
            log.info(
                "webhook %s: delivering %s to %s after position %d",
                sub.webhook_id,
                ",".join(sub.types),
                redacted(sub.url),
                sub.position,
            )
            self.epoch = sub.epoch
        page = self.store.read(sub.position, self.policy.batch)
        if not page:
            self._nudge.wait(self.policy.idle_wait)
            return True
        for envelope in page:
            if self._interrupt.is_set():
                return True
            if not matches(envelope, sub.types, sub.customer_id):
                continue
            if not self._deliver(sub, envelope):
                return True
            sub = replace(sub, position=envelope.position)
        if page[-1].position > sub.position:
            self.subs.advance(sub, self.owner, page[-1].position)
        return True

    def _deliver(self, sub: Subscription, envelope: EventEnvelope) -> bool:
        """Attempt until acknowledged; ``False`` when interrupted or the claim was lost."""
        event = self.cloudevent(envelope)
        body = encode(event)
        attempt = 0
        while True:
            attempt += 1
            # A back-off can outlast the lease: make sure it is still ours before sending.
            if attempt > 1 or time.monotonic() > self._lease_until - self.policy.lease / 2:
                again = self.subs.claim(self.webhook_id, self.owner, self.policy.lease)
                if not isinstance(again, Subscription) or again.epoch != sub.epoch:
                    return False
                self._lease_until = time.monotonic() + self.policy.lease
            outcome = self._send(sub, envelope.event_id, body)
            entry = Attempt(
                position=envelope.position,
                event_id=envelope.event_id,
                event_type=str(event["type"]),
                attempt=attempt,
                ok=outcome.ok,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                attempted_at=now_iso(),
            )
            if not self.subs.record(sub, self.owner, entry, self.policy.lease):
                return False
            self._lease_until = time.monotonic() + self.policy.lease
            if outcome.ok:
                self.delivered += 1
                if attempt > 1:
                    log.info(
                        "webhook %s: position %d delivered after %d attempts",
                        sub.webhook_id,
                        envelope.position,
                        attempt,
                    )
                return True
            self.failed += 1
            delay = self.policy.delay(attempt, self._rng)
            log.warning(
                "webhook %s: position %d (%s) to %s failed (attempt %d: %s); retrying in %.1f s",
                sub.webhook_id,
                envelope.position,
                event["type"],
                redacted(sub.url),
                attempt,
                outcome.error,
                delay,
            )
            if self._interrupt.wait(delay):
                return False

    def _send(self, sub: Subscription, msg_id: str, body: str) -> Outcome:
        refusal = url_refusal(sub.url, self.allow)
        if refusal is not None:
            return Outcome(None, refusal, 0.0)
        return self._sender.post(sub.url, sub.secret, msg_id, body)

    def cloudevent(self, envelope: EventEnvelope) -> dict[str, Any]:
        """The CloudEvent exactly as the relay publishes it on Kafka."""
        return self.publication.cloudevent(envelope)


class WebhookDispatcher:
    """Keeps one ``SubscriptionWorker`` running per subscription and wakes them on new events.

    It looks at the subscriptions every ``poll_interval`` (or when ``sync`` is called after an
    API change), and at the log's end: new events wake the workers, which otherwise wait.
    """

    def __init__(
        self,
        store: EventStore,
        subs: SubscriptionStore,
        *,
        allow: tuple[str, ...],
        public_url: str,
        policy: DeliveryPolicy | None = None,
        waiter: LogWaiter | None = None,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.subs = subs
        self.allow = allow
        self.public_url = public_url
        self.policy = policy or DeliveryPolicy()
        self.waiter = waiter or PollingWaiter()
        self.owner = owner or worker_identity()
        self.workers: dict[str, SubscriptionWorker] = {}
        self._retired: list[SubscriptionWorker] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_position = -1

    def start(self) -> None:
        """Start the workers and follow changes in a daemon thread."""
        self._stop.clear()
        self.sync()
        self._thread = threading.Thread(target=self._loop, name="o2c-webhooks", daemon=True)
        self._thread.start()
        log.info(
            "webhook delivery running as %s (subscriptions: %d)", self.owner, len(self.workers)
        )

    def run(self, stop: threading.Event) -> None:
        """Deliver in the calling thread's stead until ``stop`` is set (the CLI's main loop)."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
                position = self.store.last_position()
                if position != self._last_position:
                    self._last_position = position
                    self.notify(position)
            except Exception:  # keep going: the database may be back on the next tick
                log.exception("webhook dispatcher tick failed; will retry")
            self.waiter.wait(self.policy.poll_interval)

    def sync(self) -> None:
        """Start workers for new subscriptions; interrupt those replayed or deleted."""
        epochs = self.subs.epochs()
        with self._lock:
            if self._stop.is_set():
                return
            for webhook_id, epoch in epochs.items():
                worker = self.workers.get(webhook_id)
                if worker is None or not worker.alive:
                    worker = SubscriptionWorker(
                        webhook_id,
                        self.store,
                        self.subs,
                        policy=self.policy,
                        allow=self.allow,
                        public_url=self.public_url,
                        owner=self.owner,
                    )
                    self.workers[webhook_id] = worker
                    worker.start()
                elif worker.epoch is not None and worker.epoch != epoch:
                    worker.interrupt()
            for webhook_id in [w for w in self.workers if w not in epochs]:
                worker = self.workers.pop(webhook_id)
                worker.interrupt()  # it finds its subscription gone and ends
                self._retired.append(worker)
            self._retired = [w for w in self._retired if w.alive]

    def notify(self, position: int) -> None:
        """Wake every worker: the log grew (a command listener, or the dispatcher's own look)."""
        with self._lock:
            for worker in self.workers.values():
                worker.nudge()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop every worker; attempts in flight complete (bounded by the attempt timeout)."""
        with self._lock:
            self._stop.set()
            workers = [*self.workers.values(), *self._retired]
            self.workers.clear()
            self._retired.clear()
        for worker in workers:
            worker.stop()
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
            self._thread = None
        self.waiter.close()
        log.info("webhook delivery stopped")
