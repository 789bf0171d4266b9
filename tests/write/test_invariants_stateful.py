"""Property test: random command sequences never break the invariants of SPEC §4.

After every step, for every customer of the example (tests/write/ledger_check.py): each invoice's
open amount, recomputed from its own events, equals total − applied + reversed − credit notes −
discounts − write-offs, stays in [0, total] and agrees with the account's sub-ledger; AR balance is
the sum of open amounts; unapplied cash is ≥ 0 and equals payments − applied; open-order exposure
equals the approved value neither cancelled nor invoiced. A rejected command leaves the log
unchanged. Each credit decision records the account's exposure just before the order, and its
outcome is the rule applied to what it recorded. The hash chain of the whole log is verified at
the end of a run.

Each example starts with an account that already has two invoices, so payments, credit notes,
disputes, write-offs and dunning have something to act on from the first step. At least 200
examples run on SQLite and 200 on PostgreSQL (counted), on one store per run with fresh customers
per example.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import Order
from o2c.aggregates.payment_link import PaymentLink
from o2c.domain.errors import DomainError
from o2c.eventstore.store import EventStore
from tests.support.world import World, opened_store
from tests.write.chain_check import assert_chain_intact
from tests.write.ledger_check import check_account, check_open_orders

EXAMPLES = 200
STEPS = 12

amounts = st.integers(min_value=1, max_value=50_000).map(lambda cents: Decimal(cents) / 100)
small = st.integers(min_value=1, max_value=5_000).map(lambda cents: Decimal(cents) / 100)
pick = st.integers(min_value=0, max_value=1_000)
limits = st.sampled_from(["0", "200", "1000", "100000"])
DECISION_FIGURES = (
    "credit_limit",
    "ar_balance",
    "open_orders",
    "unapplied_cash",
    "exposure",
    "order_total",
)


class ReceivablesMachine(RuleBasedStateMachine):
    """Drives the service with random commands on one store shared by all examples."""

    store: EventStore
    examples = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).examples += 1
        self.world = World(self.store, date(2026, 1, 1))
        self.customers: list[UUID] = []
        self.orders: list[UUID] = []
        self.invoices: list[UUID] = []
        self.payments: list[UUID] = []
        self.finished: set[UUID] = set()
        # Dunning looks at this example's customers only: scanning the whole shared log on every
        # run would make the test quadratic in the number of examples, and check nothing more.
        self.world.service.dunning_customers = lambda as_of, pos: list(self.customers)

    # ---- helpers ------------------------------------------------------------------------

    def run(self, cmd: c.Command) -> dict[str, object] | None:
        """Run a command; a rejected one must leave the log as it was."""
        before = self.store.last_position()
        try:
            return self.world.do(cmd)
        except DomainError:
            assert self.store.last_position() == before, "a rejected command stored events"
            return None

    def _account(self, customer: UUID) -> CustomerAccount:
        acc = self.store.get(customer)
        assert isinstance(acc, CustomerAccount)
        return acc

    def _applied(self, payment_id: UUID, invoice_id: UUID) -> bool:
        inv = self.store.get(invoice_id)
        assert isinstance(inv, Invoice)
        return inv.applied_by(payment_id)[0] > 0

    def _invoice_made(self, body: dict[str, object] | None) -> None:
        if body is not None:
            self.invoices.append(UUID(str(body["invoice_id"])))

    # ---- accounts -----------------------------------------------------------------------

    @initialize(limit=limits, discount=st.booleans(), first=amounts, second=amounts)
    def account_with_two_invoices(
        self, limit: str, discount: bool, first: Decimal, second: Decimal
    ) -> None:
        self.open_account(limit, discount)
        cid = self.customers[-1]
        for amount, day in ((first, 1), (second, 5)):
            body = self.world.sell(cid, str(amount), date(2026, 1, day))
            self.orders.append(UUID(str(body["order_id"])))
            self._invoice_made(body)

    @rule(limit=limits, discount=st.booleans())
    def open_account(self, limit: str, discount: bool) -> None:
        self.customers.append(
            self.world.account(limit=limit, discount=("2", 10) if discount else None)
        )

    @rule(i=pick, hold=st.booleans())
    def credit_hold(self, i: int, hold: bool) -> None:
        cid = self.customers[i % len(self.customers)]
        self.run(
            c.PlaceCreditHold(customer_id=cid, reason="t")
            if hold
            else c.ReleaseCreditHold(customer_id=cid, reason="t")
        )

    @rule(i=pick, limit=limits)
    def change_limit(self, i: int, limit: str) -> None:
        cid = self.customers[i % len(self.customers)]
        self.run(c.ChangeCreditLimit(customer_id=cid, credit_limit=Decimal(limit), reason="t"))

    @rule(i=pick, really=st.integers(0, 3))
    def close(self, i: int, really: int) -> None:
        if really == 0:  # rarely: a closed account refuses almost everything afterwards
            self.run(
                c.CloseAccount(customer_id=self.customers[i % len(self.customers)], reason="t")
            )

    # ---- orders -------------------------------------------------------------------------

    @rule(i=pick, qa=st.integers(1, 5), qb=st.integers(0, 3), price=amounts)
    def place_order(self, i: int, qa: int, qb: int, price: Decimal) -> None:
        cid = self.customers[i % len(self.customers)]
        exposure = self._account(cid).exposure()
        lines = [c.OrderLineIn(sku="A", quantity=qa, unit_price=price)]
        if qb:
            lines.append(c.OrderLineIn(sku="B", quantity=qb, unit_price=Decimal("1.00")))
        body = self.run(c.PlaceOrder(customer_id=cid, lines=lines))
        if body is None:
            return
        decision = body["credit_decision"]
        assert isinstance(decision, dict)
        recorded = {k: Decimal(str(decision[k])) for k in DECISION_FIGURES}
        assert recorded == {
            "credit_limit": exposure.credit_limit,
            "ar_balance": exposure.ar_balance,
            "open_orders": exposure.open_orders,
            "unapplied_cash": exposure.unapplied_cash,
            "exposure": exposure.exposure,
            "order_total": Decimal(str(body["total"])),
        }
        assert decision["on_hold"] == exposure.on_hold
        within = recorded["exposure"] + recorded["order_total"] <= recorded["credit_limit"]
        rule_says = not decision["on_hold"] and within
        assert decision["approved"] == rule_says == (body["status"] == "approved")
        self.orders.append(UUID(str(body["order_id"])))

    @precondition(lambda self: self.orders)
    @rule(i=pick)
    def approve(self, i: int) -> None:
        self.run(c.ApproveOrder(order_id=self.orders[i % len(self.orders)], reason="t"))

    @precondition(lambda self: self.orders)
    @rule(i=pick, sku=st.sampled_from(("A", "B")), qty=st.integers(1, 4))
    def ship(self, i: int, sku: str, qty: int) -> None:
        oid = self.orders[i % len(self.orders)]
        self.run(c.ShipOrder(order_id=oid, lines=[c.ShipmentLineIn(sku=sku, quantity=qty)]))

    @precondition(lambda self: self.orders)
    @rule(i=pick)
    def ship_rest_and_invoice(self, i: int) -> None:
        oid = self.orders[i % len(self.orders)]
        order = self.store.get(oid)
        assert isinstance(order, Order)
        rest = [
            c.ShipmentLineIn(sku=s, quantity=order.open_quantity(s))
            for s in order.lines
            if order.open_quantity(s) > 0
        ]
        if rest:
            self.run(c.ShipOrder(order_id=oid, lines=rest))
        self._invoice_made(self.run(c.InvoiceOrder(order_id=oid)))

    @precondition(lambda self: self.orders)
    @rule(i=pick)
    def cancel(self, i: int) -> None:
        self.run(c.CancelOrder(order_id=self.orders[i % len(self.orders)]))

    @precondition(lambda self: self.orders)
    @rule(i=pick)
    def invoice(self, i: int) -> None:
        self._invoice_made(self.run(c.InvoiceOrder(order_id=self.orders[i % len(self.orders)])))

    # ---- payments -----------------------------------------------------------------------

    @rule(i=pick, amount=amounts, j=st.none() | pick, partial=st.none() | small)
    def pay(self, i: int, amount: Decimal, j: int | None, partial: Decimal | None) -> None:
        cid = self.customers[i % len(self.customers)]
        allocations = None
        if j is not None and self.invoices:
            invoice = self.invoices[j % len(self.invoices)]
            allocations = [c.AllocationIn(invoice_id=invoice, amount=partial)]
        body = self.run(c.ReceivePayment(customer_id=cid, amount=amount, allocations=allocations))
        if body is not None:
            self.payments.append(UUID(str(body["payment_id"])))

    @precondition(lambda self: self.invoices)
    @rule(j=pick)
    def pay_invoice_in_full(self, j: int) -> None:
        """Pay exactly what settles an invoice, net of its discount: takes discounts often."""
        inv = self.store.get(self.invoices[j % len(self.invoices)])
        assert isinstance(inv, Invoice)
        amount = inv.open_amount
        if inv.discount_taken == 0 and amount > inv.discount_amount:
            amount -= inv.discount_amount
        if amount <= 0:
            return
        body = self.run(
            c.ReceivePayment(
                customer_id=inv.customer_id,
                amount=amount,
                allocations=[c.AllocationIn(invoice_id=inv.id)],
            )
        )
        if body is not None:
            self.payments.append(UUID(str(body["payment_id"])))

    @precondition(lambda self: len(self.invoices) >= 2)
    @rule(i=pick, amount=amounts, j=pick, k=pick, part=small)
    def pay_two_invoices(self, i: int, amount: Decimal, j: int, k: int, part: Decimal) -> None:
        first, second = self.invoices[j % len(self.invoices)], self.invoices[k % len(self.invoices)]
        if first == second:
            return
        body = self.run(
            c.ReceivePayment(
                customer_id=self.customers[i % len(self.customers)],
                amount=amount,
                allocations=[
                    c.AllocationIn(invoice_id=first, amount=part),
                    c.AllocationIn(invoice_id=second),
                ],
            )
        )
        if body is not None:
            self.payments.append(UUID(str(body["payment_id"])))

    @precondition(lambda self: self.payments)
    @rule(i=pick)
    def allocate(self, i: int) -> None:
        self.run(c.AllocatePayment(payment_id=self.payments[i % len(self.payments)]))

    @precondition(lambda self: self.payments and self.invoices)
    @rule(i=pick, j=pick)
    def deallocate(self, i: int, j: int) -> None:
        pid = self.payments[i % len(self.payments)]
        link = self.store.get(pid)
        assert isinstance(link, PaymentLink)
        allocated = [i for i in link.invoice_ids if self._applied(pid, i)]
        candidates = allocated or self.invoices
        invoice = candidates[j % len(candidates)]
        self.run(c.DeallocatePayment(payment_id=pid, invoice_id=invoice, reason="t"))

    @precondition(lambda self: self.payments)
    @rule(i=pick)
    def reverse(self, i: int) -> None:
        self.run(c.ReversePayment(payment_id=self.payments[i % len(self.payments)]))

    # ---- invoices -----------------------------------------------------------------------

    @precondition(lambda self: self.invoices)
    @rule(j=pick, amount=small)
    def credit_note(self, j: int, amount: Decimal) -> None:
        invoice = self.invoices[j % len(self.invoices)]
        self.run(c.ApplyCreditNote(invoice_id=invoice, amount=amount, reason="t"))

    @precondition(lambda self: self.invoices)
    @rule(j=pick, partial=st.none() | small)
    def write_off(self, j: int, partial: Decimal | None) -> None:
        invoice = self.invoices[j % len(self.invoices)]
        self.run(c.WriteOffInvoice(invoice_id=invoice, amount=partial, reason="t"))

    @precondition(lambda self: self.invoices)
    @rule(j=pick, open_it=st.booleans())
    def dispute(self, j: int, open_it: bool) -> None:
        invoice = self.invoices[j % len(self.invoices)]
        self.run(
            c.DisputeInvoice(invoice_id=invoice, reason="t")
            if open_it
            else c.ResolveDispute(invoice_id=invoice)
        )

    @rule(days=st.integers(1, 40))
    def time_passes_and_dunning_runs(self, days: int) -> None:
        self.world.clock.today += timedelta(days=days)
        self.run(c.RunDunning())

    # ---- invariants ---------------------------------------------------------------------

    @invariant()
    def ledger_is_consistent(self) -> None:
        for cid in self.customers:
            check_account(self.store, cid)
        live = [o for o in self.orders if o not in self.finished]
        self.finished |= check_open_orders(self.store, self.customers, live)


def _run(url: str) -> None:
    with opened_store(url) as store:
        # Snapshot accounts often, so the rebuilt-versus-cached check also loads from snapshots.
        store.app.snapshotting_intervals[CustomerAccount] = 7
        ReceivablesMachine.store = store
        ReceivablesMachine.examples = 0
        run_state_machine_as_test(
            ReceivablesMachine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
        assert ReceivablesMachine.examples >= EXAMPLES
        assert_chain_intact(store)


def test_invariants_hold_on_sqlite(sqlite_url: str) -> None:
    _run(sqlite_url)


def test_invariants_hold_on_postgres(pg_url: str) -> None:
    _run(pg_url)
