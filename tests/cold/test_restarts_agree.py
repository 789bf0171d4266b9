"""Differential check: the book run against ``o2c serve`` processes restarted every few commands,
with account snapshots every few events, shows the same figures as the book run in one process.

Each restarted server starts with nothing cached: every account it touches is loaded from its
latest snapshot (written by an earlier process) and the events after it, its topics resolved
afresh, the period lock, the numbering stream and the read models' positions read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from tests.cold.processes import ADMIN_KEY, cold_env, serving
from tests.cold.scenario import Book, uid
from tests.support.pg import temporary_database

SNAPSHOT_EVERY = 7
RESTART_EVERY = 25


class WarmApi:
    """The scenario's API over a TestClient in this process: the uninterrupted run."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {ADMIN_KEY}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=self.headers)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.text}"
        data: dict[str, Any] = answer.json()
        return data

    def refused(self, path: str, body: dict[str, Any]) -> tuple[int, str]:
        answer = self.client.post(path, json=body, headers=self.headers)
        assert answer.status_code >= 400, f"POST {path} was accepted: {answer.text}"
        return answer.status_code, str(answer.json().get("type"))

    def post_file(self, path: str, data: bytes) -> dict[str, Any]:
        headers = {**self.headers, "Content-Type": "application/octet-stream"}
        answer = self.client.post(path, content=data, headers=headers)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.text}"
        body: dict[str, Any] = answer.json()
        return body

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params, headers=self.headers)
        assert answer.status_code == 200, f"GET {path}: {answer.text}"
        return answer.json()


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    with temporary_database() as warm, temporary_database() as cold:
        yield warm, cold


def uninterrupted(url: str) -> dict[str, Any]:
    """The book's figures from one process that ran every command (default snapshot interval)."""
    settings = Settings(event_store_url=url, read_store_url=url, api_tokens={ADMIN_KEY: "admin"})
    container = build_container(settings)
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            api, book = WarmApi(client), Book()
            for step in book.steps():
                step(api)
            return book.figures(api)
    finally:
        container.close()


def restarting(url: str, cwd: Path, every: int) -> tuple[dict[str, Any], int]:
    """The book's figures from servers restarted every ``every`` commands; the figures are read
    from one more fresh server. Also how many servers ran."""
    env = cold_env(url, url, O2C_SNAPSHOT_INTERVAL=str(SNAPSHOT_EVERY))
    book = Book()
    steps = book.steps()
    started = 0
    for first in range(0, len(steps), every):
        with serving(env, cwd) as server:
            started += 1
            for step in steps[first : first + every]:
                step(server)
    with serving(env, cwd) as server:
        return book.figures(server), started + 1


def snapshot_versions(url: str) -> dict[str, int]:
    """The latest snapshot's version of each scenario account."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT originator_id, max(originator_version) FROM o2c_snapshots GROUP BY 1"
        ).fetchall()
    names = {uid(name): name for name in "ABCZ"}
    return {names[row[0]]: row[1] for row in rows if row[0] in names}


def differences(expected: Any, found: Any, path: str = "") -> list[str]:
    """Each leaf where ``found`` differs from ``expected``, as ``path: expected != found``."""
    if isinstance(expected, dict) and isinstance(found, dict):
        return [
            line
            for key in sorted(expected.keys() | found.keys())
            for line in differences(expected.get(key), found.get(key), f"{path}/{key}")
        ]
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        return [
            line
            for n, (e, f) in enumerate(zip(expected, found, strict=True))
            for line in differences(e, f, f"{path}[{n}]")
        ]
    return [] if expected == found else [f"{path}: {expected!r} != {found!r}"]


@pytest.mark.postgres
@pytest.mark.slow
def test_servers_restarted_every_25_commands_show_the_figures_of_one_process(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    warm_url, cold_url = two_databases
    expected = uninterrupted(warm_url)
    found, servers = restarting(cold_url, tmp_path, RESTART_EVERY)
    assert servers >= 4
    # The busy accounts were snapshotted, and later commands loaded them from the snapshots.
    versions = snapshot_versions(cold_url)
    assert versions.get("A", 0) >= 3 * SNAPSHOT_EVERY and versions.get("C", 0) >= 3 * SNAPSHOT_EVERY
    differing = differences(expected, found)
    assert not differing, "\n".join(differing)
