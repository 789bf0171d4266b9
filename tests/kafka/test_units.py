"""The projector's building blocks without a broker: error classes, write order, topics."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kafka.errors import KafkaTimeoutError
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event
from sqlalchemy import exc as sa

from o2c.application.errors import BackendUnavailable
from o2c.cli.main import main
from o2c.events.catalog import DLQ_TOPIC, JOURNAL_TOPIC, PUBLIC_TOPICS
from o2c.follow.failures import is_transient
from o2c.kafka.log import LogProbe
from o2c.projections.rows import MissingRow, RowCache
from tests.support.broker import TansuBroker


def wrapped(orig: BaseException) -> sa.DBAPIError:
    """What SQLAlchemy raises around a driver error."""
    return sa.DBAPIError.instance("UPDATE t", {}, orig, psycopg.Error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(psycopg.OperationalError("connection refused")),  # database down
        wrapped(psycopg.errors.AdminShutdown("terminating connection")),  # restarting
        wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
        wrapped(psycopg.errors.SerializationFailure("could not serialize access")),
        wrapped(psycopg.errors.LockNotAvailable("lock timeout")),
        wrapped(psycopg.errors.TooManyConnections("too many clients")),
        wrapped(sqlite3.OperationalError("database is locked")),
        sa.TimeoutError("QueuePool limit reached"),
        KafkaTimeoutError("broker away"),
        BackendUnavailable("event store restarting"),
    ],
    ids=lambda e: type(getattr(e, "orig", e)).__name__,
)
def test_outages_and_conflicts_are_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bug in a handler"),
        KeyError("amount"),
        MissingRow("invoice unknown"),
        wrapped(psycopg.errors.UniqueViolation("duplicate key")),
        wrapped(psycopg.errors.NumericValueOutOfRange("numeric field overflow")),
        wrapped(psycopg.errors.StringDataRightTruncation("value too long")),
        wrapped(psycopg.errors.ProgramLimitExceeded("index row size exceeds maximum")),
        wrapped(sqlite3.OperationalError("no such column: x")),
    ],
    ids=lambda e: type(getattr(e, "orig", e)).__name__,
)
def test_errors_of_the_message_are_permanent(error: BaseException) -> None:
    assert not is_transient(error)


def test_rows_are_written_in_key_order_whatever_order_the_batch_touched_them(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    md = MetaData()
    tables = {
        "rows": Table("rows", md, Column("k", String, primary_key=True), Column("v", Integer)),
        "sums": Table("sums", md, Column("k", String, primary_key=True), Column("n", Integer)),
    }
    md.create_all(engine)
    written: list[tuple[str, list[Any]]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        if statement.startswith(("INSERT", "UPDATE")):
            rows = params if many else [params]
            written.append((statement.split()[2], [r[0] for r in rows]))

    keys = ["k5", "k3", "k9", "k1", "k7"]
    with engine.begin() as conn:
        cache = RowCache(tables)
        for k in keys:
            cache.put("rows", k, {"k": k, "v": 1})
            cache.increment("sums", k, {}, {"n": 1})
        cache.flush(conn)
    assert written == [("rows", sorted(keys)), ("sums", sorted(keys))]


def test_migrate_creates_the_topics_in_kafka_mode(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kafka_broker: TansuBroker,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setenv("O2C_KAFKA_BOOTSTRAP", kafka_broker.bootstrap)
    monkeypatch.setenv("O2C_KAFKA_PARTITIONS", "2")
    assert main(["migrate"]) == 0
    assert "topics ready" in capsys.readouterr().out
    probe = LogProbe(kafka_broker.bootstrap)
    try:
        for topic in (JOURNAL_TOPIC, DLQ_TOPIC, *PUBLIC_TOPICS):
            assert probe.partitions(topic) == 2
    finally:
        probe.close()
