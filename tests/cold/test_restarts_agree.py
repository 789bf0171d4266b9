"""Differential check: the book run against ``o2c serve`` processes restarted every few commands,
with account snapshots every few events, shows the same figures as the book run in one process.

Each restarted server starts with nothing cached: every account it touches is loaded from its
latest snapshot (written by an earlier process) and the events after it, its topics resolved
afresh, the period lock, the numbering stream and the read models' positions read back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.cold.differential import differences
from tests.cold.processes import cold_env, serving
from tests.cold.scenario import Book, uid

SNAPSHOT_EVERY = 7
RESTART_EVERY = 25


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


@pytest.mark.postgres
@pytest.mark.slow
def test_servers_restarted_every_25_commands_show_the_figures_of_one_process(
    uninterrupted_figures: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    cold_url = pg_url
    expected = uninterrupted_figures
    found, servers = restarting(cold_url, tmp_path, RESTART_EVERY)
    assert servers >= 4
    # The busy accounts were snapshotted, and later commands loaded them from the snapshots.
    versions = snapshot_versions(cold_url)
    assert versions.get("A", 0) >= 3 * SNAPSHOT_EVERY and versions.get("C", 0) >= 3 * SNAPSHOT_EVERY
    differing = differences(expected, found)
    assert not differing, "\n".join(differing)
