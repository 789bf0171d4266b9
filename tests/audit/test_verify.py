"""Tampering with stored rows — in SQLite and in PostgreSQL — is found, with its exact place."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from o2c.audit.log_reader import decoder, raw_events
from o2c.audit.verify import verify_events
from o2c.database_url import is_sqlite
from o2c.eventstore.store import EventStore
from tests.support.scenario import every_event_type
from tests.support.world import World, opened_store

Row = tuple[int, str, int, bytes]


class Tamper:
    """Direct SQL on the events table of either database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            con = sqlite3.connect(self.url.split(":///", 1)[1])
            try:
                rows = con.execute(sql.replace("%s", "?"), params).fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        with psycopg.connect(self.url) as conn:
            cur = conn.execute(
                sql.replace("rowid", "notification_id").replace("stored_events", "o2c_events"),
                params,
            )
            return cur.fetchall() if cur.description else []

    def row(self, topic: str, nth: int = 0) -> Row:
        r = self._run(
            "SELECT rowid, originator_id, originator_version, state FROM stored_events "
            "WHERE topic = %s ORDER BY rowid LIMIT 1 OFFSET %s",
            (topic, nth),
        )[0]
        return int(r[0]), str(r[1]), int(r[2]), bytes(r[3])

    def set_state(self, position: int, state: bytes) -> None:
        self._run("UPDATE stored_events SET state = %s WHERE rowid = %s", (state, position))

    def delete(self, position: int) -> None:
        self._run("DELETE FROM stored_events WHERE rowid = %s", (position,))


@pytest.fixture
def book(store_url: str) -> Iterator[tuple[EventStore, Tamper]]:
    with opened_store(store_url) as store:
        every_event_type(World(store))
        yield store, Tamper(store_url)


def breaks(store: EventStore) -> list[tuple[int, int, str]]:
    report = verify_events(raw_events(store), decode=decoder(store))
    return [(b.position, b.version, b.problem) for b in report.breaks]


def test_untouched_log_verifies(book: tuple[EventStore, Tamper]) -> None:
    store, _ = book
    report = verify_events(raw_events(store), decode=decoder(store))
    assert report.ok and report.checked == store.last_position() and report.head


def test_changed_amount_is_found_at_its_row(book: tuple[EventStore, Tamper]) -> None:
    store, tamper = book
    pos, _agg, version, state = tamper.row("o2c.Invoice.PaymentApplied")
    forged = re.sub(
        rb'("amount":\{"_type_":"decimal_str","_data_":")[0-9.]+', rb"\g<1>1.00", state, count=1
    )
    assert forged != state
    tamper.set_state(pos, forged)
    assert breaks(store) == [(pos, version, "hash mismatch: state, topic, id or version altered")]


def test_deleted_row_is_found_at_the_next_version(book: tuple[EventStore, Tamper]) -> None:
    store, tamper = book
    pos, _agg, version, _ = tamper.row("o2c.Invoice.PaymentApplied")
    tamper.delete(pos)
    found = breaks(store)
    assert found and found[0][1] == version + 1
    assert any(f"missing version {version}" in p for _, _, p in found)


def test_swapped_rows_are_both_found(book: tuple[EventStore, Tamper]) -> None:
    store, tamper = book
    a = tamper.row("o2c.Invoice.InvoiceIssued", 0)
    b = tamper.row("o2c.Invoice.InvoiceIssued", 1)
    tamper.set_state(a[0], b[3])
    tamper.set_state(b[0], a[3])
    found = {(p, v) for p, v, _ in breaks(store)}
    assert (a[0], a[2]) in found and (b[0], b[2]) in found


def test_anchored_head_reveals_a_removed_latest_event(book: tuple[EventStore, Tamper]) -> None:
    store, tamper = book
    head = verify_events(raw_events(store)).head
    pos = store.last_position()
    tamper.delete(pos)
    assert verify_events(raw_events(store)).ok  # per-stream chains alone cannot see it …
    report = verify_events(raw_events(store), expected_head=head)
    assert not report.ok and "anchored head" in report.breaks[0].problem  # … the anchor can


def test_undecodable_body_is_named_besides_the_hash_mismatch(
    book: tuple[EventStore, Tamper],
) -> None:
    store, tamper = book
    pos, _agg, version, state = tamper.row("o2c.Invoice.PaymentApplied")
    forged = re.sub(
        rb'("amount":\{"_type_":"decimal_str","_data_":")[0-9.]+', rb"\g<1>lots", state, count=1
    )
    tamper.set_state(pos, forged)
    found = breaks(store)
    assert {(p, v) for p, v, _ in found} == {(pos, version)}
    assert sorted(p.split(":")[0] for _, _, p in found) == ["body does not decode", "hash mismatch"]
