"""Stored events are a public contract: every event type has a committed fixture of its stored form.

Each fixture (tests/fixtures/stored_events/<EventName>.json) holds the stored topic and state
exactly as the mapper wrote them (with ``_meta`` and ``_hash``) and what the code of its day
decoded from them. Today's code must decode the same field names and values, the hash must still
verify, and a freshly written event of the same type must carry the same state keys, so an
incompatible change to stored events fails the build. This test never writes fixtures; see
tests/write/stored_fixtures.py for the deliberate regeneration command.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from o2c.aggregates.numbering import NUMBERING_ID, InvoiceNumbering
from o2c.events.catalog import CATALOG
from o2c.events.envelope import to_json_native
from o2c.eventstore.chain import chain_hash, unseal
from o2c.eventstore.store import EventStore
from tests.support.scenario import every_event_type
from tests.support.world import World, opened_store
from tests.write.chain_check import assert_chain_intact
from tests.write.stored_fixtures import FIXTURES, decoded, first_of_each_type, stored_from_fixture

NAMES = [spec.name for spec in CATALOG]


def _keys(raw: bytes) -> dict[str, Any]:
    """Top-level state keys and the keys of ``_meta``: the shape of a stored event."""
    parts = unseal(raw)
    assert parts is not None, "stored state has no hash seal"
    state = json.loads(parts[0])
    return {"state": sorted(state), "_meta": sorted(state.get("_meta", {}))}


def _fixture(name: str) -> dict[str, Any]:
    path = FIXTURES / f"{name}.json"
    assert path.exists(), f"no stored-format fixture for {name}: see tests/write/stored_fixtures.py"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


@pytest.fixture(scope="module")
def scenario_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = f"sqlite:///{tmp_path_factory.mktemp('fmt') / 'events.db'}"
    with opened_store(url) as store:
        every_event_type(World(store))
        yield store


@pytest.fixture(scope="module")
def fresh(scenario_store: EventStore) -> dict[str, StoredEvent]:
    return first_of_each_type(scenario_store)


def test_scenario_emits_every_catalogued_event(fresh: dict[str, StoredEvent]) -> None:
    missing = {s.name for s in CATALOG} - {t.rsplit(".", 1)[1] for t in fresh}
    assert not missing


def test_every_catalogued_event_has_a_fixture_and_no_fixture_is_orphaned() -> None:
    on_disk = {p.stem for p in FIXTURES.glob("*.json")}
    assert set(NAMES) - on_disk == set(), "catalogued events without a fixture"
    assert on_disk - set(NAMES) == set(), "fixtures of events no longer in the catalog"


@pytest.mark.parametrize("name", NAMES)
def test_fixture_decodes_to_the_same_fields_and_envelope(
    name: str, scenario_store: EventStore
) -> None:
    fixture = _fixture(name)
    stored = stored_from_fixture(fixture)
    spec = next(s for s in CATALOG if s.name == name)
    assert stored.topic == spec.stored_topic
    assert decoded(scenario_store, stored) == fixture["decoded"]
    envelope = scenario_store.envelope(stored, 1)
    assert (envelope.event_type, envelope.aggregate_type) == (spec.name, spec.aggregate)


@pytest.mark.parametrize("name", NAMES)
def test_fixture_hash_still_verifies(name: str) -> None:
    fixture = _fixture(name)
    parts = unseal(fixture["state"].encode())
    assert parts is not None
    body, stored_hash = parts
    prev = fixture["decoded"]["envelope"]["prev_hash"]
    recomputed = chain_hash(
        prev, fixture["originator_id"], fixture["originator_version"], fixture["topic"], body
    )
    assert recomputed == stored_hash


@pytest.mark.parametrize("name", NAMES)
def test_freshly_written_event_has_the_fixtures_state_keys(
    name: str, fresh: dict[str, StoredEvent]
) -> None:
    fixture = _fixture(name)
    new = fresh[fixture["topic"]]
    assert _keys(new.state) == _keys(fixture["state"].encode()), (
        f"{name}: stored keys changed; bump class_version and add an upcaster"
    )


def test_hash_chain_of_a_normal_run_links_every_version(scenario_store: EventStore) -> None:
    """prev_hash of version n+1 is the hash of version n, for every aggregate of the scenario."""
    assert assert_chain_intact(scenario_store) == scenario_store.last_position()


def test_tampering_with_a_stored_event_breaks_its_hash(fresh: dict[str, StoredEvent]) -> None:
    stored = fresh[next(iter(fresh))]
    parts = unseal(stored.state)
    assert parts is not None
    body, stored_hash = parts
    prev = json.loads(body)["_meta"]["prev_hash"]
    args = (prev, stored.originator_id, stored.originator_version, stored.topic)
    assert chain_hash(*args, body) == stored_hash
    assert chain_hash(*args, body.replace(b'"_meta"', b'"_meta" ')) != stored_hash


def test_chain_continues_after_a_fresh_process_loads_from_a_snapshot(sqlite_url: str) -> None:
    """The numbering stream is snapshotted; a new process must still chain to the stored event."""
    with opened_store(sqlite_url) as store:
        store.app.snapshotting_intervals = {InvoiceNumbering: 2}
        world = World(store)
        cid = world.account()
        for _ in range(5):
            world.sell(cid, "1.00", date(2026, 1, 1))
    with opened_store(sqlite_url) as store:
        store.app.snapshotting_intervals = {InvoiceNumbering: 2}
        assert store.app.snapshots is not None
        latest = list(store.app.snapshots.get(NUMBERING_ID, desc=True, limit=1))
        assert [s.originator_version for s in latest] == [store.version_of(NUMBERING_ID)]
        world = World(store)
        assert world.sell(cid, "1.00", date(2026, 1, 2))["number"] == "INV-000006"
        assert_chain_intact(store)


# ---- older stored forms ---------------------------------------------------------------------

LEGACY = sorted((FIXTURES / "legacy").glob("*.json"))


def test_every_changed_event_type_kept_its_old_form() -> None:
    """A type at class_version N has a legacy fixture of every version before N."""
    on_disk = {p.stem for p in LEGACY}
    for spec in CATALOG:
        expected = {f"{spec.name}.v{v}" for v in range(1, spec.schema_version)}
        assert expected <= on_disk, f"{spec.name}: old stored forms without a fixture"


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.stem)
def test_legacy_fixture_still_loads_upcast(path: Any, scenario_store: EventStore) -> None:
    """An event stored by an earlier version decodes, upcast, to what its fixture records, its
    hash still verifies, and it becomes a domain event of today's class."""
    fixture = json.loads(path.read_text())
    stored = stored_from_fixture(fixture)
    assert decoded(scenario_store, stored) == fixture["decoded"]
    parts = unseal(stored.state)
    assert parts is not None
    recomputed = chain_hash(
        fixture["decoded"]["envelope"]["prev_hash"],
        fixture["originator_id"],
        fixture["originator_version"],
        fixture["topic"],
        parts[0],
    )
    assert recomputed == parts[1]
    event = scenario_store.app.mapper.to_domain_event(stored)
    spec = next(s for s in CATALOG if s.stored_topic == stored.topic)
    assert getattr(type(event), "class_version", 1) == spec.schema_version


