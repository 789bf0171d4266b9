"""Starting ``o2c serve`` twice: the second server never disturbs the first one's files.

Two real processes: a second server on the port in use fails before it writes anything, and a
second server on another port leaves the token file of the live one alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from o2c_devtools.ports import free_port

O2C = str(Path(sys.executable).with_name("o2c"))


def _env(store: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": f"sqlite:///{store / 'e.db'}",
        "O2C_READ_STORE_URL": f"sqlite:///{store / 'r.db'}",
        "O2C_LOG_FORMAT": "text",
    }
    env.pop("O2C_API_TOKENS", None)
    return env


@contextmanager
def serving(cwd: Path, port: int, store: Path) -> Iterator[str]:
    """``o2c serve`` in ``cwd`` until it prints its dashboard link; yields the link's token."""
    process = subprocess.Popen(
        [O2C, "serve", "--port", str(port)],
        cwd=cwd,
        env=_env(store),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        token = ""
        for line in process.stdout:
            if line.startswith("dashboard: "):
                token = line.strip().partition("#token=")[2]
                break
        assert token, "o2c serve printed no dashboard link"
        yield token
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(port: int, token: str) -> int:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(
                f"http://127.0.0.1:{port}/v1/aging", headers={"Authorization": f"Bearer {token}"}
            ).status_code
        except httpx.TransportError:
            assert time.monotonic() < deadline, "o2c serve did not answer"
            time.sleep(0.1)


def test_a_second_server_on_a_port_in_use_fails_before_writing_anything(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    port = free_port()
    token_file = first_dir / "o2c-data" / "admin-token"
    with serving(first_dir, port, first_dir) as token:
        assert token_file.read_text().strip() == token
        for cwd in (first_dir, second_dir):
            second = subprocess.run(
                [O2C, "serve", "--port", str(port)],
                cwd=cwd,
                env=_env(cwd),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert second.returncode == 1, second.stdout + second.stderr
            assert second.stderr.strip().count("\n") == 0, second.stderr
            assert "Traceback" not in second.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
            assert "in use" in second.stderr
        assert list(second_dir.iterdir()) == []  # no store, no token file
        assert token_file.read_text().strip() == token
        assert _answers(port, token) == 200


def test_a_second_server_on_another_port_leaves_the_live_token_file_alone(tmp_path: Path) -> None:
    token_file = tmp_path / "o2c-data" / "admin-token"
    first_port, second_port = free_port(), free_port()
    # The first server is up (and holds the file) before the second one starts.
    with (
        serving(tmp_path, first_port, tmp_path) as first,
        serving(tmp_path, second_port, tmp_path) as second,
    ):
        assert second != first
        assert token_file.read_text().strip() == first
        assert _answers(first_port, first) == 200
        assert _answers(second_port, second) == 200
    # Once no server holds it, the next server writes its own token.
    with serving(tmp_path, first_port, tmp_path) as third:
        assert token_file.read_text().strip() == third
