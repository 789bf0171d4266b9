"""Benchmark results: one row per figure, rendered as a human table or as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Figure:
    """One measured figure: ours vs the raw limit, and the target for the ratio."""

    scenario: str
    size: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Report:
    """Every figure of one run plus where and how it ran."""

    scale: str
    command: str = field(default_factory=lambda: " ".join(["o2c", *sys.argv[1:]]))
    date: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    machine: str = field(default_factory=lambda: machine_description())
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        """Record a figure."""
        self.figures.append(figure)

    def to_json(self) -> str:
        """Machine-readable form."""
        return json.dumps(asdict(self), indent=2)

    def to_table(self) -> str:
        """Human-readable form with ``ratio`` and ``target`` columns."""
        head = ["scenario", "size", "metric", "value", "raw limit", "ratio", "target", "met"]
        rows = [head] + [_row(f) for f in self.figures]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [
            f"o2c bench  scale={self.scale}  date={self.date}",
            f"machine: {self.machine}",
            f"command: {self.command}",
            "",
        ]
        for i, row in enumerate(rows):
            lines.append(
                "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
            )
            if i == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        notes = [f"- {f.scenario}/{f.metric}: {f.note}" for f in self.figures if f.note]
        return "\n".join(lines + (["", *notes] if notes else []))


def _num(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"
    return f"{text} {unit}".strip()


def _row(f: Figure) -> list[str]:
    met = "-" if f.met is None else ("yes" if f.met else "NO")
    ratio = "-" if f.ratio is None else f"{f.ratio:,.2f}"
    return [
        f.scenario,
        f.size,
        f.metric,
        _num(f.value, f.unit),
        _num(f.baseline, f.unit),
        ratio,
        f.target,
        met,
    ]


def machine_description() -> str:
    """CPU model, core count, memory, OS and Python: enough to compare runs."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.1f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def as_dict(report: Report) -> dict[str, Any]:
    """The report as plain data."""
    return asdict(report)
