"""``SubscriptionStore``: subscriptions, their delivery positions and the delivery log in SQL.

Every write that a worker and the API may make at the same time touches the subscription row
first (an ``UPDATE`` or ``DELETE``): on PostgreSQL that row lock orders them, on SQLite the first
write takes the database's write lock before anything was read, so no transaction ever has to
upgrade a read snapshot that another writer made stale.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from typing_extensions import TypedDict

from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor
from o2c.webhooks.rules import masked, new_secret
from o2c.webhooks.schema import attempts, subscriptions

DEFAULT_KEEP_ATTEMPTS = 1000


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _now_ms() -> int:
    return int(time.time() * 1000)


class WebhookView(TypedDict):
    """A subscription as the API shows it (never its secret)."""

    webhook_id: str
    url: str
    types: list[str]
    customer_id: str | None
    position: int
    created_at: str


class WebhookPage(TypedDict):
    """A page of subscriptions and the cursor of the next (``None``: the last page)."""

    items: list[WebhookView]
    next: str | None


class AttemptView(TypedDict):
    """One HTTP attempt to deliver one event, as the API shows it."""

    attempt_id: int
    position: int
    event_id: str
    type: str
    attempt: int
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    attempted_at: str


class AttemptPage(TypedDict):
    """A page of attempts, newest first, and the cursor of the next (``None``: the last)."""

    items: list[AttemptView]
    next: str | None


@dataclass(frozen=True)
class Subscription:
    """One webhook: where it goes, what it receives, and how far delivery got."""

    webhook_id: str
    url: str
    types: tuple[str, ...]
    customer_id: str | None
    secret: str
    position: int
    epoch: int
    created_at: str

    def view(self, *, full_url: bool = False) -> WebhookView:
        """What the API shows (never the secret, which only the creation answer carries). The
        URL's credentials and query values are masked unless ``full_url`` (the admin's view)."""
        return {
            "webhook_id": self.webhook_id,
            "url": self.url if full_url else masked(self.url),
            "types": list(self.types),
            "customer_id": self.customer_id,
            "position": self.position,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt to deliver one event."""

    position: int
    event_id: str
    event_type: str
    attempt: int
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    attempted_at: str


class Lease(Enum):
    """Why a worker could not claim its subscription."""

    HELD_ELSEWHERE = "held by another worker"
    GONE = "deleted"


class ReplayWouldSkip(Exception):
    """A replay may only go back: moving past unacknowledged events would skip them."""


def _subscription(row: Any) -> Subscription:
    return Subscription(
        webhook_id=row.webhook_id,
        url=row.url,
        types=tuple(json.loads(row.types)),
        customer_id=row.customer_id,
        secret=row.secret,
        position=int(row.position),
        epoch=int(row.epoch),
        created_at=row.created_at,
    )


