"""Fresh interpreters for the cold-process tier: ``o2c serve`` and CLI commands started anew.

Every test in one pytest process shares the library's topic cache and whatever else a warm
process keeps; what only a warm process can do shows up only in a process started afresh.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from o2c_devtools.ports import free_port

REPO = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("o2c"))
ADMIN_KEY = "cold-tier-admin-key-0123456789"


def cold_env(event_url: str, read_url: str, **extra: str) -> dict[str, str]:
    """The environment of a fresh o2c process on these stores (embedded mode, text logs)."""
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": event_url,
        "O2C_READ_STORE_URL": read_url,
        "O2C_API_TOKENS": f"{ADMIN_KEY}:admin",
        "O2C_LOG_FORMAT": "text",
        "PYTHONPATH": str(REPO),
        **extra,
    }
    for name in ("O2C_KAFKA_BOOTSTRAP", "O2C_OIDC_ISSUER"):
        env.pop(name, None)
    return env


def run_cli(env: dict[str, str], *args: str, cwd: Path | None = None) -> str:
    """Run one ``o2c`` command in a new process; its stdout, or a failure with its stderr."""
    done = subprocess.run(
        [CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    said = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, f"o2c {' '.join(args)} exited {done.returncode}:\n{said}"
    return done.stdout


def run_python(env: dict[str, str], script: str) -> str:
    """Run a Python script in a new interpreter; its stdout, or a failure with its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"script exited {done.returncode}:\n{done.stderr}"
    return done.stdout


class Server:
    """One ``o2c serve`` process and an admin client for it."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [CLI, "serve", "--port", str(self.port)],
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60
        )

    def wait_ready(self, timeout: float = 90) -> None:
        """Wait until ``/readyz`` answers 200 (the projections caught up), or fail."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"o2c serve exited:\n{self.log.read_text()}"
            try:
                if self.http.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"o2c serve not ready:\n{self.log.read_text()}"
            time.sleep(0.05)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A command that must succeed; its answer."""
        answer = self.http.post(path, json=body)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.text}"
        data: dict[str, Any] = answer.json()
        return data

    def refused(self, path: str, body: dict[str, Any]) -> tuple[int, str]:
        """A command that must be refused: its status and problem type."""
        answer = self.http.post(path, json=body)
        assert answer.status_code >= 400, f"POST {path} was accepted: {answer.text}"
        return answer.status_code, str(answer.json().get("type"))

    def post_file(self, path: str, data: bytes) -> dict[str, Any]:
        """A file upload that must succeed; its answer."""
        answer = self.http.post(
            path, content=data, headers={"Content-Type": "application/octet-stream"}
        )
        assert answer.status_code in (200, 201), f"POST {path}: {answer.text}"
        body: dict[str, Any] = answer.json()
        return body

    def get(self, path: str, **params: Any) -> Any:
        """A read that must succeed; its JSON."""
        answer = self.http.get(path, params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.text}"
        return answer.json()

    def stop(self) -> None:
        """Stop the process (SIGTERM, as a deploy does) and wait for it."""
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def projecting(env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``o2c project`` following the event log (``O2C_PROJECTIONS=own-process``), stopped on
    exit."""
    with (cwd / "project.log").open("ab") as out:
        process = subprocess.Popen(
            [CLI, "project"], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[Server]:
    """A ready ``o2c serve`` process, stopped on exit."""
    server = Server(env, cwd)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
