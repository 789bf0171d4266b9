"""A billing run's invoice over several orders and a contract period, to an intra-EU customer,
passes the schema and the CEN EN 16931 rules, with the delivery date of its latest shipment
(BR-IC-11 asks an intra-EU supply for one)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from o2c.domain.billing_periods import cut_off
from o2c.einvoice import Profile, Syntax
from tests.api.conftest import auth
from tests.api.test_parties import PARIS
from tests.api.test_taxes import _customer, _line, _ok, _post, _seller
from tests.einvoice.test_api_einvoices import RULES, _fatal, _xml
from tests.support.einvoice_validator import EInvoiceValidator


def test_a_consolidated_intra_eu_invoice_passes_the_cen_rules(
    client: TestClient, validator: EInvoiceValidator
) -> None:
    _seller(client)
    cid = _customer(
        client,
        address=PARIS,
        vat_id="FR40303265045",
        billing_policy={"mode": "periodic", "period": "month"},
    )
    today = date.today()
    last = cut_off("month", today)
    for shipped_on in (last - timedelta(days=9), last - timedelta(days=2)):
        lines = [_line("K1", 2, "150.00")]
        on = shipped_on.isoformat()
        placed = _ok(
            _post(client, "/v1/orders", {"customer_id": cid, "lines": lines, "ordered_on": on})
        )
        ship = {"lines": [{"sku": "K1", "quantity": 2}], "shipped_on": on}
        _ok(_post(client, f"/v1/orders/{placed['order_id']}/shipments", ship))
    contract = {
        "customer_id": cid,
        "lines": [_line("SUPPORT", 1, "80.00", kind="service")],
        "interval": "month",
        "start_on": today.replace(day=1).isoformat(),
    }
    _ok(client.post("/v1/contracts", json=contract, headers=auth("clerk")))
    run = _ok(
        client.post("/v1/billing/runs", json={"as_of": today.isoformat()}, headers=auth("clerk"))
    )
    [result] = run["results"]
    path = f"/v1/invoices/{result['invoice_id']}/einvoice"
    for syntax in Syntax:
        xml = _xml(client, path, syntax, Profile.EN16931, run["position"])
        assert (last - timedelta(days=2)).isoformat().encode() in xml or (
            (last - timedelta(days=2)).strftime("%Y%m%d").encode() in xml
        )
        [report] = validator.validate([xml], RULES[syntax])
        problems = _fatal(report, syntax, Profile.EN16931)
        assert not problems, f"{syntax}\n{xml.decode()}\n{problems}"
