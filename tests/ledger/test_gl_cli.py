"""``o2c gl export``: the same bytes as the HTTP export, to a file or to stdout, progress on
stderr, the configured chart, and a refused period."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o2c.cli.main import main
from o2c.projections.queries.ledger_export import COLUMNS
from tests.ledger.conftest import FINAL_BALANCES, Api, serving, settings_for, small_book

PERIOD = ["--from", "2026-01-01", "--to", "2026-12-31"]


@pytest.fixture
def booked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small book in two SQLite files the CLI is pointed at (its read models may lag: the
    command brings them up to date itself)."""
    settings = settings_for(tmp_path)
    with serving(settings) as (_, container):
        small_book(container.store)
    monkeypatch.setenv("O2C_EVENT_STORE_URL", settings.event_store_url)
    monkeypatch.setenv("O2C_READ_STORE_URL", settings.read_store_url)
    return tmp_path


def http_export(base: Path, fmt: str) -> bytes:
    with serving(settings_for(base)) as (client, container):
        response = Api(client, container).get(
            "/v1/gl/export", format=fmt, **{"from": "2026-01-01", "to": "2026-12-31"}
        )
        assert response.status_code == 200
        return response.content


def test_export_to_a_file_is_the_http_export(
    booked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = booked / "gl.csv"
    assert main(["gl", "export", *PERIOD, "--output", str(out)]) == 0
    assert "exported journal lines: 21" in capsys.readouterr().err
    assert out.read_bytes() == http_export(booked, "csv")
    assert out.read_text().splitlines()[0] == ",".join(COLUMNS)
    assert not (booked / "gl.csv.partial").exists()


def test_export_jsonl_to_stdout(booked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gl", "export", *PERIOD, "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert captured.out.encode() == http_export(booked, "jsonl")
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert len(lines) == 21 and all(x["event_id"] for x in lines)
    assert "exported journal lines: 21" in captured.err


def test_export_uses_the_configured_chart(
    booked: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("O2C_GL_ACCOUNTS", "receivable=1200:Trade debtors")
    assert main(["gl", "export", *PERIOD]) == 0
    rows = [x.split(",") for x in capsys.readouterr().out.splitlines()[1:]]
    accounts = {(r[6], r[7]) for r in rows}
    assert ("1200", "Trade debtors") in accounts and ("1100", "Accounts receivable") not in accounts
    assert len(accounts) == len(FINAL_BALANCES)


def test_a_period_that_ends_before_it_starts_is_refused(
    booked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = booked / "gl.csv"
    assert (
        main(["gl", "export", "--from", "2026-02-01", "--to", "2026-01-01", "--output", str(out)])
        == 2
    )
    assert "--to must not be before --from" in capsys.readouterr().err
    assert not out.exists()


def test_help_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["gl", "export", "--help"])
    assert done.value.code == 0
    assert "--output FILE" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(["gl", "export", *PERIOD, "--format", "xml"])
    assert refused.value.code == 2
