"""The general ledger over HTTP: paged journal lines, the trial balance, the streamed export,
bad input as problems, and a renumbered chart of accounts shown without a replay."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from o2c.bootstrap import Container
from o2c.projections.queries.ledger_export import COLUMNS
from tests.ledger.conftest import (
    FINAL_BALANCES,
    Api,
    auth,
    serving,
    settings_for,
    small_book,
)
from tests.support.world import World

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


def every_line(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every line of ``/v1/gl/entries``, following ``next`` three lines at a time."""
    lines: list[dict[str, Any]] = []
    after = None
    while True:
        page = api.get("/v1/gl/entries", limit=3, **params, **({"after": after} if after else {}))
        assert page.status_code == 200, page.text
        body = page.json()
        assert set(body) == {"items", "next"}
        lines += body["items"]
        after = body["next"]
        if after is None:
            return lines


def stored_event_ids(api: Api) -> set[str]:
    return {e.event_id for e in api.container.store.read(0, 10_000)}


def test_entries_page_through_the_journal_in_order(api: Api) -> None:
    lines = every_line(api)
    # Ten entries of two lines, but the cash applied with its discount has three.
    assert len(lines) == 21
    assert set(lines[0]) == set(COLUMNS)
    keys = [(x["posting_date"], x["entry_id"], x["line"]) for x in lines]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {x["event_id"] for x in lines} <= stored_event_ids(api)
    by_entry: defaultdict[int, Decimal] = defaultdict(Decimal)
    for x in lines:
        by_entry[x["entry_id"]] += Decimal(x["debit"]) - Decimal(x["credit"])
    assert len(by_entry) == 10 and set(by_entry.values()) == {Decimal(0)}
    first = lines[0]
    assert first["posting_date"] == "2026-01-05" and first["fact"] == "invoice"
    assert (first["account"], first["account_name"], first["debit"]) == (
        "1100",
        "Accounts receivable",
        "1000.00",
    )


