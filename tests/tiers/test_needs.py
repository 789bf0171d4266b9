"""The tier markers come from what a test uses, and a service reached unmarked fails the test."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from tests.support import needs


def test_fixtures_and_parameters_name_the_services() -> None:
    assert needs.needs_of(["pg_url", "tmp_path"], []) == {"postgres", "disk"}
    assert needs.needs_of(["store_url", "tmp_path"], ["postgres"]) == {"postgres", "disk"}
    assert needs.needs_of(["store_url", "tmp_path"], ["sqlite"]) == {"disk"}
    assert needs.needs_of(["pipeline", "pg_url", "kafka_broker"], []) == {"postgres", "kafka"}
    assert needs.needs_of(["served", "browser", "tmp_path_factory"], []) == {"browser", "disk"}
    assert needs.needs_of(["request", "monkeypatch"], [7, None]) == set()


def test_generated_examples_are_slow_only_against_a_store() -> None:
    import subprocess

    import hypothesis

    properties = ModuleType("properties")
    properties.given = hypothesis.given  # type: ignore[attr-defined]
    assert needs.is_slow(properties, {"disk"})
    assert needs.is_slow(properties, {"postgres"})
    assert not needs.is_slow(properties, set())
    programs = ModuleType("programs")
    programs.subprocess = subprocess  # type: ignore[attr-defined]
    assert needs.is_slow(programs, set())
    assert not needs.is_slow(ModuleType("plain"), {"disk"})


@dataclass
class _Item:
    nodeid: str
    marks: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> object:
        return name if name in self.marks else None


def test_a_service_reached_without_its_mark_fails_the_test(request: pytest.FixtureRequest) -> None:
    try:
        needs.running(_Item("t::unmarked"))  # type: ignore[arg-type]
        with pytest.raises(RuntimeError, match="not marked 'postgres'"):
            needs.require("postgres")
        needs.running(_Item("t::marked", {"postgres"}))  # type: ignore[arg-type]
        needs.require("postgres")
    finally:
        needs.running(request.node)


def test_this_module_runs_in_memory(request: pytest.FixtureRequest) -> None:
    marks = {m.name for m in request.node.iter_markers()}
    assert not marks & {"postgres", "kafka", "browser", "disk", "slow"}
