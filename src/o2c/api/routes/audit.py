"""Audit endpoints: histories, state at any point, replayed aging and verification (auditor)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from fastapi import APIRouter, Query, Request

from o2c.api.auth import Auditor
from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.audit.history import EventPage, aggregate_events, customer_events, page
from o2c.audit.log_reader import decoder, raw_events
from o2c.audit.replay_aging import ReplayedAging, replay_aging
from o2c.audit.state import AggregateStateView, state_at
from o2c.audit.verify import VerifyView, verify_events
from o2c.commands.base import IsoDate
from o2c.eventstore.publication import Publication
from o2c.projections.aging import parse_bounds

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/customers/{customer_id}/events", summary="Every event touching a customer")
def customer_history(
    _: Auditor,
    customer_id: UUID,
    request: Request,
    after: int = Query(0, ge=0, le=2**62, description="cursor: `next` of the last page"),
    limit: int = Query(100, ge=1, le=1000),
) -> EventPage:
    """Account, order and invoice events of the customer in global order, as CloudEvents."""
    box = container(request)
    events, nxt = customer_events(box.store, customer_id, after=after, limit=limit)
    return page(events, nxt, Publication(box.store, box.settings.public_url))


@router.get("/aggregates/{aggregate_id}/events", summary="One stream")
def stream(
    _: Auditor,
    aggregate_id: UUID,
    request: Request,
    after: int = Query(0, ge=0, le=2**62, description="cursor: `next` of the last page"),
    limit: int = Query(100, ge=1, le=1000),
) -> EventPage:
    """The events of one aggregate after version `after`, oldest first, paged."""
    box = container(request)
    events, nxt = aggregate_events(box.store, aggregate_id, after=after, limit=limit)
    if not events and box.store.version_of(aggregate_id) is None:
        raise Problem(404, "aggregate-not-found", f"no events for {aggregate_id}")
    return page(events, nxt, Publication(box.store, box.settings.public_url))


@router.get("/aggregates/{aggregate_id}/state", summary="State at a version or a time")
def state(
    _: Auditor,
    aggregate_id: UUID,
    request: Request,
    version: int | None = Query(None, ge=1),
    at: datetime | None = Query(None, description="recorded time (ISO 8601)"),
) -> AggregateStateView:
    """The aggregate rebuilt from its first ``version`` events, or as recorded at ``at``."""
    if version is not None and at is not None:
        raise Problem(422, "invalid-input", "give either version or at, not both")
    if at is not None and at.tzinfo is None:
        raise Problem(422, "invalid-input", "at needs a time zone (e.g. 2026-01-01T00:00:00Z)")
    found = state_at(container(request).store, aggregate_id, version=version, at=at)
    if found is None:
        raise Problem(404, "aggregate-not-found", f"no state for {aggregate_id} at that point")
    return found


@router.get("/customers/{customer_id}/aging", summary="Aging replayed from events")
def aging(
    _: Auditor,
    customer_id: UUID,
    request: Request,
    as_of: IsoDate | None = None,
    known_at: datetime | None = Query(None, description="recorded time (ISO 8601)"),
    basis: str = Query("due", pattern="^(due|invoice)$"),
    buckets: str = Query("30,60,90,120", max_length=100),
) -> ReplayedAging:
    """Aging computed by replaying the customer's events only, never the read models."""
    if known_at is not None and known_at.tzinfo is None:
        raise Problem(422, "invalid-input", "known_at needs a time zone")
    events, _next = customer_events(container(request).store, customer_id, limit=10**9)
    if not any(e.event_type == "AccountOpened" for e in events):
        raise Problem(404, "customer-not-found", f"customer {customer_id} not found")
    return replay_aging(
        str(customer_id),
        events,
        as_of=as_of or date.today(),
        basis=basis,
        bounds=parse_bounds(buckets),
        known_at=known_at,
    )


@router.post("/verify", summary="Verify every hash chain, the position sequence and the closes")
def verify(
    _: Auditor,
    request: Request,
    expected_head: str | None = Query(None, max_length=64),
) -> VerifyView:
    """`{"ok", "checked", "streams", "head", "closes", "breaks": [{"aggregate_id", "version",
    "position", "problem"}]}`; each period close's trial balance is replayed from the log and
    its recorded head recomputed (`closes` counts them)."""
    store = container(request).store
    return verify_events(
        raw_events(store), expected_head=expected_head, decode=decoder(store)
    ).as_dict()
