"""Verify the event log: every hash chain and the position sequence, streaming the whole log.

Per aggregate: versions run 1, 2, 3 … without a gap; each event's recomputed hash equals its
stored ``_hash`` (so no byte of its state, topic, aggregate id or version was altered); each
``_meta.prev_hash`` equals the stored hash of the version before (so nothing was removed,
inserted or swapped); the body decodes into its event class (when a decoder is given); and
positions rise with versions. The report names every break by
aggregate, version and position.

Per-stream chains cannot reveal that the *latest* event of a stream was removed; the report's
``head`` (a digest over every stream's last hash) can be written down outside the database and
passed back as ``expected_head`` to close that gap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from o2c.events.envelope import GENESIS_HASH
from o2c.eventstore.chain import chain_hash, unseal


@dataclass(frozen=True)
class RawEvent:
    """One stored row as read from the events table."""

    position: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class Break:
    """One place where the log is not what was written."""

    aggregate_id: str
    version: int
    position: int
    problem: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "aggregate_id": self.aggregate_id,
            "version": self.version,
            "position": self.position,
            "problem": self.problem,
        }


@dataclass
class _Stream:
    version: int
    hash: str
    position: int


@dataclass
class VerifyReport:
    """Outcome of a verification run."""

    checked: int = 0
    breaks: list[Break] = field(default_factory=list)
    head: str = ""
    streams: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing is broken."""
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        """The response shape of ``POST /v1/audit/verify``."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "streams": self.streams,
            "head": self.head,
            "breaks": [b.as_dict() for b in self.breaks],
        }


Decoder = Callable[[RawEvent], object]
"""Decodes one stored row into its event; raises when the body cannot be read back."""


def _check_decodes(ev: RawEvent, decode: Decoder | None, report: VerifyReport) -> None:
    if decode is None:
        return
    try:
        decode(ev)
    except Exception as exc:  # any failure to read the event back is a break, not a crash
        problem = f"body does not decode: {type(exc).__name__}: {exc}"[:200]
        report.breaks.append(Break(ev.aggregate_id, ev.version, ev.position, problem))


def _check_event(
    ev: RawEvent, prev: _Stream | None, report: VerifyReport, decode: Decoder | None = None
) -> str | None:
    """Check one event; returns its stored hash (or ``None`` if unreadable)."""

    def fail(problem: str) -> None:
        report.breaks.append(Break(ev.aggregate_id, ev.version, ev.position, problem))

    expected_version = 1 if prev is None else prev.version + 1
    if ev.version != expected_version:
        fail(
            f"missing version {expected_version} (deleted?)"
            if ev.version > expected_version
            else f"version {ev.version} out of order"
        )
    if prev is not None and ev.position <= prev.position:
        fail(f"position {ev.position} not after version {prev.version}'s {prev.position}")
    parts = unseal(ev.state)
    if parts is None:
        fail("no hash seal: state replaced or truncated")
        return None
    body, stored_hash = parts
    try:
        meta = json.loads(body).get("_meta", {})
    except ValueError:
        fail("state is not valid JSON")
        return stored_hash
    _check_decodes(ev, decode, report)
    recomputed = chain_hash(
        str(meta.get("prev_hash", "")), ev.aggregate_id, ev.version, ev.topic, body
    )
    if recomputed != stored_hash:
        fail("hash mismatch: state, topic, id or version altered")
    expected_prev = GENESIS_HASH if ev.version == 1 else (prev.hash if prev else None)
    if expected_prev is not None and meta.get("prev_hash") != expected_prev:
        fail(f"prev_hash does not match version {ev.version - 1}")
    return stored_hash


def verify_events(
    events: Iterable[RawEvent],
    *,
    expected_head: str | None = None,
    progress: Callable[[int], None] | None = None,
    decode: Decoder | None = None,
) -> VerifyReport:
    """Verify a stream of stored rows given in position order (``decode``: also read each back)."""
    report = VerifyReport()
    streams: dict[str, _Stream] = {}
    last_position = 0
    for ev in events:
        report.checked += 1
        if ev.position <= last_position:
            report.breaks.append(
                Break(ev.aggregate_id, ev.version, ev.position, "positions not strictly increasing")
            )
        last_position = max(last_position, ev.position)
        prev = streams.get(ev.aggregate_id)
        stored_hash = _check_event(ev, prev, report, decode)
        streams[ev.aggregate_id] = _Stream(ev.version, stored_hash or "", ev.position)
        if progress is not None and report.checked % 10_000 == 0:
            progress(report.checked)
    report.streams = len(streams)
    digest = hashlib.sha256()
    for agg_id in sorted(streams):
        digest.update(f"{agg_id}:{streams[agg_id].version}:{streams[agg_id].hash}\n".encode())
    report.head = digest.hexdigest()
    if expected_head is not None and expected_head != report.head:
        report.breaks.append(
            Break(
                "*",
                0,
                last_position,
                "head differs from the anchored head: a stream's latest "
                "events were removed or added",
            )
        )
    return report
