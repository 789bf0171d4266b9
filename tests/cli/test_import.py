"""``o2c import``: a bad row is reported with its line number and nothing of the file is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from o2c.cli.main import main
from o2c.config import Settings
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore

ALPHA = "11111111-1111-1111-1111-111111111111"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    return tmp_path


def log_length() -> int:
    url = Settings.from_env().event_store_url
    migrate_event_store(url)
    store = EventStore(url)
    try:
        return store.last_position()
    finally:
        store.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_customers_then_invoices(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    customers = write(
        env / "c.csv",
        "customer_id,name,currency,credit_limit,net_days\n"
        f"{ALPHA},Alpha,EUR,10000,30\n,Beta,JPY,500000,45\n",
    )
    assert main(["import", "customers", str(customers)]) == 0
    assert "imported 2 customers" in capsys.readouterr().out
    invoices = write(
        env / "i.csv",
        "customer_id,issued_on,open_amount,reference\n"
        f"{ALPHA},2026-09-01,1200.50,OLD-1\n{ALPHA},2026-10-01,99.99,OLD-2\n",
    )
    assert main(["import", "invoices", str(invoices)]) == 0
    assert "imported 2 invoices" in capsys.readouterr().out
    assert main(["audit", "reconcile", "--as-of", "2026-11-22"]) == 0


def test_bad_rows_are_reported_by_line_and_nothing_is_loaded(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        env / "c.csv",
        "name,currency,credit_limit\nAlpha,EUR,100\n"
        "Beta,EUR,1.001\nGamma,XXX,5\nDelta,EUR,abc\nEpsilon,EUR,7\n",
    )
    assert main(["import", "customers", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "line 3:" in out and "line 4:" in out and "line 5:" in out
    assert "line 2:" not in out and "line 6:" not in out
    assert "nothing imported: 3 bad rows" in out
    assert log_length() == 0


def test_invoice_rows_are_checked_against_their_accounts(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(env / "c.csv", f"customer_id,name,currency,credit_limit\n{ALPHA},Alpha,JPY,100\n")
    assert main(["import", "customers", str(env / "c.csv")]) == 0
    before = log_length()
    bad = write(
        env / "i.csv",
        "customer_id,issued_on,open_amount\n"
        f"{ALPHA},2026-01-01,100\n{ALPHA},2026-01-01,10.5\n"
        "22222222-2222-2222-2222-222222222222,2026-01-01,5\n",
    )
    assert main(["import", "invoices", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "line 3: open_amount 10.5 has more decimals than JPY allows" in out
    assert "line 4: unknown customer" in out
    assert log_length() == before


def test_missing_columns_and_missing_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "customers", str(write(env / "x.csv", "name\nA\n"))]) == 1
    assert "missing columns currency, credit_limit" in capsys.readouterr().out
    assert main(["import", "invoices", str(env / "nope.csv")]) == 2
