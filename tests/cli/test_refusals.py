"""A refused command prints one line on stderr and exits 1, never a traceback, for every command.

The command line is run as a user runs it (the ``o2c`` script in its own process): a dunning run
dated in the future or inside a closed period, an unknown customer's history, a bad setting.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from o2c import commands as c
from tests.support.world import World, opened_store

O2C = str(Path(sys.executable).with_name("o2c"))


@pytest.fixture
def store(tmp_path: Path) -> dict[str, str]:
    """The environment of an embedded store under ``tmp_path``."""
    return {
        **os.environ,
        "O2C_EVENT_STORE_URL": f"sqlite:///{tmp_path / 'e.db'}",
        "O2C_READ_STORE_URL": f"sqlite:///{tmp_path / 'r.db'}",
    }


def o2c(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [O2C, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def refused(done: subprocess.CompletedProcess[str], command: str, *words: str) -> str:
    """The one line a refused ``command`` printed on stderr (exit 1, nothing on stdout)."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"o2c {command}: ")
    for word in words:
        assert word in line
    assert done.stdout == ""
    return line


def test_a_dunning_run_dated_in_the_future_is_refused(store: dict[str, str]) -> None:
    refused(o2c(store, "dunning", "--as-of", "2099-01-01"), "dunning", "date-in-future")


def test_a_dunning_run_inside_a_closed_period_is_refused(
    store: dict[str, str], tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    with opened_store(store["O2C_EVENT_STORE_URL"]) as events:
        world = World(events, today=today)
        world.account()
        world.do(c.ClosePeriod(through=today - timedelta(days=10), reason="closed"))
    inside = (today - timedelta(days=20)).isoformat()
    refused(o2c(store, "dunning", "--as-of", inside), "dunning", "period-closed", "closed through")
    booked = o2c(store, "dunning", "--as-of", today.isoformat())
    assert booked.returncode == 0, booked.stderr


def test_the_history_of_an_unknown_customer_says_so(store: dict[str, str]) -> None:
    unknown = uuid4()
    line = refused(o2c(store, "audit", "history", str(unknown)), "audit", "customer-not-found")
    assert str(unknown) in line
    with opened_store(store["O2C_EVENT_STORE_URL"]) as events:
        customer = World(events, today=date(2026, 1, 1)).account()
    known = o2c(store, "audit", "history", str(customer))
    assert known.returncode == 0, known.stderr
    assert "AccountOpened" in known.stdout


def test_a_bad_setting_is_one_line(store: dict[str, str]) -> None:
    env = {**store, "O2C_TIMEZONE": "Mars/Olympus_Mons"}
    refused(o2c(env, "dunning"), "dunning", "invalid input", "timezone", "unknown time zone")


def test_a_billing_run_dated_in_the_future_is_refused_and_a_dry_run_prints_json(
    store: dict[str, str],
) -> None:
    refused(o2c(store, "billing", "run", "--as-of", "2099-01-01"), "billing", "date-in-future")
    dry = o2c(store, "billing", "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert '"dry_run": true' in dry.stdout and '"invoices": []' in dry.stdout
