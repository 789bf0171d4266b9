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


def test_an_invoice_issued_in_the_future_is_a_numbered_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(env / "c.csv", f"customer_id,name,currency,credit_limit\n{ALPHA},Alpha,EUR,100\n")
    assert main(["import", "customers", str(env / "c.csv")]) == 0
    before = log_length()
    rows = f"customer_id,issued_on,open_amount\n{ALPHA},2026-01-01,10\n{ALPHA},2099-01-01,5\n"
    assert main(["import", "invoices", str(write(env / "i.csv", rows))]) == 1
    out = capsys.readouterr().out
    assert "line 3: 2099-01-01 is in the future" in out and "line 2" not in out
    assert log_length() == before


def test_missing_columns_and_missing_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "customers", str(write(env / "x.csv", "name\nA\n"))]) == 1
    assert "missing columns currency, credit_limit" in capsys.readouterr().out
    assert main(["import", "invoices", str(env / "nope.csv")]) == 2


def test_every_bad_cell_is_a_numbered_line_and_nothing_is_stored(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        b"name,currency,credit_limit,net_days",
        b"Alpha,EUR,100,30",  # line 2: fine
        b"Beta,EUR,1e9999999,30",  # 3: out of range
        b"Gamma,EUR,-1e9999999,30",  # 4: out of range
        b"Delta\x00,EUR,5,30",  # 5: NUL
        b"Epsilon \xff\xfe,EUR,5,30",  # 6: not UTF-8
        b"Zeta," + b"E" * 131_073 + b",5,30",  # 7: over the csv module's field limit
        b"Eta,EUR,7,true",  # 8: not a whole number
        b"Theta,EUR,1e-9999999,30",  # 9: too many decimals (not zero)
        b"Iota\x1b[31m,EUR,5,30",  # 10: escape sequence
        b"Kappa,EUR,8,30",  # 11: fine
    ]
    bad = env / "c.csv"
    bad.write_bytes(b"\n".join(rows) + b"\n")
    assert main(["import", "customers", str(bad)]) == 1
    out = capsys.readouterr().out
    for line in range(3, 11):
        assert f"c.csv: line {line}:" in out, (line, out)
    assert "line 2:" not in out and "line 11:" not in out
    assert "line 6: not valid UTF-8" in out
    assert "nothing imported: 8 bad rows" in out
    assert log_length() == 0


def test_invoice_rows_out_of_range_are_numbered_lines(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(env / "c.csv", f"customer_id,name,currency,credit_limit\n{ALPHA},Alpha,EUR,100\n")
    assert main(["import", "customers", str(env / "c.csv")]) == 0
    before = log_length()
    bad = write(
        env / "i.csv",
        "customer_id,issued_on,open_amount,reference,due_on\n"
        f"{ALPHA},2026-01-01,100,OK-1,\n"  # line 2: fine
        f"{ALPHA},9999-12-31,100,LATE,\n"  # 3: issued in the future
        f"{ALPHA},9999-12-31,100,LATE-DUE,9999-12-31\n"  # 4: the same, with its due date
        f"{ALPHA},2026-01-01,1e9999999,HUGE,\n"  # 5
        f"{ALPHA},2026-01-01,5,NUL\x00,\n"  # 6
        f"{ALPHA},20260101,5,NUMBER,\n",  # 7: not an ISO date
    )
    assert main(["import", "invoices", str(bad)]) == 1
    out = capsys.readouterr().out
    for line in (3, 4):
        assert f"line {line}: 9999-12-31 is in the future" in out, (line, out)
    for line in (5, 6, 7):
        assert f"line {line}:" in out, (line, out)
    assert "line 2:" not in out
    assert "nothing imported: 5 bad rows" in out
    assert log_length() == before
    good = write(
        env / "ok.csv",
        "customer_id,issued_on,open_amount,due_on\n"
        f"{ALPHA},2026-01-01,100,9999-12-31\n{ALPHA},2026-01-01,5,\n",
    )
    assert main(["import", "invoices", str(good)]) == 0
    assert "imported 2 invoices" in capsys.readouterr().out


def test_customer_ids_taken_or_repeated_and_empty_files(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(env / "a.csv", f"customer_id,name,currency,credit_limit\n{ALPHA},Alpha,EUR,100\n")
    assert main(["import", "customers", str(env / "a.csv")]) == 0
    before = log_length()
    beta = "33333333-3333-3333-3333-333333333333"
    bad = write(
        env / "b.csv",
        "customer_id,name,currency,credit_limit\n"
        f"{ALPHA},Again,EUR,1\n{beta},Beta,EUR,1\n{beta},Beta twice,EUR,1\n",
    )
    assert main(["import", "customers", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"line 2: customer {ALPHA} already exists" in out
    assert f"line 4: customer_id {beta} is also on line 3" in out
    assert "line 3:" not in out
    assert main(["import", "customers", str(write(env / "e.csv", "name,currency,credit_limit\n"))])
    assert "the file has no data rows" in capsys.readouterr().out
    assert log_length() == before
