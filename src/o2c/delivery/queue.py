"""The delivery queue in the read store: fed from the event log, claimed by workers.

The event log is the truth; the ``dl_deliveries`` rows follow it (``catch_up``), advancing the
feed position in the same transaction as the rows it changed, so each event changes them once
whichever process runs the feed (on PostgreSQL the feed row is locked while it reads). A worker
takes due rows with a lease (``claim``): a compare-and-set on the lease, after a
``FOR UPDATE SKIP LOCKED`` select on PostgreSQL so workers side by side skip each other's rows
instead of queueing behind them. A worker that dies leaves its lease to expire; the row is then
claimed again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from typing_extensions import TypedDict

from o2c.aggregates.delivery import BOUNCED, FAILED, HELD, QUEUED, SENT
from o2c.delivery.schema import deliveries, documents, feed, held_addresses
from o2c.events.catalog import CATALOG
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor

_FEED = "log"
_DELIVERY_TOPICS = [s.stored_topic for s in CATALOG if s.aggregate == "Delivery"]


def now_ms() -> int:
    """Wall-clock milliseconds (leases and back-off are compared across processes)."""
    return int(time.time() * 1000)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds the lease on."""

    delivery_id: str
    to_address: str
    channel: str


class DeliveryView(TypedDict):
    """A delivery as the API shows it."""

    delivery_id: str
    customer_id: str
    document: str
    channel: str
    to: str
    status: str
    message_id: str | None
    attempts: int
    digest: str
    last_error: str | None
    queued_at: str


class DeliveryPage(TypedDict):
    """A page of deliveries and the cursor of the next (``None``: the last page)."""

    items: list[DeliveryView]
    next: str | None


def view(row: Any) -> DeliveryView:
    """A delivery as the API shows it."""
    return {
        "delivery_id": row.delivery_id,
        "customer_id": row.customer_id,
        "document": row.document,
        "channel": row.channel,
        "to": row.to_address,
        "status": row.status,
        "message_id": row.message_id,
        "attempts": int(row.attempts),
        "digest": row.digest,
        "last_error": row.last_error,
        "queued_at": row.queued_at,
    }


