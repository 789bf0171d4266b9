"""Runs the scenarios of one ``o2c bench`` invocation and collects their figures."""

from __future__ import annotations

import multiprocessing
import queue
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from o2c.process import tune_garbage_collector
from o2c_devtools.bench.database import temporary_database
from o2c_devtools.bench.report import Figure, Report
from o2c_devtools.bench.scales import SCALES, Scale

Scenario = Callable[[str, Scale, Callable[[str], None]], list[Figure]]


def stderr_progress(message: str) -> None:
    """Progress goes to stderr so ``--json`` output stays clean."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def scenarios() -> dict[str, Scenario]:
    """Every scenario by name, in the order they run."""
    from o2c_devtools.bench import (
        aging,
        bank,
        big_customer,
        billing,
        documents,
        end_to_end,
        forecast,
        gl_export,
        kafka_paths,
        rebuild,
        scale_out,
        write_path,
    )

    return {
        "write": write_path.run,
        "kafka": kafka_paths.run,
        "aging": aging.run,
        "big-customer": big_customer.run,
        "e2e": end_to_end.run,
        "scale-out": scale_out.run,
        "rebuild": rebuild.run,
        "gl-export": gl_export.run,
        "bank": bank.run,
        "billing": billing.run,
        "documents": documents.run,
        "forecast": forecast.run,
    }


def run_bench(
    scale_name: str,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] = stderr_progress,
) -> Report:
    """Run the chosen scenarios, each in a fresh process on its own fresh PostgreSQL database.

    A process per scenario keeps one scenario's heap (the aging replay holds ~0.5 GB of
    envelopes) out of the next one's garbage-collection pauses and peak-RSS figure.
    """
    report = Report(scale=scale_name)
    spawn = multiprocessing.get_context("spawn")
    for name in scenarios():
        if only and name not in only:
            continue
        progress(f"{name}: starting")
        started = time.perf_counter()
        for figure in _in_child(spawn, name, scale_name, progress):
            report.add(figure)
        progress(f"{name}: done in {time.perf_counter() - started:.1f}s")
    return report


def _in_child(
    spawn: Any, name: str, scale_name: str, progress: Callable[[str], None]
) -> list[Figure]:
    # A plain process rather than a Pool: if the child dies (killed, out of memory) the
    # scenario is reported as an error instead of waiting forever on a replaced worker.
    results = spawn.Queue()
    child = spawn.Process(target=_report_to, args=(results, name, scale_name, progress))
    child.start()
    while True:
        try:
            figures: list[Figure] = results.get(timeout=1.0)
            break
        except queue.Empty:
            if not child.is_alive():
                return [Figure(name, scale_name, "error", 0.0, "", note="scenario process died")]
    child.join()
    return figures


def _report_to(results: Any, name: str, scale_name: str, progress: Callable[[str], None]) -> None:
    tune_garbage_collector()  # a spawned child starts with the interpreter's defaults
    results.put(run_scenario(name, scale_name, progress))


def run_scenario(name: str, scale_name: str, progress: Callable[[str], None]) -> list[Figure]:
    """One scenario on a fresh database; a failure becomes an ``error`` figure."""
    with temporary_database(f"o2c_bench_{name}") as dbname:
        try:
            return scenarios()[name](dbname, SCALES[scale_name], progress)
        except Exception as exc:  # one broken scenario must not hide the others' figures
            progress(traceback.format_exc())
            return [Figure(name, scale_name, "error", 0.0, "", note=repr(exc))]
