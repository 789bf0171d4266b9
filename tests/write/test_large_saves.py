"""One command that saves thousands of events at once (an import) completes on both stores.

On PostgreSQL the library's pipelined insert stalled forever once a save carried ~10 MB of
state; the recorder leaves pipeline mode for such saves (``o2c.eventstore.postgres_recorder``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from o2c import commands as c
from tests.support.world import World

INVOICES = 6_000  # ≈ 15 MB of stored state on PostgreSQL: past the pipeline stall


def test_an_import_of_thousands_of_invoices_is_one_contiguous_atomic_save(
    any_world: World,
) -> None:
    customer = uuid4()
    any_world.do(
        c.OpenAccount(
            customer_id=customer,
            name="Bulk Ltd",
            currency="EUR",
            credit_limit=Decimal("100000000"),
            payment_terms=c.PaymentTermsIn(net_days=30),
        )
    )
    before = any_world.store.last_position()
    rows = [
        c.OpeningInvoice(
            customer_id=customer,
            reference=f"OB-{k}",
            issued_on=date(2026, 1, 1) - timedelta(days=k % 300),
            open_amount=Decimal("10.25"),
        )
        for k in range(INVOICES)
    ]
    any_world.do(c.ImportOpeningInvoices(rows=rows))
    appended = any_world.store.notifications(before, 100_000)
    assert len(appended) >= INVOICES
    positions = [n.id for n in appended]
    assert positions == list(range(before + 1, before + 1 + len(appended)))
    assert sum(len(n.state) for n in appended) > 10_000_000
