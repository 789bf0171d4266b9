"""A scenario that produces every event type in the catalog (used by fixture and audit tests).

It ends by closing January with the world's clock moved to 2 March 2026: commands run on the
world afterwards must be dated after 31 January.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from o2c import commands as c
from o2c.application.deliveries import DeliveryService
from o2c.domain.dunning import DunningPolicy
from tests.support.world import D, World


def every_event_type(world: World) -> None:
    """Run commands that, between them, emit each catalogued event at least once."""
    jan = date(2026, 1, 1)
    cid = world.account(limit="1000", discount=("2", 10))
    world.do(c.ChangeCreditLimit(customer_id=cid, credit_limit=D("5000"), reason="growth"))
    world.do(
        c.ChangePaymentTerms(
            customer_id=cid,
            payment_terms=c.PaymentTermsIn(net_days=30, discount_percent=D("2"), discount_days=10),
        )
    )
    world.do(c.PlaceCreditHold(customer_id=cid, reason="review"))
    held = world.order(cid, ("A", 2, "100.00"), on=jan)
    world.do(c.ApproveOrder(order_id=UUID(held["order_id"]), reason="ok"))
    world.do(c.ReleaseCreditHold(customer_id=cid, reason="done"))
    world.ship(held["order_id"], ("A", 1), on=jan)
    world.do(c.CancelOrder(order_id=UUID(held["order_id"]), reason="rest not needed"))
    first = world.invoice(held["order_id"], on=jan)
    second = world.sell(cid, "300.00", jan)
    third = world.sell(cid, "50.00", jan)
    world.pay(cid, "98.00", date(2026, 1, 5), [(first["invoice_id"], None)])
    # Cash kept on account, applied later: the payment's stream links the invoice then.
    early = world.pay(cid, "1.00", date(2026, 1, 5), [])
    world.do(
        c.AllocatePayment(
            payment_id=UUID(early["payment_id"]),
            allocations=[c.AllocationIn(invoice_id=UUID(third["invoice_id"]), amount=D("1.00"))],
            allocated_on=date(2026, 1, 5),
        )
    )
    pay = world.pay(cid, "100.00", date(2026, 1, 6), [(second["invoice_id"], None)])
    world.do(
        c.DeallocatePayment(
            payment_id=UUID(pay["payment_id"]),
            invoice_id=UUID(second["invoice_id"]),
            reason="misapplied",
            deallocated_on=date(2026, 1, 7),  # cash is never taken back before it arrived
        )
    )
    world.do(c.AllocatePayment(payment_id=UUID(pay["payment_id"]), allocated_on=date(2026, 1, 7)))
    world.do(
        c.ReversePayment(
            payment_id=UUID(pay["payment_id"]), reason="NSF", reversed_on=date(2026, 1, 8)
        )
    )
    world.do(
        c.ApplyCreditNote(invoice_id=UUID(second["invoice_id"]), amount=D("10"), reason="damaged")
    )
    world.do(c.DisputeInvoice(invoice_id=UUID(third["invoice_id"]), reason="qty"))
    world.do(c.ResolveDispute(invoice_id=UUID(third["invoice_id"]), resolution="ok"))
    _collections(world, jan)
    world.do(c.RunDunning(as_of=date(2026, 3, 1)))
    world.do(c.WriteOffInvoice(invoice_id=UUID(third["invoice_id"]), reason="insolvent"))
    world.do(c.WriteOffInvoice(invoice_id=UUID(second["invoice_id"]), reason="insolvent"))
    world.do(
        c.PlaceOrder(
            customer_id=cid, lines=[c.OrderLineIn(sku="Z", quantity=1, unit_price=D("1"))]
        ),
        idempotency_key="fixture-key",
    )
    other = world.account(limit="0")
    world.do(c.CloseAccount(customer_id=other, reason="duplicate account"))
    world.order(world.account(limit="0"), ("A", 1, "1.00"))
    _bank_statement(world, world.account(limit="0"), jan)
    _deliveries(world, cid, first["invoice_id"])
    _parties(world, cid)
    _billing(world, cid)
    world.clock.today = date(2026, 3, 2)
    world.do(c.ClosePeriod(through=date(2026, 1, 31), reason="January closed"))


def _billing(world: World, cid: UUID) -> None:
    """A refund of unapplied cash; a contract entered, changed, billed by a run and cancelled."""
    kept = world.pay(cid, "20.00", date(2026, 1, 9), [])
    world.do(
        c.RefundPayment(
            payment_id=UUID(kept["payment_id"]),
            amount=D("5.00"),
            refunded_on=date(2026, 1, 9),
            reference="RF-1",
        )
    )
    line = c.OrderLineIn(sku="SUPPORT", quantity=1, unit_price=D("40.00"))
    contract = world.do(
        c.StartContract(customer_id=cid, lines=[line], interval="month", start_on=date(2026, 1, 1))
    )
    contract_id = UUID(contract["contract_id"])
    bigger = line.model_copy(update={"quantity": 2})
    world.do(
        c.ChangeContract(contract_id=contract_id, lines=[bigger], changed_on=date(2026, 1, 10))
    )
    world.do(
        c.BillCustomer(
            run_id=UUID("00000000-0000-4000-8000-000000000028"),
            customer_id=cid,
            as_of=date(2026, 1, 20),
            contract_ids=[contract_id],
        )
    )
    world.do(
        c.CancelContract(contract_id=contract_id, reason="ends", cancelled_on=date(2026, 1, 25))
    )


def _collections(world: World, jan: date) -> None:
    """A promise kept, a promise broken, a note, a collector and an interest invoice (promises
    are made today, whatever day the world's clock is on)."""
    cid = world.account(net_days=10)
    kept = UUID(world.sell(cid, "500.00", jan)["invoice_id"])
    broken = UUID(world.sell(cid, "300.00", jan)["invoice_id"])
    today = world.clock.today
    promised_on = today + timedelta(days=10)  # the deadline two grace days later
    world.do(c.MakePromise(invoice_id=kept, promised_on=promised_on, note="paying"))
    world.do(c.MakePromise(invoice_id=broken, promised_on=promised_on))
    world.pay(cid, "500.00", today + timedelta(days=5), [(kept, None)])
    # After the deadline, with the invoices overdue (due 11 January).
    check_on = max(today + timedelta(days=13), date(2026, 1, 12))
    world.do(c.CheckPromises(as_of=check_on))
    world.do(c.AddNote(customer_id=cid, text="call again", follow_up_on=check_on))
    world.do(c.AssignCollector(customer_id=cid, collector="eva"))
    policy = world.service.dunning_policy
    world.service.dunning_policy = DunningPolicy(
        policy.levels, fees=(D("5.00"),), interest_rate=D("8")
    )
    try:
        world.do(c.ChargeLateFees(customer_id=cid, through=check_on))
    finally:
        world.service.dunning_policy = policy


def _bank_statement(world: World, cid: UUID, on: date) -> None:
    """A bank account recorded, a statement imported, one line posted and one queued."""
    world.do(c.RecordBankAccount(customer_id=cid, iban="DE89 3704 0044 0532 0130 00"))
    lines = [
        c.BankLineIn(line_id=f"L{n}", booked_on=on, amount=D("25.00"), credit=True) for n in (1, 2)
    ]
    statement = world.do(
        c.ImportBankStatement(
            account_id="NL91ABNA0417164300",
            statement_id="ST-FIXTURE",
            currency="EUR",
            period_start=on,
            period_end=on,
            lines=lines,
        )
    )
    applied = c.LineApplication(
        line_id="L1",
        customer_id=cid,
        amount=D("25.00"),
        received_on=on,
        allocations=[],
        rule="payer-unapplied",
        score=0.8,
    )
    queued = c.LineQueued(
        line_id="L2", suggestions=[c.SuggestionIn(customer_id=cid, invoice_ids=[], score=0.4)]
    )
    world.do(
        c.DecideBankLines(
            statement_id=UUID(statement["statement_id"]), applied=[applied], queued=[queued]
        )
    )


class _Documents:
    """Attachment bytes in memory (the scenario has no read store)."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def put(self, digest: str, content: bytes, content_type: str) -> None:
        self.stored[digest] = content

    def get(self, digest: str) -> bytes | None:
        return self.stored.get(digest)


def _deliveries(world: World, cid: UUID, invoice_id: str) -> None:
    """An invoice e-mailed and bounced, a letter failed for good, one held, one to Peppol."""
    desk = DeliveryService(world.store, _Documents())
    letter = {
        "customer_id": cid,
        "document": f"invoice:{invoice_id}",
        "content": b"%PDF-1.7 invoice",
        "filename": "INV-000001.pdf",
        "channel": "email",
        "to": "billing@acme.example",
        "subject": "Invoice INV-000001",
        "body": "Please find our invoice attached.",
    }
    sent = desk.queue_delivery(**letter).delivery_id  # type: ignore[arg-type]
    desk.record_sent(sent, "")
    desk.record_bounced(sent, "smtp; 550 5.1.1 user unknown")
    failed = desk.queue_delivery(**letter).delivery_id  # type: ignore[arg-type]
    desk.record_failed(failed, "SMTP 554: rejected", 5, permanent=True)
    held = desk.queue_delivery(**letter).delivery_id  # type: ignore[arg-type]
    desk.record_held(held, "billing@acme.example bounced")
    peppol = desk.queue_delivery(  # type: ignore[arg-type]
        **{**letter, "channel": "peppol", "to": "0088:4000001123452", "filename": "INV.xml"}
    ).delivery_id
    desk.record_sent(peppol, f"https://ar.example/v1/deliveries/{peppol}/document")


def _parties(world: World, cid: UUID) -> None:
    """The seller's profile and logo set, a customer's details and number recorded."""
    berlin = c.AddressIn(
        lines=["Unter den Linden 1"], city="Berlin", postal_code="10117", country="DE"
    )
    world.do(
        c.ReplaceCompanyProfile(
            legal_name="Seller GmbH",
            address=berlin,
            vat_id="DE136695976",
            iban="DE89370400440532013000",
        )
    )
    world.do(c.ChangeCompanyLogo(media_type="image/svg+xml", content_base64="PHN2Zy8+"))
    world.do(
        c.ChangeCustomerDetails(
            customer_id=cid,
            customer_number="C-1",
            legal_name="Acme SA",
            address=c.AddressIn(lines=["1 rue de Rivoli"], city="Paris", country="FR"),
            vat_id="FR40303265045",
            contacts=[c.ContactIn(role="billing", email="ap@acme.example")],
        )
    )