class DeliveryQueue:
    """The delivery tables: attachment bytes, the queue, bounced addresses and the feed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"

    # ---- attachment bytes (the application's DocumentStorePort) ----------------------------

    def put(self, digest: str, content: bytes, content_type: str) -> None:
        """Store the bytes under their digest (once: the same digest is the same bytes)."""
        with self.engine.connect() as conn:
            if conn.execute(select(documents.c.digest).where(documents.c.digest == digest)).first():
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(documents).values(
                        digest=digest, content_type=content_type, content=content
                    )
                )
        except IntegrityError:  # stored meanwhile by another process: the same bytes
            return

    def get(self, digest: str) -> bytes | None:
        """The bytes stored under ``digest``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(documents.c.content).where(documents.c.digest == digest)
            ).first()
        return None if row is None else bytes(row[0])

    def document(self, digest: str) -> tuple[bytes, str] | None:
        """The bytes and content type stored under ``digest``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(documents.c.content, documents.c.content_type).where(
                    documents.c.digest == digest
                )
            ).first()
        return None if row is None else (bytes(row[0]), str(row[1]))

    # ---- following the event log -----------------------------------------------------------

    def catch_up(self, store: EventStore, batch: int = 500) -> int:
        """Apply the delivery events stored since the last call; returns how many."""
        applied = 0
        while True:
            done = self._catch_up_once(store, batch)
            applied += done
            if done < batch:
                return applied

    def _catch_up_once(self, store: EventStore, batch: int) -> int:
        end = store.last_position()
        with self.engine.begin() as conn:
            position = self._feed_position(conn)
            if position >= end:
                return 0
            page = store.app.recorder.select_notifications(
                start=position,
                limit=batch,
                stop=end,
                topics=_DELIVERY_TOPICS,
                inclusive_of_start=False,
            )
            for stored in page:
                self._apply(conn, store.envelope(stored, stored.id))
            # A short page read everything up to ``end``: skip the other events at once.
            reached = page[-1].id if len(page) == batch else end
            conn.execute(update(feed).where(feed.c.name == _FEED).values(position=reached))
            return len(page)

    def _feed_position(self, conn: Connection) -> int:
        query = select(feed.c.position).where(feed.c.name == _FEED)
        if self.is_postgres:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is not None:
            return int(row[0])
        try:
            with conn.begin_nested():
                conn.execute(insert(feed).values(name=_FEED, position=0))
        except IntegrityError:  # created by another feed meanwhile
            pass
        row = conn.execute(query).first()
        assert row is not None
        return int(row[0])

    def _apply(self, conn: Connection, env: EventEnvelope) -> None:
        d, where = env.data, deliveries.c.delivery_id == env.aggregate_id
        if env.event_type == "DeliveryQueued":
            exists = conn.execute(select(deliveries.c.delivery_id).where(where)).first()
            if exists is None:
                conn.execute(
                    insert(deliveries).values(
                        delivery_id=env.aggregate_id,
                        customer_id=str(d["customer_id"]),
                        document=d["document"],
                        channel=d["channel"],
                        to_address=d["to"],
                        digest=d["digest"],
                        status=QUEUED,
                        attempts=0,
                        queued_at=env.recorded_at[:40],
                        not_before=0,
                        lease_expires=0,
                    )
                )
        elif env.event_type == "DeliverySent":
            conn.execute(
                update(deliveries)
                .where(where)
                .values(
                    status=SENT,
                    message_id=d["message_id"],
                    attempts=deliveries.c.attempts + 1,
                    lease_owner=None,
                    lease_expires=0,
                )
            )
        elif env.event_type == "DeliveryFailed":
            values: dict[str, Any] = {"attempts": d["attempt"], "last_error": d["error"]}
            if d["final"]:
                values.update(status=FAILED, lease_owner=None, lease_expires=0)
            conn.execute(update(deliveries).where(where).values(**values))
        elif env.event_type == "DeliveryHeld":
            conn.execute(
                update(deliveries)
                .where(where)
                .values(status=HELD, lease_owner=None, lease_expires=0, last_error=d["reason"])
            )
        elif env.event_type == "DeliveryBounced":
            conn.execute(
                update(deliveries).where(where).values(status=BOUNCED, last_error=d["reason"])
            )
            self._flag(conn, d["address"], env.aggregate_id, d["reason"])

    def _flag(self, conn: Connection, address: str, delivery_id: str, reason: str) -> None:
        key = address.lower()
        h = held_addresses.c
        if conn.execute(select(h.address).where(h.address == key)).first() is None:
            conn.execute(
                insert(held_addresses).values(
                    address=key, delivery_id=delivery_id, reason=reason, flagged_at=_now_iso()
                )
            )

    # ---- the workers' side -----------------------------------------------------------------

    def claim(self, owner: str, lease_seconds: float, limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries to ``owner``."""
        now = now_ms()
        c = deliveries.c
        due = (
            select(c.delivery_id, c.to_address, c.channel)
            .where(c.status == QUEUED, c.not_before <= now, c.lease_expires < now)
            .order_by(c.not_before, c.queued_at)
            .limit(limit)
        )
        if self.is_postgres:
            due = due.with_for_update(skip_locked=True)
        claimed: list[Claimed] = []
        with self.engine.begin() as conn:
            for row in conn.execute(due).all():
                taken = conn.execute(
                    update(deliveries)
                    .where(c.delivery_id == row.delivery_id, c.lease_expires < now)
                    .values(lease_owner=owner, lease_expires=now + int(lease_seconds * 1000))
                ).rowcount
                if taken:
                    claimed.append(Claimed(row.delivery_id, row.to_address, row.channel))
        return claimed

    def renew(self, delivery_id: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on a delivery it is about to send; ``False`` when the lease
        ran out and another worker took the delivery meanwhile (a batch claimed at once can
        outlast its lease on a slow machine: the worker then leaves the letter to that one)."""
        now = now_ms()
        c = deliveries.c
        with self.engine.begin() as conn:
            kept = conn.execute(
                update(deliveries)
                .where(
                    c.delivery_id == delivery_id,
                    c.status == QUEUED,
                    (c.lease_owner == owner) | (c.lease_expires < now),
                )
                .values(lease_owner=owner, lease_expires=now + int(lease_seconds * 1000))
            ).rowcount
        return bool(kept)

    def release(self, delivery_id: str, owner: str, not_before: int = 0) -> None:
        """Give a lease up; ``not_before``: the earliest next attempt (ms since the epoch)."""
        c = deliveries.c
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(c.delivery_id == delivery_id, c.lease_owner == owner)
                .values(lease_owner=None, lease_expires=0, not_before=not_before)
            )

    def pending(self) -> int:
        """Deliveries still queued (claimed or not)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(func.count()).select_from(deliveries).where(deliveries.c.status == QUEUED)
            ).scalar_one()
        return int(found)

    def held_reason(self, address: str) -> str | None:
        """Why letters to ``address`` are held (it bounced), or ``None``."""
        h = held_addresses.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(h.reason, h.delivery_id).where(h.address == address.lower())
            ).first()
        return None if row is None else f"{address} bounced (delivery {row[1]}): {row[0]}"

    # ---- reading ---------------------------------------------------------------------------

    def held_letters(self, customer_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Letters held (their address bounced) per customer, oldest first: what a collector
        must see to get a corrected address."""
        if not customer_ids:
            return {}
        c, h = deliveries.c, held_addresses.c
        query = (
            select(c.customer_id, c.delivery_id, c.document, c.to_address, c.queued_at, h.reason)
            .join(held_addresses, h.address == func.lower(c.to_address), isouter=True)
            .where(c.status == HELD, c.customer_id.in_(sorted(set(customer_ids))))
            .order_by(c.customer_id, c.queued_at, c.delivery_id)
        )
        found: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found.setdefault(row.customer_id, []).append(
                    {
                        "delivery_id": row.delivery_id,
                        "document": row.document,
                        "address": row.to_address,
                        "reason": row.reason or "the address bounced",
                        "queued_at": row.queued_at,
                    }
                )
        return found

    def find(self, delivery_id: str) -> DeliveryView | None:
        """One delivery, or ``None``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(deliveries).where(deliveries.c.delivery_id == delivery_id)
            ).first()
        return None if row is None else view(row)

    def sent_to(self, address: str) -> str | None:
        """The latest sent delivery to ``address`` (what a bounce naming only it is about)."""
        c = deliveries.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(c.delivery_id)
                .where(func.lower(c.to_address) == address.lower(), c.status == SENT)
                .order_by(c.queued_at.desc(), c.delivery_id.desc())
                .limit(1)
            ).first()
        return None if row is None else str(row[0])

    def page(
        self,
        *,
        customer_id: str | None,
        statuses: Sequence[str],
        after: str | None,
        limit: int,
    ) -> DeliveryPage:
        """Deliveries, oldest first, keyset-paged like every list."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (str, str))
        c = deliveries.c
        query = select(deliveries).order_by(c.queued_at, c.delivery_id).limit(limit + 1)
        if customer_id is not None:
            query = query.where(c.customer_id == customer_id)
        if statuses:
            query = query.where(c.status.in_(list(statuses)))
        if cursor is not None:
            query = query.where(
                (c.queued_at > cursor[0])
                | ((c.queued_at == cursor[0]) & (c.delivery_id > cursor[1]))
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        items = [view(r) for r in rows[:limit]]
        more = len(rows) > limit
        last = items[-1] if items else None
        return {
            "items": items,
            "next": encode_cursor([last["queued_at"], last["delivery_id"]])
            if more and last
            else None,
        }
