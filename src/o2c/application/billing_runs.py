"""Billing runs: one ``BillCustomer`` command per customer with something due, never one
transaction over the portfolio.

A run's id is the caller's, or derives from its date (``as_of``): starting the run of a date
again, after a crash or a kill, is the same run. Each customer's invoice id derives from the run
and the customer, so the run picks up where it stopped: a customer it invoiced answers
``already_invoiced`` (with that invoice), the others are invoiced now, and every number taken
stays gap-free because each invoice takes its number in its own customer's transaction.

Which customers a run looks at comes from a lister (the read models, waited for up to the log
position the run started at; or the event log): a candidate with nothing due is harmless (its
command finds nothing), and each command re-checks on the write side what is due.

Progress and results are kept by a run log (the read store's control tables): a run answered
while it is going, or afterwards, and the customers it could not bill with the reason. A dry run
plans every customer's invoice on the same rules and records nothing, anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid5

from o2c.application.context import CommandContext
from o2c.application.handlers.billing import (
    ALREADY_INVOICED,
    INVOICED,
    NOTHING,
    billing_invoice_id,
    plan_billing,
    plan_total,
)
from o2c.application.results import CustomerBilledResult
from o2c.application.service import O2CService
from o2c.application.unit_of_work import UnitOfWork
from o2c.commands import BillCustomer
from o2c.domain.business_dates import ensure_not_in_future
from o2c.domain.errors import DomainError

RUNS_NAMESPACE = UUID("4b8f3f0e-5d0a-4c6e-9a57-2f1d7f3c9b10")
FAILED = "failed"


def run_id_for(as_of: date) -> UUID:
    """The id of the billing run of ``as_of`` when the caller names none."""
    return uuid5(RUNS_NAMESPACE, f"billing-run:{as_of.isoformat()}")


@dataclass(frozen=True)
class Candidate:
    """A customer a run looks at, and its contracts that may have a period due."""

    customer_id: UUID
    contract_ids: tuple[UUID, ...] = ()


class BillingCandidatesPort(Protocol):
    """Customers that may have something due as of ``as_of`` (a periodic customer with shipped,
    uninvoiced goods, a customer with a contract period due), counting every event up to
    ``min_position``."""

    def __call__(self, as_of: date, min_position: int) -> Iterable[Candidate]: ...


@dataclass(frozen=True)
class CustomerOutcome:
    """What a run did for one customer: ``invoiced``, ``already_invoiced``,
    ``nothing_to_invoice`` or ``failed`` (with the problem's code and text)."""

    customer_id: UUID
    outcome: str
    invoice_id: UUID | None = None
    number: str | None = None
    total: Decimal | None = None
    problem: str | None = None
    detail: str | None = None

    @classmethod
    def of(cls, result: CustomerBilledResult) -> CustomerOutcome:
        """The outcome a customer's command answered."""
        inv = result.invoice
        return cls(
            result.customer_id,
            result.outcome,
            None if inv is None else inv.invoice_id,
            None if inv is None else inv.number,
            None if inv is None else inv.total,
        )


class RunLogPort(Protocol):
    """Where a run's progress and per-customer outcomes are kept."""

    def started(self, run_id: UUID, as_of: date, customer_ids: Sequence[UUID], actor: str) -> None:
        """The run (started anew or again) looks at ``customer_ids``."""

    def recorded(self, run_id: UUID, outcome: CustomerOutcome) -> None:
        """One customer's outcome (replacing what an earlier start of the run recorded)."""

    def finished(self, run_id: UUID) -> None:
        """The run went through every customer."""


@dataclass
class BillingRunResult:
    """A run's counts (by outcome) and its outcomes, in the order the customers were billed."""

    run_id: UUID
    as_of: date
    customers: int = 0
    outcomes: list[CustomerOutcome] = field(default_factory=list)
    position: int = 0

    def count(self, outcome: str) -> int:
        """How many customers had ``outcome``."""
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    def summary(self) -> dict[str, Any]:
        """The counts as JSON."""
        return {
            "run_id": str(self.run_id),
            "as_of": self.as_of.isoformat(),
            "customers": self.customers,
            "invoiced": self.count(INVOICED),
            "already_invoiced": self.count(ALREADY_INVOICED),
            "nothing_to_invoice": self.count(NOTHING),
            "failed": self.count(FAILED),
        }


@dataclass(frozen=True)
class PlannedInvoice:
    """What a dry run would invoice one customer."""

    customer_id: UUID
    currency: str
    lines: list[dict[str, Any]]
    total: Decimal


Progress = Callable[[int, int], None]


class BillingRuns:
    """Runs billing over every customer with something due, one command each."""

    def __init__(
        self,
        service: O2CService,
        candidates: BillingCandidatesPort,
        log: RunLogPort | None = None,
    ) -> None:
        self.service = service
        self.candidates = candidates
        self.log = log

    def _check(self, as_of: date) -> None:
        ensure_not_in_future([as_of], self.service.today())
        # The date rules of the run's commands, checked once before any customer is looked at.
        probe = BillCustomer(run_id=RUNS_NAMESPACE, customer_id=RUNS_NAMESPACE, as_of=as_of)
        self.service.check_dates(probe)

    def run(
        self,
        as_of: date,
        run_id: UUID | None = None,
        ctx: CommandContext | None = None,
        progress: Progress | None = None,
    ) -> BillingRunResult:
        """Bill every candidate as of ``as_of`` (the run of that date unless ``run_id``)."""
        self._check(as_of)
        ctx = ctx or CommandContext()
        run_id = run_id or run_id_for(as_of)
        start = self.service.store.last_position()
        found = list(self.candidates(as_of, start))
        result = BillingRunResult(run_id, as_of, len(found), position=start)
        if self.log is not None:
            self.log.started(run_id, as_of, [c.customer_id for c in found], ctx.actor)
        for done, candidate in enumerate(found, start=1):
            outcome = self._one(run_id, as_of, candidate, ctx, result)
            result.outcomes.append(outcome)
            if self.log is not None:
                self.log.recorded(run_id, outcome)
            if progress is not None:
                progress(done, len(found))
        if self.log is not None:
            self.log.finished(run_id)
        return result

    def _one(
        self,
        run_id: UUID,
        as_of: date,
        candidate: Candidate,
        ctx: CommandContext,
        result: BillingRunResult,
    ) -> CustomerOutcome:
        cmd = BillCustomer(
            run_id=run_id,
            customer_id=candidate.customer_id,
            as_of=as_of,
            contract_ids=list(candidate.contract_ids),
        )
        part = CommandContext(
            actor=ctx.actor, correlation_id=ctx.correlation, causation_id=ctx.command_id
        )
        try:
            answered = self.service.handle(cmd, part)
        except DomainError as refused:
            # One customer's problem (a closed account, a contract of another customer) must not
            # stop the others' invoices: it is reported with the run.
            return CustomerOutcome(
                candidate.customer_id, FAILED, problem=refused.code, detail=refused.detail
            )
        assert isinstance(answered.result, CustomerBilledResult)
        result.position = max(result.position, answered.position)
        return CustomerOutcome.of(answered.result)

    def dry_run(self, as_of: date, run_id: UUID | None = None) -> tuple[UUID, list[PlannedInvoice]]:
        """What a run as of ``as_of`` would invoice, customer by customer; nothing is stored."""
        self._check(as_of)
        run_id = run_id or run_id_for(as_of)
        planned: list[PlannedInvoice] = []
        store = self.service.store
        for candidate in self.candidates(as_of, store.last_position()):
            if store.version_of(billing_invoice_id(run_id, candidate.customer_id)) is not None:
                continue  # this run invoiced the customer already: it would issue nothing more
            uow = UnitOfWork(store, self.service.today(), self.service.dunning_policy)
            try:
                plan = plan_billing(uow, candidate.customer_id, as_of, list(candidate.contract_ids))
                if plan.empty:
                    continue
                lines, total = plan_total(plan)
            except DomainError:
                continue  # a run would report it as failed; a dry run shows what would be issued
            planned.append(
                PlannedInvoice(candidate.customer_id, plan.account.currency, lines, total)
            )
        return run_id, planned
