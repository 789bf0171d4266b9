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

Every period close is proved too (when events are decoded): the trial balance replayed from the
whole log as of the close's date must still equal the one the close recorded (an event dated
inside the closed period and stored after the close, or an altered one, changes it), and the
head over the events up to the position the close recorded must equal the head it recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from typing_extensions import TypedDict

from o2c.aggregates.period_lock import TrialBalance
from o2c.audit.chain_head import ChainHeads, StreamHead
from o2c.audit.ledger_replay import LedgerReplay, differences
from o2c.events.envelope import GENESIS_HASH, EventEnvelope
from o2c.eventstore.chain import chain_hash, unseal


@dataclass(frozen=True)
class RawEvent:
    """One stored row as read from the events table."""

    position: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes


class BreakView(TypedDict):
    """One break in JSON form."""

    aggregate_id: str
    version: int
    position: int
    problem: str


class VerifyView(TypedDict):
    """A verification's outcome in JSON form."""

    ok: bool
    checked: int
    streams: int
    head: str
    closes: int
    breaks: list[BreakView]


@dataclass(frozen=True)
class Break:
    """One place where the log is not what was written."""

    aggregate_id: str
    version: int
    position: int
    problem: str

    def as_dict(self) -> BreakView:
        """JSON form."""
        return {
            "aggregate_id": self.aggregate_id,
            "version": self.version,
            "position": self.position,
            "problem": self.problem,
        }


@dataclass
class VerifyReport:
    """Outcome of a verification run."""

    checked: int = 0
    breaks: list[Break] = field(default_factory=list)
    head: str = ""
    streams: int = 0
    closes: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing is broken."""
        return not self.breaks

    def as_dict(self) -> VerifyView:
        """The response shape of ``POST /v1/audit/verify``."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "streams": self.streams,
            "head": self.head,
            "closes": self.closes,
            "breaks": [b.as_dict() for b in self.breaks],
        }


Decoder = Callable[[RawEvent], object]
"""Decodes one stored row into its event; raises when the body cannot be read back."""


def _check_decodes(ev: RawEvent, decode: Decoder | None, report: VerifyReport) -> object:
    """The decoded event, or ``None`` (no decoder, or a break)."""
    if decode is None:
        return None
    try:
        return decode(ev)
    except Exception as exc:  # any failure to read the event back is a break, not a crash
        problem = f"body does not decode: {type(exc).__name__}: {exc}"[:200]
        report.breaks.append(Break(ev.aggregate_id, ev.version, ev.position, problem))
        return None


def _check_event(
    ev: RawEvent, prev: StreamHead | None, report: VerifyReport, decode: Decoder | None = None
) -> tuple[str | None, object]:
    """Check one event; returns its stored hash (or ``None`` if unreadable) and the decoded
    event (``None`` without a decoder or when it does not decode)."""

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
        return None, None
    body, stored_hash = parts
    try:
        meta = json.loads(body).get("_meta", {})
    except ValueError:
        fail("state is not valid JSON")
        return stored_hash, None
    decoded = _check_decodes(ev, decode, report)
    recomputed = chain_hash(
        str(meta.get("prev_hash", "")), ev.aggregate_id, ev.version, ev.topic, body
    )
    if recomputed != stored_hash:
        fail("hash mismatch: state, topic, id or version altered")
    expected_prev = GENESIS_HASH if ev.version == 1 else (prev.hash if prev else None)
    if expected_prev is not None and meta.get("prev_hash") != expected_prev:
        fail(f"prev_hash does not match version {ev.version - 1}")
    return stored_hash, decoded


@dataclass(frozen=True)
class _Close:
    """What a period close recorded, and the head recomputed up to its recorded position."""

    env: EventEnvelope
    through: date
    trial_balance: TrialBalance
    head_position: int
    head: str
    head_now: str | None


class _CloseChecks:
    """Replays the ledger while the log streams past and proves each period close at the end."""

    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.ledger = LedgerReplay()
        self.closes: list[_Close] = []

    def feed(self, env: EventEnvelope, heads: ChainHeads) -> None:
        """One decoded event, after ``heads`` took it in."""
        try:
            self.ledger.feed(env)
        except Exception as exc:  # an event the ledger cannot post is a break, not a crash
            self._fail(env, f"ledger replay: {type(exc).__name__}: {exc}"[:200])
        if env.event_type == "PeriodClosed":
            d = env.data
            try:
                position = int(d["head_position"])
                close = _Close(
                    env,
                    date.fromisoformat(d["through"]),
                    dict(d["trial_balance"]),
                    position,
                    str(d["head"]),
                    heads.digest_at(position),
                )
            except (KeyError, TypeError, ValueError) as exc:
                self._fail(env, f"period close unreadable: {type(exc).__name__}: {exc}"[:200])
                return
            self.closes.append(close)

    def finish(self) -> None:
        """Compare every close with the whole log's replay."""
        self.report.closes = len(self.closes)
        for close in self.closes:
            self._check(close)

    def _check(self, close: _Close) -> None:
        what, position = f"period close through {close.through}", close.head_position
        try:
            found = differences(close.trial_balance, self.ledger.trial_balance(close.through))
        except (AttributeError, KeyError, TypeError) as exc:  # a malformed recorded balance
            found = [f"recorded trial balance unreadable: {type(exc).__name__}"]
        if found:
            self._fail(
                close.env,
                f"{what}: the trial balance replayed from the log differs from the one it "
                f"recorded (an event dated in the closed period was added or altered): "
                f"{'; '.join(found[:3])}",
            )
        if close.head_now is None:
            self._fail(
                close.env,
                f"{what}: too many events after position {position} to recompute the head "
                "it recorded",
            )
        elif close.head_now != close.head:
            self._fail(
                close.env,
                f"{what}: the hash-chain head over the events up to position {position} "
                "differs from the one it recorded (events up to it removed, added or altered)",
            )

    def _fail(self, env: EventEnvelope, problem: str) -> None:
        self.report.breaks.append(Break(env.aggregate_id, env.version, env.position, problem))


def verify_events(
    events: Iterable[RawEvent],
    *,
    expected_head: str | None = None,
    progress: Callable[[int], None] | None = None,
    decode: Decoder | None = None,
) -> VerifyReport:
    """Verify a stream of stored rows given in position order (``decode``: also read each back,
    and prove every period close against the ledger replayed from the decoded events)."""
    report = VerifyReport()
    heads = ChainHeads()
    closes = _CloseChecks(report)
    last_position = 0
    for ev in events:
        report.checked += 1
        if ev.position <= last_position:
            report.breaks.append(
                Break(ev.aggregate_id, ev.version, ev.position, "positions not strictly increasing")
            )
        last_position = max(last_position, ev.position)
        prev = heads.streams.get(ev.aggregate_id)
        stored_hash, decoded = _check_event(ev, prev, report, decode)
        heads.advance(ev.aggregate_id, StreamHead(ev.version, stored_hash or "", ev.position))
        if isinstance(decoded, EventEnvelope):
            closes.feed(decoded, heads)
        if progress is not None and report.checked % 10_000 == 0:
            progress(report.checked)
    closes.finish()
    report.streams = len(heads.streams)
    report.head = heads.digest()
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
