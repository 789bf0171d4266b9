"""An account snapshot written by one process is loaded by another that never wrote one.

The snapshot's stored topic must resolve in an interpreter that has only imported o2c: this is
what a restarted server, a second instance or a CLI command is.
"""

from __future__ import annotations

from pathlib import Path

from tests.cold.processes import cold_env, run_python

WRITE = """
from datetime import date
from o2c.bootstrap import build_event_store
from o2c.config import Settings
from tests.support.world import World

store = build_event_store(Settings.from_env())
world = World(store)
cid = world.account()
for _ in range(8):
    world.pay(cid, "1.00", date(2026, 1, 2), [])
store.close()
print(cid)
"""

LOAD = """
import sys
from datetime import date
from uuid import UUID
from o2c.bootstrap import build_event_store
from o2c.config import Settings
from tests.support.world import World

cid = UUID(sys.argv[1] if len(sys.argv) > 1 else "{cid}")
store = build_event_store(Settings.from_env())
snapshots = store.app.snapshots
assert snapshots is not None
print("snapshot at", [s.originator_version for s in snapshots.recorder.select_events(cid)])
world = World(store)
world.pay(cid, "1.00", date(2026, 1, 3), [])
print("unapplied", store.get(cid).unapplied_cash)
store.close()
"""


def test_a_snapshot_written_by_another_process_loads_and_takes_a_command(
    store_url: str, tmp_path: Path
) -> None:
    env = cold_env(store_url, f"sqlite:///{tmp_path / 'r.db'}", O2C_SNAPSHOT_INTERVAL="5")
    cid = run_python(env, WRITE).strip()
    out = run_python(env, LOAD.replace("{cid}", cid))
    assert "snapshot at [5]" in out  # the reader started from the snapshot the writer took
    assert "unapplied 9.00" in out
