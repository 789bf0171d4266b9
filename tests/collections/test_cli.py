"""``o2c collections check`` through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from o2c.cli.main import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    return tmp_path


def test_collections_check_runs_for_a_date_and_refuses_a_future_one(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(UTC).date()
    assert main(["collections", "check", "--as-of", today.isoformat()]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["as_of"] == today.isoformat() and answer["promises_broken"] == []
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert main(["collections", "check", "--as-of", tomorrow]) != 0
    assert "date-in-future" in capsys.readouterr().err