class SubscriptionStore:
    """Reads and writes the webhook tables of the read store."""

    def __init__(self, engine: Engine, keep_attempts: int = DEFAULT_KEEP_ATTEMPTS) -> None:
        if keep_attempts < 1:
            raise ValueError("keep_attempts must be at least 1")
        self.engine = engine
        self.keep_attempts = keep_attempts

    # ---- the API's side -------------------------------------------------------------------

    def create(
        self, url: str, types: list[str], customer_id: str | None, position: int
    ) -> Subscription:
        """A new subscription delivering the events after ``position``."""
        sub = Subscription(
            webhook_id=str(uuid.uuid4()),
            url=url,
            types=tuple(types),
            customer_id=customer_id,
            secret=new_secret(),
            position=position,
            epoch=0,
            created_at=now_iso(),
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(subscriptions).values(
                    webhook_id=sub.webhook_id,
                    url=sub.url,
                    types=json.dumps(list(sub.types)),
                    customer_id=sub.customer_id,
                    secret=sub.secret,
                    position=sub.position,
                    epoch=0,
                    created_at=sub.created_at,
                    lease_owner=None,
                    lease_expires=0,
                )
            )
        return sub

    def get(self, webhook_id: str) -> Subscription | None:
        """One subscription, or ``None``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(subscriptions).where(subscriptions.c.webhook_id == webhook_id)
            ).first()
        return None if row is None else _subscription(row)

    def page(self, after: str | None, limit: int, *, full_urls: bool = False) -> WebhookPage:
        """Subscriptions by id, keyset-paged like every list (URLs masked unless ``full_urls``)."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (str,))
        query = select(subscriptions).order_by(subscriptions.c.webhook_id).limit(limit + 1)
        if cursor is not None:
            query = query.where(subscriptions.c.webhook_id > cursor[0])
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        items = [_subscription(r).view(full_url=full_urls) for r in rows[:limit]]
        more = len(rows) > limit
        return {"items": items, "next": encode_cursor([items[-1]["webhook_id"]]) if more else None}

    def delete(self, webhook_id: str) -> bool:
        """End a subscription and drop its delivery log; ``False`` if there was none."""
        with self.engine.begin() as conn:
            # The subscription row first: a worker recording an attempt locks it first too.
            gone = conn.execute(
                delete(subscriptions).where(subscriptions.c.webhook_id == webhook_id)
            ).rowcount
            conn.execute(delete(attempts).where(attempts.c.webhook_id == webhook_id))
        return bool(gone)

    def replay(self, webhook_id: str, from_position: int) -> Subscription | None:
        """Deliver again from ``from_position`` on; ``None`` if unknown.

        Raises ``ReplayWouldSkip`` when ``from_position`` lies beyond the acknowledged position
        plus one: moving forward would skip events the endpoint never acknowledged.
        """
        target = from_position - 1
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.webhook_id == webhook_id,
                    subscriptions.c.position >= target,
                )
                .values(position=target, epoch=subscriptions.c.epoch + 1)
            ).rowcount
            row = conn.execute(
                select(subscriptions).where(subscriptions.c.webhook_id == webhook_id)
            ).first()
        if row is None:
            return None
        if not moved:
            raise ReplayWouldSkip(
                f"position {from_position} is beyond the next undelivered event "
                f"({int(row.position) + 1}): a replay may only go back"
            )
        return _subscription(row)

    def deliveries(self, webhook_id: str, after: str | None, limit: int) -> AttemptPage:
        """The delivery log, newest attempt first, keyset-paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int,))
        a = attempts.c
        query = (
            select(attempts)
            .where(a.webhook_id == webhook_id)
            .order_by(a.attempt_id.desc())
            .limit(limit + 1)
        )
        if cursor is not None:
            query = query.where(a.attempt_id < cursor[0])
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        items: list[AttemptView] = [
            {
                "attempt_id": int(r.attempt_id),
                "position": int(r.position),
                "event_id": r.event_id,
                "type": r.event_type,
                "attempt": int(r.attempt),
                "ok": bool(r.ok),
                "status_code": r.status_code,
                "error": r.error,
                "duration_ms": round(float(r.duration_ms), 3),
                "attempted_at": r.attempted_at,
            }
            for r in rows[:limit]
        ]
        more = len(rows) > limit
        return {"items": items, "next": encode_cursor([items[-1]["attempt_id"]]) if more else None}

    # ---- the workers' side ----------------------------------------------------------------

    def epochs(self) -> dict[str, int]:
        """Every subscription's id with its replay epoch."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(subscriptions.c.webhook_id, subscriptions.c.epoch)).all()
        return {str(r[0]): int(r[1]) for r in rows}

    def count(self) -> int:
        """How many subscriptions there are."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(subscriptions)).scalar_one())

    def claim(self, webhook_id: str, owner: str, lease_seconds: float) -> Subscription | Lease:
        """Take or renew the lease on a subscription; its current state if this worker holds it."""
        now = _now_ms()
        s = subscriptions.c
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(subscriptions)
                .where(
                    s.webhook_id == webhook_id,
                    (s.lease_owner == owner) | s.lease_owner.is_(None) | (s.lease_expires < now),
                )
                .values(lease_owner=owner, lease_expires=now + int(lease_seconds * 1000))
            ).rowcount
            row = conn.execute(select(subscriptions).where(s.webhook_id == webhook_id)).first()
        if row is None:
            return Lease.GONE
        if not taken:
            return Lease.HELD_ELSEWHERE
        return _subscription(row)

    def release(self, webhook_id: str, owner: str) -> None:
        """Give the lease up (a clean stop), so another worker need not wait for it to expire."""
        s = subscriptions.c
        with self.engine.begin() as conn:
            conn.execute(
                update(subscriptions)
                .where(s.webhook_id == webhook_id, s.lease_owner == owner)
                .values(lease_owner=None, lease_expires=0)
            )

    def record(self, sub: Subscription, owner: str, attempt: Attempt, lease_seconds: float) -> bool:
        """Log an attempt; a successful one also acknowledges its position, in the same
        transaction. ``False`` when the worker must stop delivering from its current state: the
        subscription was deleted or replayed, or its lease went to another worker."""
        s = subscriptions.c
        values: dict[str, Any] = {"lease_expires": _now_ms() + int(lease_seconds * 1000)}
        if attempt.ok:
            values["position"] = attempt.position
        with self.engine.begin() as conn:
            still_ours = conn.execute(
                update(subscriptions)
                .where(
                    s.webhook_id == sub.webhook_id,
                    s.lease_owner == owner,
                    s.epoch == sub.epoch,
                    s.position < attempt.position,
                )
                .values(**values)
            ).rowcount
            if not still_ours:
                exists = conn.execute(
                    select(s.webhook_id).where(s.webhook_id == sub.webhook_id)
                ).first()
                if exists is None:
                    return False  # deleted: its log went with it
            conn.execute(insert(attempts).values(webhook_id=sub.webhook_id, **asdict(attempt)))
            self._prune(conn, sub.webhook_id)
        return bool(still_ours)

    def advance(self, sub: Subscription, owner: str, position: int) -> bool:
        """Move past events the subscription does not receive; ``False`` as for ``record``."""
        s = subscriptions.c
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(subscriptions)
                .where(
                    s.webhook_id == sub.webhook_id,
                    s.lease_owner == owner,
                    s.epoch == sub.epoch,
                    s.position <= position,
                )
                .values(position=position)
            ).rowcount
        return bool(moved)

    def _prune(self, conn: Any, webhook_id: str) -> None:
        a = attempts.c
        cut = conn.execute(
            select(a.attempt_id)
            .where(a.webhook_id == webhook_id)
            .order_by(a.attempt_id.desc())
            .offset(self.keep_attempts)
            .limit(1)
        ).scalar()
        if cut is not None:
            conn.execute(delete(attempts).where(a.webhook_id == webhook_id, a.attempt_id <= cut))
