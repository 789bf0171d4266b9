"""The public event contract over HTTP: schemas answer without a token, every CloudEvent's
``dataschema`` is the absolute URL of its schema and equals the schema's ``$id``, and every
``$ref`` of the served AsyncAPI document resolves."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi.testclient import TestClient

from tests.api.conftest import auth

BASE = "http://127.0.0.1:8000"


def _get(client: TestClient, url: str) -> Any:
    response = client.get(urlparse(url).path)  # no token: schemas are public
    assert response.status_code == 200, (url, response.text)
    return response.json()


def test_schemas_are_public_and_dataschema_is_their_id(client: TestClient) -> None:
    body = {
        "name": "Acme",
        "currency": "EUR",
        "credit_limit": "100",
        "payment_terms": {"net_days": 30},
    }
    created = client.post("/v1/customers", json=body, headers=auth("admin")).json()
    events = client.get(
        f"/v1/audit/customers/{created['customer_id']}/events", headers=auth("auditor")
    ).json()["events"]
    assert events
    for event in events:
        assert event["dataschema"].startswith(BASE + "/v1/schemas/")
        schema = _get(client, event["dataschema"])
        assert schema["$id"] == event["dataschema"]
        assert schema.get("additionalProperties") is not False
    index = _get(client, BASE + "/v1/schemas")
    assert all(s["href"] == BASE + "/v1/schemas/" + s["type"] for s in index["schemas"])


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_asyncapi_ref_resolves(client: TestClient) -> None:
    document = _get(client, BASE + "/v1/schemas/asyncapi")
    assert document["servers"]["kafka"]["protocol"] == "kafka"
    assert document["channels"]["dlq"]["messages"]
    for channel in document["channels"].values():
        assert channel["bindings"]["kafka"]["topic"] == channel["address"]
    refs = _refs(document)
    assert len(refs) > 50
    for ref in refs:
        if ref.startswith("#"):
            assert _pointer(document, ref[1:]) is not None, ref
        else:
            assert _get(client, ref)["$id"] == ref
