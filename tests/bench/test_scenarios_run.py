"""Every ``o2c bench`` scenario still runs and reports each of its figures (at ``--scale tiny``).

The sizes are the least that yields every figure, so this says nothing about speed: ``make bench``
runs the smoke scale for that.
"""

from __future__ import annotations

import json
import math
import sys

import pytest

from o2c.cli.bench import SCENARIOS
from o2c.cli.main import main
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.runner import run_scenario, scenarios

# The figures (scenario → metrics) each scenario reports. "rate" is added only when a run could
# not keep the requested command rate, the top-3 share only when some line that pays invoices
# was left in the queue: neither is required.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "write": {
        "write path": {"events/s", "command p50 / p99"},
        "write path, 8 threads, group commit": {
            "events/s",
            "command p50 / p99",
            "saves per transaction",
        },
        "write path, 8 threads, no group commit": {"events/s", "command p50 / p99"},
        "write path, no group commit": {"command p50 / p99"},
    },
    "kafka": {"relay": {"events/s"}, "projection": {"events/s"}},
    "aging": {
        "aging HTTP": {"p50 latency", "p95 latency", "p99 latency"},
        "aging vs replay": {"replay time"},
        "worklist HTTP": {"p50 latency", "p95 latency"},
    },
    "big-customer": {
        **{
            f"big customer: {kind}": {"p50 latency", "p95 latency"}
            for kind in ("payment", "order", "credit note")
        },
        "big customer: fill": {"fill time", "account stream"},
    },
    "e2e": {
        "end-to-end (embedded)": {"p50 lag", "p99 lag"},
        "end-to-end (kafka)": {"p50 lag", "p99 lag"},
    },
    "scale-out": {"scale-out": {"commands/s", "drain", "lost"}},
    "rebuild": {"rebuild": {"events/s", "peak RSS"}},
    "gl-export": {
        f"gl export: {way}": {"lines/s", "peak RSS"}
        for way in ("HTTP csv", "HTTP jsonl", "CLI csv")
    },
    "bank": {
        "bank": {
            "auto-applied",
            "wrong applications",
            *(
                f"{what}, projections {where}"
                for what in ("import", "until read models current")
                for where in ("in-process", "in own process")
            ),
        }
    },
    "billing": {
        "billing run (monthly, no PDF)": {
            "invoices/s",
            "run time",
            "run again (nothing due)",
            "fill time",
        }
    },
}
EXPECTED["documents"] = {
    "documents": {
        "invoice PDFs, one process per core",
        "issue + render + queue",
        "sent by one o2c deliver process",
        "raw smtplib, one connection",
    }
}
EXPECTED["forecast"] = {"cash forecast back-test": {"mean abs error/week"}}
OPTIONAL = {"rate", "right invoices in top-3 (queued)"}
NEEDS_BROKER = {"kafka", "e2e", "scale-out"}


def test_every_scenario_of_the_cli_is_run_and_checked_here() -> None:
    assert list(scenarios()) == list(SCENARIOS) == list(EXPECTED)


def _check(figures: list[Figure], expected: dict[str, set[str]]) -> None:
    errors = [f.note for f in figures if f.metric == "error"]
    assert not errors, errors
    got: dict[str, set[str]] = {}
    for figure in figures:
        got.setdefault(figure.scenario, set()).add(figure.metric)
        assert math.isfinite(figure.value), figure
        # A figure whose target is zero (wrong applications, lost commands) must be zero; every
        # other is a rate, latency or size, so positive.
        assert figure.value == 0 if figure.target == "0" else figure.value > 0, figure
        if figure.ratio is not None:
            # A ratio is only meaningful against a raw limit measured in the same run.
            assert figure.baseline is not None and figure.baseline > 0, figure
    assert {k: v - OPTIONAL for k, v in got.items()} == expected


# This one runs through ``o2c bench`` (its own process, JSON on stdout), the others in-process.
THROUGH_THE_CLI = "big-customer"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=[pytest.mark.kafka] if name in NEEDS_BROKER else [])
        for name in EXPECTED
        if name != THROUGH_THE_CLI
    ],
)
def test_scenario_runs_and_reports_each_figure(name: str) -> None:
    _check(run_scenario(name, "tiny", lambda message: None), EXPECTED[name])


@pytest.mark.postgres
def test_cli_runs_the_chosen_scenario_in_its_own_process_and_prints_json(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "--scale", "tiny", "--only", THROUGH_THE_CLI, "--json"]) == 0
    out, err = capfd.readouterr()
    report = json.loads(out)
    assert report["scale"] == "tiny"
    _check([Figure(**f) for f in report["figures"]], EXPECTED[THROUGH_THE_CLI])
    assert f"{THROUGH_THE_CLI}: done" in err  # progress went to stderr, the JSON alone to stdout


def test_cli_without_the_dev_tools_says_to_install_the_dev_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As on a production install: the benchmark's package cannot be imported.
    monkeypatch.setitem(sys.modules, "o2c_devtools.bench.runner", None)
    assert main(["bench", "--only", "write"]) == 2
    assert "install the dev extra" in capsys.readouterr().err
