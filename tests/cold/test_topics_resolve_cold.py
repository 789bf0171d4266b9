"""Every stored topic resolves in an interpreter that has only opened the event store's module.

A topic registers when its class is defined, or when the library first writes an object of the
class: a process that never wrote one must still read it.
"""

from __future__ import annotations

from pathlib import Path

from tests.cold.processes import cold_env, run_python

RESOLVE_ALL = """
import o2c.eventstore.store  # what every process that reads the log imports
from eventsourcing.utils import TopicError, resolve_topic
from o2c.events.catalog import CATALOG

unresolved = []
def check(topic):
    try:
        resolve_topic(topic)
    except TopicError:
        unresolved.append(topic)

for spec in CATALOG:
    check(spec.stored_topic)
# Only now every aggregate module (importing one registers its events, not its snapshot).
import importlib, pkgutil
import o2c.aggregates
from eventsourcing.domain import Aggregate
found = set()
for info in pkgutil.iter_modules(o2c.aggregates.__path__):
    module = importlib.import_module(f"o2c.aggregates.{info.name}")
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Aggregate) and value is not Aggregate:
            found.add(value)
            check(value.TOPIC)
            for nested in vars(value).values():
                if isinstance(nested, type) and "TOPIC" in vars(nested):
                    check(nested.TOPIC)
from o2c.aggregates.registry import ALL_AGGREGATES
print("unresolved", sorted(unresolved))
print("not in the registry", sorted(c.__name__ for c in found - set(ALL_AGGREGATES)))
"""


def test_every_stored_topic_resolves_in_a_fresh_interpreter(tmp_path: Path) -> None:
    env = cold_env(f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}")
    out = run_python(env, RESOLVE_ALL)
    assert "unresolved []" in out and "not in the registry []" in out, out
