"""``o2c bench --scale smoke`` runs every scenario end to end (CI asserts nothing about speed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

EXPECTED = {
    "write path": {"events/s", "command p50 / p99"},
    "write path, 8 threads, group commit": {
        "events/s",
        "command p50 / p99",
        "saves per transaction",
    },
    "write path, 8 threads, no group commit": {"events/s", "command p50 / p99"},
    "write path, no group commit": {"command p50 / p99"},
    "relay": {"events/s"},
    "projection": {"events/s"},
    "aging HTTP": {"p50 latency", "p95 latency", "p99 latency"},
    "aging vs replay": {"replay time"},
    "end-to-end (embedded)": {"p50 lag", "p99 lag"},
    "end-to-end (kafka)": {"p50 lag", "p99 lag"},
    "rebuild": {"events/s", "peak RSS"},
    "scale-out": {"commands/s", "drain", "lost"},
    **{
        f"big customer: {kind}": {"p50 latency", "p95 latency"}
        for kind in ("payment", "order", "credit note")
    },
    "big customer: fill": {"fill time", "account stream"},
    "bank": {
        "auto-applied",
        "wrong applications",
        *(
            f"{what}, projections {where}"
            for what in ("import", "until read models current")
            for where in ("in-process", "in own process")
        ),
    },
    **{
        f"gl export: {way}": {"lines/s", "peak RSS"}
        for way in ("HTTP csv", "HTTP jsonl", "CLI csv")
    },
}


@pytest.mark.postgres
@pytest.mark.kafka
@pytest.mark.slow
def test_smoke_bench_reports_every_figure_with_its_raw_limit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "o2c.cli.main", "bench", "--scale", "smoke", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    got: dict[str, set[str]] = {}
    for figure in report["figures"]:
        got.setdefault(figure["scenario"], set()).add(figure["metric"])
        # A figure whose target is zero (wrong applications) must be zero, every other positive.
        assert figure["value"] == 0 if figure.get("target") == "0" else figure["value"] > 0, figure
        if figure["ratio"] is not None:
            # A ratio is only meaningful against a raw limit measured in the same run.
            assert figure["baseline"] > 0, figure
    # "rate" is added only when a run could not keep the requested command rate, the top-3
    # share only when some line that pays invoices was left in the queue.
    optional = {"rate", "right invoices in top-3 (queued)"}
    assert {k: v - optional for k, v in got.items()} == EXPECTED
    assert "write: done" in done.stderr  # progress went to stderr, the JSON alone to stdout