def test_reading_an_event_as_json_equals_decoding_it_and_converting_back(
    scenario_store: EventStore,
) -> None:
    """The log reader's shortcut (stored JSON straight to JSON-native values) gives exactly
    what decoding to UUIDs, Decimals and dates and converting those back gives."""
    mapper = scenario_store.app.audit_mapper
    read = 0
    for stored in scenario_store.notifications(0, 100_000):
        native = mapper.decode_native(stored)
        assert native is not None, stored.topic  # every current form takes the shortcut
        state, meta, hash_hex = mapper.decode_state(stored)
        assert native == (to_json_native(state), meta, hash_hex)
        read += 1
    assert read == scenario_store.last_position()


def test_an_older_form_is_upcast_not_read_straight(scenario_store: EventStore) -> None:
    legacy = sorted((FIXTURES / "legacy").glob("*.json"))
    assert legacy
    for path in legacy:
        stored = stored_from_fixture(json.loads(path.read_text()))
        if json.loads(unseal(stored.state)[0]).get("class_version", 1) != getattr(  # type: ignore[index]
            resolve_topic(stored.topic), "class_version", 1
        ):
            assert scenario_store.app.audit_mapper.decode_native(stored) is None, path.name


def test_the_fast_encoder_writes_the_librarys_bytes(scenario_store: EventStore) -> None:
    """Every event of the scenario, decoded and encoded again, gives the same bytes through the
    library's JSONTranscoder and through ours (so hashes and stored forms cannot drift)."""
    from eventsourcing.persistence import JSONTranscoder

    ours = scenario_store.app.transcoder()
    library = JSONTranscoder()
    for name, transcoding in ours.names.items():  # type: ignore[attr-defined]
        library.register(transcoding)
        assert name in library.names
    checked = 0
    for stored in scenario_store.notifications(0, 100_000):
        parts = unseal(stored.state)
        assert parts is not None
        state = library.decode(parts[0])
        assert ours.encode(state) == library.encode(state) == parts[0]
        checked += 1
    assert checked > 50


def test_the_fast_json_reading_equals_the_standard_parser_with_its_hook() -> None:
    """orjson plus one replacing pass gives what the standard parser with the hook gives,
    including what orjson refuses (an integer over 64 bits) and look-alike objects."""
    from o2c.eventstore.mapper import _NATIVE_DECODER, _decode_native_json

    uuid_hex = {"_type_": "uuid_hex", "_data_": "0123456789abcdef0123456789abcdef"}
    body = {
        "amount": {"_type_": "decimal_str", "_data_": "12.50"},
        "lines": [{"on": {"_type_": "date_iso", "_data_": "2026-01-05"}}, [uuid_hex]],
        "look_alike": {"_type_": "not a transcoding", "inner": uuid_hex},
        "huge": 2**70,
    }
    for state in (body, {k: v for k, v in body.items() if k != "huge"}):
        raw = json.dumps(state).encode()
        assert _decode_native_json(raw) == _NATIVE_DECODER.decode(raw.decode())
    assert _decode_native_json(json.dumps(body).encode())["lines"][1] == [
        "01234567-89ab-cdef-0123-456789abcdef"
    ]
