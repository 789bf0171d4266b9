"""Statements imported end to end through the HTTP API: posted lines settle the invoices the
generator meant, the rest is queued with suggestions, a person applies a queued line, and the
same file, a corrupted file or an auditor changes nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.config import Settings
from o2c_devtools.bench.bank import score
from o2c_devtools.synthetic_bank.generator import ExpectedOutcome, Scenario
from o2c_devtools.synthetic_bank.writers import write_bai2, write_camt053, write_mt940
from tests.api.conftest import TOKENS, auth
from tests.bank_import.conftest import Bank, open_bank

WRITERS = {"camt053": write_camt053, "mt940": write_mt940, "bai2": write_bai2}


def post_file(bank: Bank, data: bytes, fmt: str | None = None, role: str = "clerk") -> Any:
    query = f"?format={fmt}" if fmt else ""
    return bank.client.post(
        f"/v1/bank-statements{query}",
        content=data,
        headers={**auth(role), "Content-Type": "application/octet-stream"},
    )


def statement_lines(bank: Bank, statement_id: str, position: int) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    after = ""
    while True:
        r = bank.get(
            f"/v1/bank-statements/{statement_id}?limit=50&min_position={position}{after}",
            headers=auth("auditor"),
        )
        assert r.status_code == 200, r.text
        lines.extend(r.json()["lines"])
        if r.json()["next"] is None:
            return lines
        after = f"&after={r.json()['next']}"


def settled_by(bank: Bank, lines: list[dict[str, Any]]) -> dict[str, set[str]]:
    settled = {}
    for line in lines:
        if line["payment_id"]:
            r = bank.get(f"/v1/payments/{line['payment_id']}", headers=auth("auditor"))
            assert r.status_code == 200, r.text
            settled[line["payment_id"]] = {a["invoice_id"] for a in r.json()["allocations"]}
    return settled


def numbers(bank: Bank) -> dict[str, str]:
    return {str(v): k for k, v in bank.book.invoice_ids.items()}


def imported(bank: Bank, fmt: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = WRITERS[fmt or "camt053"](bank.file.statement)
    r = post_file(bank, data, fmt)
    assert r.status_code == 201, r.text
    body = r.json()
    [statement] = body["statements"]
    assert statement["created"] is True
    return body, statement_lines(bank, statement["statement_id"], body["position"])


@pytest.mark.parametrize("fmt", ["camt053", "mt940", "bai2", None])
def test_posted_lines_settle_the_invoices_the_generator_meant(bank: Bank, fmt: str | None) -> None:
    body, lines = imported(bank, fmt)
    result = score(bank.file, lines, settled_by(bank, lines), numbers(bank))
    assert result.wrong == 0
    assert result.auto_applied >= 0.9 * result.postable
    by_id = {line["line_id"]: line for line in lines}
    for expected in bank.file.truth:
        line = by_id[expected.line_id]
        if expected.outcome is ExpectedOutcome.DUPLICATE:
            assert line["status"] == "duplicate"
        if line["status"] == "applied":
            assert line["rule"] and 0 < line["score"] <= 1
            assert line["decided_by"] == "matcher"
        if expected.scenario is Scenario.DEBIT:
            assert line["status"] == "debit"
    applied = [ln for ln in lines if ln["status"] == "applied"]
    assert len(applied) == body["statements"][0]["applied"] > 0
    # Each applied line is one payment, its reference the bank's.
    payment = bank.get(f"/v1/payments/{applied[0]['payment_id']}", headers=auth("clerk"))
    assert payment.json()["reference"] == applied[0]["bank_reference"]
    assert payment.json()["amount"] == applied[0]["amount"]


def test_the_same_file_again_changes_nothing(bank: Bank) -> None:
    body, _ = imported(bank, "mt940")
    before = bank.position()
    again = post_file(bank, write_mt940(bank.file.statement))
    assert again.status_code == 200, again.text
    [statement] = again.json()["statements"]
    assert statement["created"] is False
    assert statement["statement_id"] == body["statements"][0]["statement_id"]
    assert (statement["applied"], statement["queued"]) == (0, 0)
    assert bank.position() == before


def test_a_corrupted_file_is_refused_naming_the_line_and_nothing_is_stored(bank: Bank) -> None:
    text = write_mt940(bank.file.statement).decode().splitlines()
    at = next(i for i, t in enumerate(text) if t.startswith(":61:"))
    text[at] = ":61:26011XC12,X4NTRFNONREF"
    before = bank.position()
    r = post_file(bank, "\n".join(text).encode(), "mt940")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "malformed-statement"
    assert r.json()["line"] == at + 1
    assert bank.position() == before
    garbage = post_file(bank, b"hello, this is no statement")
    assert garbage.status_code == 422 and garbage.json()["code"] == "malformed-statement"
    assert bank.position() == before


def test_lines_seen_in_an_earlier_statement_are_duplicates_and_post_nothing(bank: Bank) -> None:
    imported(bank, "camt053")
    payments = bank.get("/v1/payments?limit=1000", headers=auth("clerk")).json()["items"]
    again = dataclasses.replace(bank.file.statement, statement_id="ST-REDELIVERED")
    r = post_file(bank, write_camt053(again))
    assert r.status_code == 201, r.text
    [statement] = r.json()["statements"]
    assert statement["applied"] == statement["queued"] == 0
    assert statement["duplicates"] == statement["lines"]
    lines = statement_lines(bank, statement["statement_id"], r.json()["position"])
    assert {line["status"] for line in lines} == {"duplicate"}
    after = bank.get("/v1/payments?limit=1000", headers=auth("clerk")).json()["items"]
    assert len(after) == len(payments)


def test_an_auditor_cannot_import_or_apply(bank: Bank) -> None:
    before = bank.position()
    r = post_file(bank, write_mt940(bank.file.statement), role="auditor")
    assert r.status_code == 403
    assert bank.position() == before
    r = bank.client.post(
        f"/v1/bank-lines/{UUID(int=1)}/apply",
        json={"customer_id": str(UUID(int=2))},
        headers=auth("auditor"),
    )
    assert r.status_code == 403


def _disputed_exact_line(bank: Bank) -> tuple[str, str]:
    """Dispute the invoice an exact-reference line pays: the matcher must not apply it."""
    expected = next(
        e
        for e in bank.file.truth
        if e.scenario is Scenario.EXACT_REFERENCE and len(e.invoice_numbers) == 1
    )
    invoice_id = bank.book.invoice_ids[expected.invoice_numbers[0]]
    bank.container.service.handle(
        c.DisputeInvoice(invoice_id=invoice_id, reason="quantity"), CommandContext(actor="t")
    )
    return expected.line_id, str(invoice_id)


def test_queued_lines_carry_suggestions_and_a_person_applies_one(bank: Bank) -> None:
    line_id, invoice_id = _disputed_exact_line(bank)
    body, _ = imported(bank, "bai2")
    queued = bank.get(
        f"/v1/bank-lines?status=unmatched&min_position={body['position']}", headers=auth("auditor")
    ).json()["items"]
    assert {q["status"] for q in queued} == {"unmatched"}
    mine = next(q for q in queued if q["line_id"] == line_id)
    assert any(invoice_id in s["invoice_ids"] for s in mine["suggestions"])
    choice = next(i for i, s in enumerate(mine["suggestions"]) if invoice_id in s["invoice_ids"])
    bank.container.service.handle(
        c.ResolveDispute(invoice_id=UUID(invoice_id)), CommandContext(actor="t")
    )
    r = bank.client.post(
        f"/v1/bank-lines/{mine['id']}/apply", json={"suggestion": choice}, headers=auth("clerk")
    )
    assert r.status_code == 200, r.text
    [posted] = r.json()["applied"]
    assert posted["rule"] == "manual"
    assert [a["invoice_id"] for a in posted["allocations"]] == [invoice_id]
    line = bank.get(
        f"/v1/bank-lines/{mine['id']}?min_position={r.json()['position']}", headers=auth("clerk")
    ).json()
    assert (line["status"], line["rule"]) == ("applied", "manual")
    assert line["decided_by"].startswith("clerk")  # the actor the API key names
    invoice = bank.get(f"/v1/invoices/{invoice_id}", headers=auth("clerk")).json()
    assert invoice["status"] == "settled"
    before = bank.position()
    again = bank.client.post(
        f"/v1/bank-lines/{mine['id']}/apply",
        json={"customer_id": posted["customer_id"]},
        headers=auth("clerk"),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "bank-line-applied"
    assert bank.position() == before


def test_a_queued_line_can_be_put_on_a_customers_account(bank: Bank) -> None:
    line_id, _ = _disputed_exact_line(bank)
    _, lines = imported(bank, "camt053")
    line = next(ln for ln in lines if ln["line_id"] == line_id)
    customer = line["suggestions"][0]["customer_id"]
    r = bank.client.post(
        f"/v1/bank-lines/{line['id']}/apply",
        json={"customer_id": customer},
        headers=auth("admin"),
    )
    assert r.status_code == 200, r.text
    payment = bank.get(
        f"/v1/payments/{r.json()['applied'][0]['payment_id']}",
        params={"min_position": bank.position()},  # read-your-writes
        headers=auth("clerk"),
    ).json()
    assert payment["unapplied"] == payment["amount"] == line["amount"], payment
    assert payment["customer_id"] == customer
    bad = bank.client.post(
        f"/v1/bank-lines/{line['id']}/apply",
        json={"suggestion": 0, "customer_id": customer},
        headers=auth("admin"),
    )
    assert bad.status_code == 422


def test_an_import_end_to_end_on_postgresql(pg_url: str) -> None:
    settings = Settings(event_store_url=pg_url, read_store_url=pg_url, api_tokens=dict(TOKENS))
    bank: Iterator[Bank] = open_bank(settings)
    b = next(bank)
    try:
        _, lines = imported(b, "camt053")
        result = score(b.file, lines, settled_by(b, lines), numbers(b))
        assert result.wrong == 0 and result.auto_applied >= 0.9 * result.postable
        before = b.position()
        again = post_file(b, write_camt053(b.file.statement))
        assert again.status_code == 200 and b.position() == before
    finally:
        bank.close()
