"""Opening balances imported from the previous system credit the clearing account, not revenue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from o2c import commands as c
from tests.ledger.conftest import Api, serving, settings_for
from tests.support.world import World


def test_an_opening_balance_is_receivable_against_the_clearing_account(tmp_path: Path) -> None:
    with serving(settings_for(tmp_path)) as (client, container):
        world = World(container.store, date(2026, 1, 1))
        cid = world.account()
        row = c.OpeningInvoice(
            customer_id=cid,
            reference="OLD-7",
            issued_on=date(2025, 12, 1),
            open_amount=Decimal("70"),
        )
        world.do(c.ImportOpeningInvoices(rows=[row]))
        world.sell(cid, "30.00", date(2026, 1, 5))
        api = Api(client, container)
        balance = api.get("/v1/gl/trial-balance", as_of="2026-01-31").json()
        by_account = {a["account"]: a["balance"] for a in balance["accounts"]}
        assert by_account["1100"] == "100.00"
        assert by_account["3900"] == "-70.00"
        assert by_account["4000"] == "-30.00"
        aging = api.get("/v1/aging", as_of="2026-01-31").json()
        assert aging["total"] == by_account["1100"]
        entries = api.get("/v1/gl/entries", **{"from": "2025-12-01", "to": "2025-12-31"}).json()
        assert {(e["fact"], e["account"]) for e in entries["items"]} == {
            ("opening_balance", "1100"),
            ("opening_balance", "3900"),
        }
