"""Where ``make run`` and ``o2c serve`` listen, and the public URL that follows the port."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import o2c.bootstrap
from o2c.cli.main import main
from o2c.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _make_run(*variables: str) -> list[str]:
    """The ``o2c serve`` command ``make run`` would run (``make -n``: nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("no make")
    planned = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    serve = [line for line in planned.splitlines() if "o2c serve" in line]
    assert len(serve) == 1, planned
    return shlex.split(serve[0])


def test_make_run_takes_port_and_host() -> None:
    command = _make_run("PORT=8123", "HOST=0.0.0.0")
    assert command[command.index("--port") + 1] == "8123"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    default = _make_run()
    assert default[default.index("--port") + 1] == "8000"
    assert default[default.index("--host") + 1] == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "port", "public"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 9000, "http://127.0.0.1:9000"),
        ("::1", 8001, "http://[::1]:8001"),
        ("ar.internal", 80, "http://ar.internal:80"),
    ],
)
def test_the_public_url_follows_the_address_served(host: str, port: int, public: str) -> None:
    assert Settings.from_env({}).serving_at(host, port).public_url == public


def test_a_configured_public_url_stays() -> None:
    settings = Settings.from_env({"O2C_PUBLIC_URL": "https://ar.example.com/"})
    assert settings.serving_at("127.0.0.1", 8123).public_url == "https://ar.example.com"


class _Built(Exception):
    """Raised in place of building the container: the test has what it wanted."""


def test_serve_builds_its_container_with_the_public_url_of_its_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Settings] = []

    def build_container(settings: Settings, **_: Any) -> Any:
        seen.append(settings)
        raise _Built

    monkeypatch.delenv("O2C_PUBLIC_URL", raising=False)
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setattr(o2c.bootstrap, "build_container", build_container)
    with pytest.raises(_Built):
        main(["serve", "--port", "8123"])
    assert [s.public_url for s in seen] == ["http://127.0.0.1:8123"]
