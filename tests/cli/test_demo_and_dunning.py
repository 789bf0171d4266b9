"""The demo book and the dunning command, end to end through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from o2c.cli.main import main
from tests.support.ports import free_port


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    return tmp_path


def test_small_demo_book_loads_once_and_reconciles(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--customers", "8", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    stats = dict(part.split("=") for part in out.strip().split(", "))
    assert int(stats["customers"]) == 8 and int(stats["invoices"]) > 0
    assert int(stats["payments"]) > 0 and int(stats["events"]) > 100
    assert main(["demo", "--customers", "8"]) == 0  # a second run adds nothing
    assert "already holds" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    assert main(["audit", "reconcile"]) == 0
    assert "0 differences" in capsys.readouterr().out


def test_dunning_command_runs_for_a_date(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--customers", "5", "--seed", "4"]) == 0
    capsys.readouterr()
    today = datetime.now(UTC).date().isoformat()
    assert main(["dunning", "--as-of", today]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["dunning", "--as-of", today]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["reminders_sent"] == 0 and first["as_of"] == today


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (
        "serve",
        "demo",
        "import",
        "rebuild",
        "dunning",
        "migrate",
        "audit",
        "relay",
        "project",
        "dlq",
        "schemas",
    ):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        assert "usage: o2c" in capsys.readouterr().out


def test_serve_prints_a_dashboard_link_that_signs_in(tmp_path: Path) -> None:
    """What ``make run`` prints: the dashboard's link carrying the generated admin token in its
    fragment, the same token written (mode 600) for scripts, and the token works."""
    port = free_port()
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": f"sqlite:///{tmp_path / 'e.db'}",
        "O2C_READ_STORE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "O2C_LOG_FORMAT": "text",
    }
    env.pop("O2C_API_TOKENS", None)
    command = [str(Path(sys.executable).with_name("o2c")), "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        link = ""
        for line in process.stdout:
            if line.startswith("dashboard: "):
                link = line.split(" ", 1)[1].strip()
                break
        base, _, fragment = link.partition("/dashboard#token=")
        assert base == f"http://127.0.0.1:{port}" and fragment
        written = tmp_path / "o2c-data" / "admin-token"
        assert written.read_text().strip() == fragment
        assert written.stat().st_mode & 0o777 == 0o600
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(
                    f"{base}/v1/aging", headers={"Authorization": f"Bearer {fragment}"}
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "o2c serve did not answer"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert httpx.get(f"{base}/v1/aging").status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)
