"""Period close: the lock date, moved forward by an admin, and the history of closes."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from o2c import commands as c
from o2c.aggregates.period_lock import PERIOD_LOCK_ID
from o2c.api.auth import Admin, Reader
from o2c.api.deps import Service, answer, container, run

router = APIRouter(prefix="/v1/periods", tags=["periods"])


class Balance(BaseModel):
    """A ledger role's balance on its side (decimal strings; the other side is zero)."""

    model_config = ConfigDict(frozen=True)

    debit: str
    credit: str


class PeriodCloseView(BaseModel):
    """One close: the date it locked, why, who, when, and the evidence it recorded."""

    model_config = ConfigDict(frozen=True)

    through: date
    reason: str
    actor: str
    recorded_at: str
    position: int
    trial_balance: dict[str, dict[str, Balance]]
    head_position: int
    head: str


class PeriodsView(BaseModel):
    """The lock date (``null`` while no period was closed) and every close, oldest first."""

    model_config = ConfigDict(frozen=True)

    lock_date: date | None
    closes: list[PeriodCloseView]


@router.post(
    "/close", summary="Close the books through a date (admin)", response_model=answer(c.ClosePeriod)
)
def close_period(
    body: c.ClosePeriod, request: Request, service: Service, who: Admin
) -> dict[str, Any]:
    """Move the lock date forward to `through` (a past date after the current lock date).

    From then on any command dated on or before it is refused with 409 `period-closed`; a
    correction is booked in the open period. The close records the trial balance as of
    `through`, replayed from the event log, and the hash-chain head that replay covered
    (`o2c audit verify` proves both later). 409 `period-already-closed` when `through` is not
    after the lock date, 422 `invalid-close-date` when it is not before today.
    """
    return run(request, who, body, service)


@router.get("", summary="Lock date and period closes")
def periods(_: Reader, request: Request) -> PeriodsView:
    """The lock date and every close with its actor, time, trial balance and head."""
    events = container(request).store.read_stream(PERIOD_LOCK_ID)
    closes = [
        PeriodCloseView(
            through=e.data["through"],
            reason=e.data["reason"],
            actor=e.actor,
            recorded_at=e.recorded_at,
            position=e.position,
            trial_balance=e.data["trial_balance"],
            head_position=e.data["head_position"],
            head=e.data["head"],
        )
        for e in events
        if e.event_type == "PeriodClosed"
    ]
    return PeriodsView(lock_date=closes[-1].through if closes else None, closes=closes)
