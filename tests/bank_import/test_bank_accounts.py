"""Customers' bank accounts: IBANs validated and kept compact, shown on the customer."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from tests.api.conftest import auth
from tests.bank_import.conftest import sqlite_settings


def _customer(client: TestClient) -> str:
    body = {"name": "Acme GmbH", "currency": "EUR", "credit_limit": "1000"}
    r = client.post("/v1/customers", json=body, headers=auth("credit"))
    assert r.status_code == 201, r.text
    return str(r.json()["customer_id"])


def test_a_valid_iban_is_recorded_compact_once_and_shown_on_the_customer(tmp_path: Path) -> None:
    container = build_container(sqlite_settings(tmp_path))
    try:
        with TestClient(create_app(container)) as client:
            cid = _customer(client)
            path = f"/v1/customers/{cid}/bank-accounts"
            r = client.post(
                path, json={"iban": "de89 3704 0044 0532 0130 00"}, headers=auth("credit")
            )
            assert r.status_code == 200, r.text
            assert r.json()["iban"] == "DE89370400440532013000"
            assert r.json()["recorded"] is True
            again = client.post(
                path, json={"iban": "DE89370400440532013000"}, headers=auth("admin")
            )
            assert again.json()["recorded"] is False
            assert again.json()["position"] == r.json()["position"]  # nothing new stored
            shown = client.get(
                f"/v1/customers/{cid}?min_position={r.json()['position']}", headers=auth("auditor")
            )
            assert shown.json()["ibans"] == ["DE89370400440532013000"]
    finally:
        container.close()


def test_an_invalid_iban_is_refused_with_problem_json_and_nothing_is_stored(tmp_path: Path) -> None:
    container = build_container(sqlite_settings(tmp_path))
    try:
        with TestClient(create_app(container)) as client:
            cid = _customer(client)
            before = container.store.last_position()
            for iban in ("DE89370400440532013001", "XX00XX", "GB82 WEST 1234 5698 7654 33"):
                r = client.post(
                    f"/v1/customers/{cid}/bank-accounts",
                    json={"iban": iban},
                    headers=auth("credit"),
                )
                assert r.status_code == 422, r.text
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["code"] == "invalid-iban"
            assert container.store.last_position() == before
    finally:
        container.close()


def test_only_credit_and_admin_record_bank_accounts(tmp_path: Path) -> None:
    container = build_container(sqlite_settings(tmp_path))
    try:
        with TestClient(create_app(container)) as client:
            cid = _customer(client)
            for role in ("clerk", "auditor"):
                r = client.post(
                    f"/v1/customers/{cid}/bank-accounts",
                    json={"iban": "DE89370400440532013000"},
                    headers=auth(role),
                )
                assert r.status_code == 403
    finally:
        container.close()