def test_entries_filter_by_period_account_and_currency(api: Api) -> None:
    february = every_line(api, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert {x["posting_date"][:7] for x in february} == {"2026-02"}
    assert {x["fact"] for x in february} == {
        "write_off",
        "payment",
        "cash_applied",
        "deallocation",
        "payment_reversal",
    }
    receivable = every_line(api, account="1100")
    assert {x["account"] for x in receivable} == {"1100"} and len(receivable) == 7
    assert every_line(api, currency="USD") == []


def test_any_reader_may_read_and_nobody_else(api: Api) -> None:
    for role in ("clerk", "credit", "auditor", "admin"):
        assert api.get("/v1/gl/trial-balance", role=role).status_code == 200
        assert api.get("/v1/gl/entries", role=role).status_code == 200
        assert api.get("/v1/gl/export", role=role, **YEAR).status_code == 200
    assert api.client.get("/v1/gl/entries").status_code == 401


def balances(tb: dict[str, Any]) -> dict[str, str]:
    return {a["account"]: a["balance"] for a in tb["accounts"]}


def test_trial_balance_shape_and_figures(api: Api) -> None:
    tb = api.get("/v1/gl/trial-balance", as_of="2026-12-31").json()
    assert set(tb) == {"as_of", "currency", "accounts", "debit", "credit"}
    assert (tb["as_of"], tb["currency"]) == ("2026-12-31", "EUR")
    assert all(set(a) == {"account", "name", "debit", "credit", "balance"} for a in tb["accounts"])
    assert [a["account"] for a in tb["accounts"]] == sorted(FINAL_BALANCES)
    assert balances(tb) == FINAL_BALANCES
    assert tb["debit"] == tb["credit"]
    for a in tb["accounts"]:
        assert Decimal(a["debit"]) - Decimal(a["credit"]) == Decimal(a["balance"])
    # As of 11 January: both invoices, the first paid with its discount; nothing else yet.
    early = api.get("/v1/gl/trial-balance", as_of="2026-01-11").json()
    assert balances(early) == {
        "1000": "980.00",
        "1100": "500.00",
        "2100": "0.00",
        "4000": "-1500.00",
        "4900": "20.00",
    }
    aging = api.get("/v1/aging", as_of="2026-01-11").json()
    assert aging["total"] == "500.00"
    assert api.get("/v1/gl/trial-balance", as_of="2025-12-31").json()["accounts"] == []


def test_export_csv_names_each_event_and_sums_to_the_trial_balance(api: Api) -> None:
    response = api.get("/v1/gl/export", **YEAR)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        "attachment; filename=gl-2026-01-01-2026-12-31.csv"
    )
    assert response.text.startswith(",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 21
    assert {r["event_id"] for r in rows} <= stored_event_ids(api)
    net: defaultdict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        net[r["account"]] += Decimal(r["debit"]) - Decimal(r["credit"])
    tb = api.get("/v1/gl/trial-balance", as_of="2026-12-31").json()
    assert {k: f"{v:.2f}" for k, v in net.items()} == balances(tb)
    assert sum(Decimal(r["debit"]) for r in rows) == Decimal(tb["debit"])
    assert sum(Decimal(r["credit"]) for r in rows) == Decimal(tb["credit"])


def test_export_jsonl_is_the_entries_line_for_line(api: Api) -> None:
    response = api.get("/v1/gl/export", format="jsonl", **YEAR)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["content-disposition"].endswith(
        "filename=gl-2026-01-01-2026-12-31.jsonl"
    )
    exported = [json.loads(line) for line in response.text.splitlines()]
    assert exported == every_line(api)
    assert all(x["event_id"] for x in exported)
    january = api.get("/v1/gl/export", format="jsonl", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert {json.loads(x)["posting_date"][:7] for x in january.text.splitlines()} == {"2026-01"}
    empty = api.get("/v1/gl/export", **{"from": "2020-01-01", "to": "2020-12-31"})
    assert empty.text == ",".join(COLUMNS) + "\r\n"


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/v1/gl/entries", {"from": "2026-02-01", "to": "2026-01-01"}, "invalid-period"),
        ("/v1/gl/export", {"from": "2026-02-01", "to": "2026-01-01"}, "invalid-period"),
        ("/v1/gl/export", {**YEAR, "format": "xml"}, "invalid-format"),
        ("/v1/gl/entries", {"account": "9999"}, "unknown-account"),
        ("/v1/gl/entries", {"after": "not-a-cursor"}, "invalid-cursor"),
        ("/v1/gl/export", {"from": "2026-01-01"}, "invalid-input"),
        ("/v1/gl/trial-balance", {"currency": "eur"}, "invalid-input"),
        ("/v1/gl/trial-balance", {"currency": "ZZZ"}, "invalid-currency"),
    ],
)
def test_bad_input_is_a_422_problem(api: Api, path: str, params: dict[str, str], code: str) -> None:
    response = api.get(path, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_a_book_in_two_currencies_must_name_one(api: Api) -> None:
    World(api.container.store).account(currency="USD")
    response = api.get("/v1/gl/trial-balance")
    assert response.status_code == 422
    assert response.json()["code"] == "currency-required"
    assert "EUR, USD" in response.json()["detail"]
    usd = api.get("/v1/gl/trial-balance", currency="USD").json()
    assert (usd["currency"], usd["accounts"], usd["debit"]) == ("USD", [], "0.00")
    assert balances(api.get("/v1/gl/trial-balance", currency="EUR").json()) == FINAL_BALANCES


def ledger_generation(container: Container) -> tuple[int, int]:
    """The ledger's live generation and the position the read models applied."""
    read = container.read
    assert read is not None
    with read.read_store.engine.connect() as conn:
        generation = read.read_store.active_generations(conn)["ledger"]
    return generation, read.engine.position()


def test_a_renumbered_chart_shows_at_once_without_a_replay(tmp_path: Path) -> None:
    with serving(settings_for(tmp_path)) as (client, container):
        small_book(container.store)
        api = Api(client, container)
        assert "1100" in balances(api.get("/v1/gl/trial-balance").json())
        generation, applied = ledger_generation(container)
    chart = "receivable=1200:Trade debtors,bank=1010"
    with serving(settings_for(tmp_path, gl_accounts=chart)) as (client, container):
        api = Api(client, container)
        # The same tables, at the same position: nothing was replayed.
        assert ledger_generation(container) == (generation, applied)
        tb = api.get("/v1/gl/trial-balance").json()
        accounts = {a["account"]: a for a in tb["accounts"]}
        assert accounts["1200"]["name"] == "Trade debtors"
        assert accounts["1200"]["balance"] == FINAL_BALANCES["1100"]
        assert accounts["1010"]["name"] == "Bank" and "1100" not in accounts
        assert {x["account"] for x in every_line(api, account="1200")} == {"1200"}
        assert api.get("/v1/gl/entries", account="1100").json()["code"] == "unknown-account"
        exported = api.get("/v1/gl/export", **YEAR).text
        assert ",1200,Trade debtors," in exported and ",1100," not in exported
        assert client.get("/v1/gl/entries", headers=auth("clerk")).status_code == 200
