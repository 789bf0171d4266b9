"""Property test: random timelines of orders, partial shipments, cancellations, contracts and
billing runs, some of them killed part-way and started again.

The timeline's customers bill in each way (periodic by month, periodic by week, on shipment,
manual); orders are placed, shipped in parts, cancelled and invoiced by hand; contracts are
entered (month, quarter, year; in advance or in arrears; some ending), changed and cancelled;
time passes; billing runs go. A run may crash after any number of its saves (or inside one,
which stores nothing of it) and is then started again with the same run id.

After every step:
- every shipped unit is invoiced at most once: per order and sku, the quantities on invoice
  lines add up to what the order records as invoiced, never more than was shipped;
- every contract period is on at most one invoice line (per contract, period and sku);
- invoice numbers are gap-free (INV-000001 … INV-N over the store) and each invoice's total is
  the value of its lines;
- the invoices' totals add up to the value of what was invoiced: shipped units at their order
  price, contract periods at the lines that hold for them (modelled here: a change holds from
  the first period starting after it).
After a run goes through (first time or restarted), nothing it should have invoiced is left:
every unit a periodic customer shipped up to its cut-off, every contract period due by then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID, uuid4

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from o2c import commands as c
from o2c.application.billing_runs import BillingRuns, Candidate
from o2c.domain.billing_periods import Schedule, cut_off
from o2c.domain.errors import DomainError
from o2c.eventstore.store import EventStore
from tests.support.world import World, opened_store

D = Decimal
EXAMPLES, RUNS, STEPS = 60, 4, 30
POLICIES = (("periodic", "month"), ("periodic", "week"), ("on_shipment", None), ("manual", None))
SKUS = ("A", "B")
PRICES = {"A": D("10.00"), "B": D("2.50")}


class Crash(Exception):
    """The process died: nothing after this point of the run happened."""


@dataclass
class ContractModel:
    """What the test knows of a contract: its calendar, its price per period, where it ends."""

    customer: UUID
    schedule: Schedule
    billing: str
    prices: list[tuple[int, Decimal]]  # (first period, unit price), a change appends
    end_index: int | None

    def price(self, index: int) -> Decimal:
        return [p for first, p in self.prices if first <= index][-1]

    def due_count(self, as_of: date, cap: int) -> int:
        """How many periods are due by ``as_of`` (at most ``cap`` per run: the first ones)."""
        n = 0
        while self.end_index is None or n < self.end_index:
            if self.schedule.period(n).due_on(self.billing) > as_of:
                break
            n += 1
        return n

    def starting_after(self, day: date) -> int:
        """The first period that starts after ``day``, walked here period by period."""
        n = 0
        while self.schedule.period(n).start <= day:
            n += 1
        return n


@dataclass
class Example:
    """The customers, orders and contracts of one example."""

    customers: dict[UUID, tuple[str, str | None]] = field(default_factory=dict)
    orders: dict[UUID, UUID] = field(default_factory=dict)  # order → customer
    contracts: dict[UUID, ContractModel] = field(default_factory=dict)


class ExampleCandidates:
    """The example's customers and contracts (the store holds other examples' too)."""

    def __init__(self, example: Example) -> None:
        self.example = example

    def __call__(self, as_of: date, min_position: int) -> Iterable[Candidate]:
        for customer in self.example.customers:
            contracts = [k for k, m in self.example.contracts.items() if m.customer == customer]
            yield Candidate(customer, tuple(contracts))


def invoices(store: EventStore) -> list[dict[str, Any]]:
    """Every invoice issued in the store, as its InvoiceIssued data."""
    return [
        {**e.data, "invoice_id": e.aggregate_id}
        for e in store.read_all()
        if e.event_type == "InvoiceIssued"
    ]


class BillingTimeline(RuleBasedStateMachine):
    """Random timelines on one store; fresh customers each example."""

    store: ClassVar[EventStore]
    outcomes: ClassVar[Counter[str]]

    def __init__(self) -> None:
        super().__init__()
        self.world = World(self.store, date(2026, 1, 1))
        self.example = Example()
        self.runs = BillingRuns(self.world.service, ExampleCandidates(self.example))

    @initialize()
    def customers(self) -> None:
        for mode, period in POLICIES:
            cid = self.world.account(limit="10000000")
            self.world.do(
                c.ChangeCustomerDetails(
                    customer_id=cid, billing_policy={"mode": mode, "period": period}
                )
            )
            self.example.customers[cid] = (mode, period)

    # ---- helpers ----------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.world.clock.today

    def _do(self, name: str, cmd: c.Command) -> dict[str, Any] | None:
        try:
            body = self.world.do(cmd)
        except DomainError as refused:
            self.outcomes[f"{name}: {refused.code}"] += 1
            event(f"{name} refused: {refused.code}")
            return None
        self.outcomes[name] += 1
        return body

    def _order(self, data: st.DataObject) -> UUID | None:
        if not self.example.orders:
            return None
        return data.draw(st.sampled_from(list(self.example.orders)))

    # ---- rules ------------------------------------------------------------------------------

    @rule(data=st.data(), a=st.integers(0, 4), b=st.integers(0, 4))
    def place_order(self, data: st.DataObject, a: int, b: int) -> None:
        customer = data.draw(st.sampled_from(list(self.example.customers)))
        lines = [
            c.OrderLineIn(sku=sku, quantity=q, unit_price=PRICES[sku])
            for sku, q in zip(SKUS, (a, b), strict=True)
            if q > 0
        ]
        if not lines:
            return
        placed = self._do(
            "place", c.PlaceOrder(customer_id=customer, lines=lines, ordered_on=self.today)
        )
        if placed is not None:
            self.example.orders[UUID(placed["order_id"])] = customer

    @rule(data=st.data(), a=st.integers(1, 4), part=st.integers(1, 4))
    def order_and_ship_part(self, data: st.DataObject, a: int, part: int) -> None:
        """A busy day: an order placed and part of it shipped at once."""
        customer = data.draw(st.sampled_from(list(self.example.customers)))
        line = c.OrderLineIn(sku="A", quantity=a, unit_price=PRICES["A"])
        placed = self._do(
            "place", c.PlaceOrder(customer_id=customer, lines=[line], ordered_on=self.today)
        )
        if placed is None:
            return
        order = UUID(placed["order_id"])
        self.example.orders[order] = customer
        shipped = c.ShipmentLineIn(sku="A", quantity=min(a, part))
        self._do("ship", c.ShipOrder(order_id=order, lines=[shipped], shipped_on=self.today))

    @rule(data=st.data(), q=st.integers(1, 3))
    def ship(self, data: st.DataObject, q: int) -> None:
        order = self._order(data)
        if order is not None:
            placed = self.world.store.get(order)
            sku = data.draw(st.sampled_from(sorted(placed.lines)))  # type: ignore[union-attr]
            line = c.ShipmentLineIn(sku=sku, quantity=q)
            self._do("ship", c.ShipOrder(order_id=order, lines=[line], shipped_on=self.today))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = self._order(data)
        if order is not None:
            self._do("cancel", c.CancelOrder(order_id=order, cancelled_on=self.today))

    @rule(data=st.data())
    def invoice_by_hand(self, data: st.DataObject) -> None:
        order = self._order(data)
        if order is not None:
            self._do("invoice", c.InvoiceOrder(order_id=order, issued_on=self.today))

    @rule(
        data=st.data(),
        interval=st.sampled_from(["month", "quarter", "year"]),
        billing=st.sampled_from(["in_advance", "in_arrears"]),
        offset=st.integers(-70, 40),
        months=st.none() | st.integers(0, 14),
        price=st.sampled_from([D("30.00"), D("99.99")]),
    )
    def start_contract(
        self,
        data: st.DataObject,
        interval: str,
        billing: str,
        offset: int,
        months: int | None,
        price: Decimal,
    ) -> None:
        customer = data.draw(st.sampled_from(list(self.example.customers)))
        start = self.today + timedelta(days=offset)
        end = None if months is None else start + timedelta(days=30 * months)
        line = c.OrderLineIn(sku="SUB", quantity=1, unit_price=price)
        started = self._do(
            "contract",
            c.StartContract(
                customer_id=customer,
                lines=[line],
                interval=interval,  # type: ignore[arg-type]
                start_on=start,
                end_on=end,
                billing=billing,  # type: ignore[arg-type]
            ),
        )
        if started is not None:
            schedule = Schedule(start, interval)
            model = ContractModel(customer, schedule, billing, [(0, price)], None)
            if end is not None:
                model.end_index = model.starting_after(end)
            self.example.contracts[UUID(started["contract_id"])] = model

    @rule(data=st.data(), price=st.sampled_from([D("45.00"), D("12.34")]))
    def change_contract(self, data: st.DataObject, price: Decimal) -> None:
        if not self.example.contracts:
            return
        k = data.draw(st.sampled_from(list(self.example.contracts)))
        line = c.OrderLineIn(sku="SUB", quantity=1, unit_price=price)
        changed = self._do(
            "change", c.ChangeContract(contract_id=k, lines=[line], changed_on=self.today)
        )
        if changed is not None:
            model = self.example.contracts[k]
            first = model.starting_after(self.today)
            model.prices = [(i, p) for i, p in model.prices if i < first] + [(first, price)]

    @rule(data=st.data())
    def cancel_contract(self, data: st.DataObject) -> None:
        if not self.example.contracts:
            return
        k = data.draw(st.sampled_from(list(self.example.contracts)))
        done = self._do("cancel contract", c.CancelContract(contract_id=k, cancelled_on=self.today))
        if done is not None:
            model = self.example.contracts[k]
            first = model.starting_after(self.today)
            model.end_index = first if model.end_index is None else min(first, model.end_index)

    @rule(days=st.integers(1, 45))
    def time_passes(self, days: int) -> None:
        self.world.clock.today = self.today + timedelta(days=days)

    @rule(
        crash=st.none() | st.sampled_from(["between customers", "before a save", "inside a save"]),
        after=st.integers(0, 3),
    )
    def billing_run(self, crash: str | None, after: int) -> None:
        run_id = uuid4()
        if crash is not None:
            self._crashing_run(run_id, crash, after)
        done = self.runs.run(self.today, run_id)
        failed = [o for o in done.outcomes if o.outcome == "failed"]
        assert not failed, failed
        self.outcomes["billing run"] += 1
        self._nothing_left_due(self.today)

    def _crashing_run(self, run_id: UUID, crash: str, after: int) -> None:
        """Start the run and let the process die: once ``after`` customers are done (between
        two customers), or at the save after ``after`` saves, on its way in (nothing of it
        stored) or once stored and before the run heard of it (inside)."""
        store = self.world.store
        real = store.save
        left = [after]

        def save(*args: Any, **kwargs: Any) -> int:
            if crash != "between customers" and left[0] == 0:
                if crash == "inside a save":
                    real(*args, **kwargs)
                raise Crash
            left[0] -= 1
            return real(*args, **kwargs)

        def progress(done: int, total: int) -> None:
            if crash == "between customers" and done > after:
                raise Crash

        store.save = save  # type: ignore[method-assign]
        try:
            self.runs.run(self.today, run_id, progress=progress)
            event("billing run: finished before the crash point")
        except Crash:
            self.outcomes["billing run crashed"] += 1
            event(f"billing run: crashed {crash} and started again")
        finally:
            del store.save  # type: ignore[method-assign]

    # ---- what must hold ---------------------------------------------------------------------

    def _nothing_left_due(self, as_of: date) -> None:
        for order_id, customer in self.example.orders.items():
            mode, period = self.example.customers[customer]
            if mode != "periodic" or period is None:
                continue
            order = self.world.store.get(order_id)
            through = cut_off(period, as_of)
            for sku in order.lines:  # type: ignore[union-attr]
                shipped = order.shipped_through(sku, through)  # type: ignore[union-attr]
                assert order.invoiced[sku] >= shipped, (order_id, sku)  # type: ignore[union-attr]
        for k, model in self.example.contracts.items():
            contract = self.world.store.get(k)
            due = model.due_count(as_of, cap=10**6)
            # A run invoices at most 24 periods of one contract (the rest go to the next run).
            assert contract.next_index == min(due, contract.next_index)  # type: ignore[union-attr]
            assert contract.next_index >= min(due, 24)  # type: ignore[union-attr]

    @invariant()
    def every_unit_and_period_once_and_numbers_gap_free(self) -> None:
        issued = invoices(self.world.store)
        numbers = sorted(int(i["number"].removeprefix("INV-")) for i in issued)
        assert numbers == list(range(1, len(numbers) + 1))
        on_invoices: Counter[tuple[str, str]] = Counter()
        periods: Counter[tuple[str, str, str]] = Counter()
        expected_total = D(0)
        for inv in issued:
            assert D(inv["total"]) == sum(D(ln["amount"]) for ln in inv["lines"])
            for ln in inv["lines"]:
                order = ln.get("order_id") or inv["order_id"]
                if ln.get("contract_id"):
                    periods[(ln["contract_id"], ln["period_start"], ln["sku"])] += 1
                else:
                    on_invoices[(str(order), ln["sku"])] += ln["quantity"]
        assert all(n == 1 for n in periods.values()), periods
        for order_id in self.example.orders:
            order = self.world.store.get(order_id)
            for sku in order.lines:  # type: ignore[union-attr]
                invoiced = order.invoiced[sku]  # type: ignore[union-attr]
                assert on_invoices[(str(order_id), sku)] == invoiced
                assert invoiced <= order.shipped[sku]  # type: ignore[union-attr]
                expected_total += PRICES[sku] * invoiced
        for k, model in self.example.contracts.items():
            contract = self.world.store.get(k)
            for index in range(contract.next_index):  # type: ignore[union-attr]
                start = model.schedule.period(index).start.isoformat()
                assert periods[(str(k), start, "SUB")] == 1
                expected_total += model.price(index)
        customers = {str(cu) for cu in self.example.customers}
        total = sum(D(i["total"]) for i in issued if str(i["customer_id"]) in customers)
        assert total == expected_total


def _run(store: EventStore, examples: int, steps: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    BillingTimeline.store = store
    BillingTimeline.outcomes = outcomes
    run_state_machine_as_test(
        BillingTimeline,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    return outcomes


def test_every_shipped_unit_and_contract_period_is_invoiced_exactly_once(
    sqlite_url: str,
) -> None:
    outcomes: Counter[str] = Counter()
    with opened_store(sqlite_url) as store:
        # Short independent runs: within one, swarm testing turns whole rule families off for
        # the examples derived from one another, so one long run may hardly ever ship.
        for _ in range(RUNS):
            outcomes.update(_run(store, examples=EXAMPLES // RUNS, steps=STEPS))
    # The property is only as good as what was exercised: each of these happened.
    for what in ("ship", "contract", "change", "cancel contract", "invoice"):
        assert outcomes[what] > 0, (what, outcomes)
    assert outcomes["billing run"] >= 40 and outcomes["billing run crashed"] >= 10, outcomes
