"""The billing-run log in the read store: progress and per-customer outcomes, for any process.

Written by the process that runs a billing run, one customer at a time (after that customer's
command was stored), read by ``GET /v1/billing/runs/{id}`` from any process. A run started again
adds to its row (``starts``) and replaces the outcomes of customers it goes through again: a
customer invoiced before the crash reads ``already_invoiced`` with the same invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from typing_extensions import TypedDict

from o2c.application.billing_runs import CustomerOutcome
from o2c.billing.schema import run_customers, runs
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor

RUNNING, COMPLETED = "running", "completed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunOutcomeView(TypedDict):
    """One customer's outcome in a run."""

    customer_id: str
    outcome: str
    invoice_id: str | None
    number: str | None
    total: str | None
    problem: str | None
    detail: str | None


class RunView(TypedDict):
    """A billing run: its progress (``done`` of ``customers``), the counts by outcome, and a
    page of outcomes by customer id."""

    run_id: str
    as_of: str
    status: str
    customers: int
    done: int
    invoiced: int
    already_invoiced: int
    nothing_to_invoice: int
    failed: int
    started_at: str
    updated_at: str  # the last start or finish (each outcome has its own ``recorded_at``)
    finished_at: str | None
    starts: int
    results: list[RunOutcomeView]
    next: str | None


class SqlRunLog:
    """Billing runs' progress and outcomes in the ``bl_*`` control tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def started(self, run_id: UUID, as_of: date, customer_ids: Sequence[UUID], actor: str) -> None:
        """The run starts (again), looking at ``customer_ids``."""
        now = _now()
        customers = len(customer_ids)
        with self.engine.begin() as conn:
            found = conn.execute(
                select(runs.c.starts).where(runs.c.run_id == str(run_id))
            ).scalar_one_or_none()
            if found is None:
                conn.execute(
                    insert(runs).values(
                        run_id=str(run_id),
                        as_of=as_of.isoformat(),
                        status=RUNNING,
                        customers=customers,
                        actor=actor,
                        started_at=now,
                        updated_at=now,
                        finished_at=None,
                        starts=1,
                    )
                )
                return
            # A start again counts the customers it went through before and those listed now
            # (a customer it invoiced before may no longer be listed: nothing is due any more).
            before = conn.execute(
                select(run_customers.c.customer_id).where(run_customers.c.run_id == str(run_id))
            ).scalars()
            customers = len(set(before) | {str(c) for c in customer_ids})
            conn.execute(
                update(runs)
                .where(runs.c.run_id == str(run_id))
                .values(
                    status=RUNNING,
                    customers=customers,
                    updated_at=now,
                    finished_at=None,
                    starts=found + 1,
                )
            )

    def recorded(self, run_id: UUID, outcome: CustomerOutcome) -> None:
        """One customer's outcome (replacing an earlier one of the same run): one statement,
        as it is written once per customer of the run."""
        row = {
            "run_id": str(run_id),
            "customer_id": str(outcome.customer_id),
            "outcome": outcome.outcome,
            "invoice_id": None if outcome.invoice_id is None else str(outcome.invoice_id),
            "number": outcome.number,
            "total": None if outcome.total is None else str(outcome.total),
            "problem": outcome.problem,
            "detail": outcome.detail,
            "recorded_at": _now(),
        }
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(run_customers).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=[run_customers.c.run_id, run_customers.c.customer_id],
            set_={k: statement.excluded[k] for k in row if k not in ("run_id", "customer_id")},
        )
        with self.engine.begin() as conn:
            if dialect is postgresql:
                # A progress record, not a fact: it need not wait for its own WAL flush (a
                # kill of this process loses nothing committed; a crash of the database server
                # itself may lose the last few rows, which a start again writes anew).
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            conn.execute(statement)

    def finished(self, run_id: UUID) -> None:
        """The run went through every customer it listed."""
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.run_id == str(run_id))
                .values(status=COMPLETED, updated_at=now, finished_at=now)
            )

    def find(self, run_id: UUID, *, after: str | None = None, limit: int = 100) -> RunView | None:
        """A run with its counts and a page of outcomes (``None``: no such run recorded)."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (str,))
        with self.engine.connect() as conn:
            run = conn.execute(select(runs).where(runs.c.run_id == str(run_id))).mappings().first()
            if run is None:
                return None
            mine = run_customers.c.run_id == str(run_id)
            counts: dict[str, int] = {
                str(o): int(n)
                for o, n in conn.execute(
                    select(run_customers.c.outcome, func.count())
                    .where(mine)
                    .group_by(run_customers.c.outcome)
                )
            }
            q = select(run_customers).where(mine)
            if cursor is not None:
                q = q.where(run_customers.c.customer_id > cursor[0])
            rows = (
                conn.execute(q.order_by(run_customers.c.customer_id).limit(limit + 1))
                .mappings()
                .all()
            )
        page = rows[:limit]
        return RunView(
            run_id=run["run_id"],
            as_of=run["as_of"],
            status=run["status"],
            customers=run["customers"],
            done=sum(counts.values()),
            invoiced=counts.get("invoiced", 0),
            already_invoiced=counts.get("already_invoiced", 0),
            nothing_to_invoice=counts.get("nothing_to_invoice", 0),
            failed=counts.get("failed", 0),
            started_at=run["started_at"],
            updated_at=run["updated_at"],
            finished_at=run["finished_at"],
            starts=run["starts"],
            results=[_outcome(r) for r in page],
            next=encode_cursor([page[-1]["customer_id"]]) if len(rows) > limit else None,
        )


def _outcome(row: Any) -> RunOutcomeView:
    return RunOutcomeView(
        customer_id=row["customer_id"],
        outcome=row["outcome"],
        invoice_id=row["invoice_id"],
        number=row["number"],
        total=row["total"],
        problem=row["problem"],
        detail=row["detail"],
    )
