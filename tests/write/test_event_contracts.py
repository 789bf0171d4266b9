"""Event contracts: published schema files match the code, and real events validate against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest

from o2c.cli.schemas import render_all
from o2c.contracts.schemas import data_model, json_schema, public_specs
from o2c.events.catalog import BY_NAME
from tests.support.scenario import every_event_type
from tests.support.world import World, opened_store

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_published_files_are_in_sync_with_the_code() -> None:
    """Regenerate with `o2c schemas --write schemas` after a deliberate contract change."""
    expected = render_all()
    on_disk = {p.name: p.read_text() for p in SCHEMAS.glob("*.json")}
    assert sorted(on_disk) == sorted(expected)
    stale = [name for name, content in expected.items() if on_disk[name] != content]
    assert not stale, f"schemas/ is out of date for {stale}"


def test_every_real_event_validates_against_its_schema(sqlite_url: str) -> None:
    with opened_store(sqlite_url) as store:
        every_event_type(World(store))
        envelopes = [e for e in store.read(0, 10_000) if not e.internal]
    seen = set()
    for env in envelopes:
        spec = BY_NAME[env.event_type]
        data_model(spec).model_validate(env.data)
        validator = jsonschema_rs.validator_for(json_schema(spec))
        assert validator.is_valid(env.data), (env.event_type, list(validator.iter_errors(env.data)))
        seen.add(env.event_type)
    assert seen == {s.name for s in public_specs()}


def test_a_changed_payload_fails_its_schema() -> None:
    schema = json_schema(BY_NAME["PaymentApplied"])
    validator = jsonschema_rs.validator_for(schema)
    good = {
        "payment_id": "5d1e7f1a-7a48-4ea9-8d0e-0f7a4a0ad1f1",
        "amount": "10.00",
        "applied_on": "2026-01-01",
        "open_amount": "90.00",
        "status": "open",
    }
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "status": "paid"})
    assert not validator.is_valid({**good, "open_amount": None})
    assert not validator.is_valid({**good, "amount": 10.0})
    assert not validator.is_valid({k: v for k, v in good.items() if k != "applied_on"})
    # Adding an optional field is a compatible change: validating consumers accept it.
    assert validator.is_valid({**good, "surprise": 1})
    data_model(BY_NAME["PaymentApplied"]).model_validate({**good, "surprise": 1})
    with pytest.raises(ValueError):
        data_model(BY_NAME["PaymentApplied"]).model_validate({**good, "amount": 10.0})


def test_asyncapi_lists_every_public_message() -> None:
    doc = json.loads((SCHEMAS / "asyncapi.json").read_text())
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert {
        "o2c.journal.v1",
        "o2c.invoices.v1",
        "o2c.payments.v1",
        "o2c.journal.v1.dlq",
    } <= addresses
    assert set(doc["components"]["messages"]) == {s.name for s in public_specs()}
