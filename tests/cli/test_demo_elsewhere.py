"""``o2c demo`` where other processes write the read models (Kafka mode, own-process
projections): it never waits for them, and says what fills them."""

from __future__ import annotations

from pathlib import Path

import pytest

from o2c.bootstrap import build_event_store
from o2c.cli.main import main
from o2c.config import Settings
from o2c.read_side import ReadSideParts


@pytest.fixture
def no_projector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SQLite stores, and a read side that fails any wait: nothing here moves the read models,
    so a wait could only end by its timeout (the demo's dunning runs took 30 s each)."""

    def wait_for(self: ReadSideParts, position: int, timeout: float) -> bool:
        raise AssertionError(f"waited for the read models to reach {position}")

    monkeypatch.setattr(ReadSideParts, "wait_for", wait_for)
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    return tmp_path


def _reminders() -> int:
    store = build_event_store(Settings.from_env())
    try:
        return sum(1 for e in store.read_all(0) if e.event_type == "ReminderSent")
    finally:
        store.close()


def _load(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, str], str]:
    assert main(["demo", "--customers", "6", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    return dict(part.split("=") for part in out.strip().split(", ")), err


def test_own_process_projections(
    no_projector: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("O2C_PROJECTIONS", "own-process")
    stats, err = _load(capsys)
    assert int(stats["events"]) > 100 and _reminders() > 0
    assert f"read models at position 0 of {stats['events']}" in err
    assert "`o2c project` fills them" in err


def test_kafka_mode_without_relay_or_projector(
    no_projector: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("O2C_KAFKA_BOOTSTRAP", "127.0.0.1:9")  # nothing listens: never used
    stats, err = _load(capsys)
    assert int(stats["events"]) > 100 and _reminders() > 0
    assert f"`o2c relay` (published 0 of {stats['events']} events)" in err
    assert "`o2c project` (read models at position 0)" in err
