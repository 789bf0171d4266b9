"""An event whose text a read table cannot hold (NUL: PostgreSQL text never contains it) that is
already in the immutable log is projected with that character replaced, instead of stopping the
projections; ``o2c rebuild`` replays it too. The log itself keeps the original text.

The events are written through the service with unvalidated commands (``model_construct``), as
they were before the command models refused control characters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from o2c import commands as c
from o2c.cli.main import main
from o2c.eventstore.store import EventStore
from o2c.follow.embedded import EmbeddedRunner
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from tests.support.pg import temporary_database
from tests.support.world import World, opened_store

D = Decimal
DAY = date(2026, 3, 1)


@pytest.fixture(params=["sqlite", "postgres"])
def urls(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """Event store and read store URLs, also set for the command line."""

    def use(event_url: str, read_url: str) -> tuple[str, str]:
        monkeypatch.setenv("O2C_EVENT_STORE_URL", event_url)
        monkeypatch.setenv("O2C_READ_STORE_URL", read_url)
        return event_url, read_url

    if request.param == "sqlite":
        yield use(f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}")
    else:
        with temporary_database() as url:
            yield use(url, url)


def write_book_with_nul(store: EventStore) -> dict[str, UUID]:
    """One account, order, invoice and payment whose texts hold NUL and other C0 characters."""
    world = World(store, DAY)
    opened = world.do(
        c.OpenAccount.model_construct(
            name="Acme\x00 GmbH",
            currency="EUR",
            credit_limit=D("100000"),
            payment_terms=c.PaymentTermsIn(),
        )
    )
    cid = UUID(opened["customer_id"])
    world.do(c.PlaceCreditHold.model_construct(customer_id=cid, reason="why\x00\x1b"))
    world.do(c.ReleaseCreditHold.model_construct(customer_id=cid, reason="\x00"))
    world.do(c.PlaceCreditHold.model_construct(customer_id=cid, reason="still\x00"))
    world.do(c.ReleaseCreditHold(customer_id=cid, reason="ok"))
    line = c.OrderLineIn.model_construct(
        sku="SKU\x00", description="desc\x00", quantity=2, unit_price=D("50.00")
    )
    order = world.do(c.PlaceOrder.model_construct(customer_id=cid, lines=[line], ordered_on=DAY))
    oid = UUID(order["order_id"])
    shipped = c.ShipmentLineIn.model_construct(sku="SKU\x00", quantity=2)
    world.do(c.ShipOrder.model_construct(order_id=oid, lines=[shipped], shipped_on=DAY))
    iid = UUID(world.invoice(oid, on=DAY)["invoice_id"])
    world.do(c.DisputeInvoice.model_construct(invoice_id=iid, reason="\x00wrong", disputed_on=DAY))
    world.do(c.ResolveDispute.model_construct(invoice_id=iid, resolution="ok\x00"))
    payment = world.do(
        c.ReceivePayment.model_construct(
            customer_id=cid,
            amount=D("30.00"),
            received_on=DAY,
            method="wire\x00",
            reference="REF\x00-1",
        )
    )
    world.do(
        c.ApplyCreditNote.model_construct(
            invoice_id=iid, amount=D("5.00"), reason="cn\x00", issued_on=DAY
        )
    )
    return {"customer": cid, "order": oid, "invoice": iid, "payment": UUID(payment["payment_id"])}


def rows(read_store: ReadStore, projection: str, table: str) -> list[dict[str, Any]]:
    with read_store.engine.connect() as conn:
        t = read_store.live_tables(conn, projection)[table]
        return [dict(r._mapping) for r in conn.execute(select(t))]


def assert_projected(read_store: ReadStore, ids: dict[str, UUID]) -> None:
    (customer,) = rows(read_store, "accounts", "customers")
    assert customer["name"] == "Acme\ufffd GmbH"
    assert customer["on_hold"] is False or customer["on_hold"] == 0
    (order,) = rows(read_store, "orders", "orders")
    (line,) = json.loads(order["lines"])
    assert line["sku"] == "SKU\ufffd" and line["description"] == "desc\ufffd"
    assert line["shipped"] == 2
    (payment,) = rows(read_store, "payments", "payments")
    assert payment["method"] == "wire\ufffd" and payment["reference"] == "REF\ufffd-1"
    assert payment["payment_id"] == str(ids["payment"])


def test_nul_in_the_log_is_projected_and_rebuilt(
    urls: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    event_url, read_url = urls
    with opened_store(event_url) as store:
        ids = write_book_with_nul(store)
        end = store.last_position()
        read_store = ReadStore(read_url)
        read_store.migrate()
        try:
            engine = ProjectionEngine(read_store)
            EmbeddedRunner(store, engine, batch=5).catch_up()
            assert engine.position() == end
            assert_projected(read_store, ids)
            # the log keeps what was sent; only the read rows carry the replacement
            names = [e.data.get("name") for e in store.read(0, 10) if "name" in e.data]
            assert names == ["Acme\x00 GmbH"]
        finally:
            read_store.close()
    assert main(["rebuild", "--batch", "4"]) == 0
    assert f"replayed {end} events" in capsys.readouterr().out
    read_store = ReadStore(read_url)
    try:
        assert ProjectionEngine(read_store).position() == end
        assert_projected(read_store, ids)
    finally:
        read_store.close()
