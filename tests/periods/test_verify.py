"""``o2c audit verify`` proves every close: the closed period unchanged, the recorded head true.

On SQLite and PostgreSQL: a clean log verifies; an event dated inside the closed period and
stored after the close (by a process that checks no lock date), an
altered event of the period, and a removed event before the close's head are each reported as a
break that names the close.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from o2c import commands as c
from o2c.aggregates.period_lock import PERIOD_LOCK_ID
from o2c.application.context import CommandContext
from o2c.application.service import O2CService
from o2c.audit.ledger_replay import trial_balance_from_log
from o2c.audit.log_reader import decoder, raw_events
from o2c.audit.verify import Break, verify_events
from o2c.cli.main import main
from o2c.eventstore.store import EventStore
from tests.audit.test_verify import Tamper
from tests.periods.book import INSIDE, LOCK, TODAY
from tests.periods.conftest import Closed, closed_world

CLOSE_PROBLEM = f"period close through {LOCK}"


@pytest.fixture
def closed(store_url: str) -> Iterator[tuple[Closed, Tamper]]:
    for world in closed_world(store_url):
        yield world, Tamper(store_url)


def verify(store: EventStore) -> tuple[int, list[Break]]:
    report = verify_events(raw_events(store), decode=decoder(store))
    return report.closes, report.breaks


def the_close(store: EventStore) -> tuple[int, int]:
    """(position, version) of the close event."""
    [event] = [e for e in store.read_stream(PERIOD_LOCK_ID) if e.event_type == "PeriodClosed"]
    return event.position, event.version


class StaleProcess(O2CService):
    """A process that checks no lock date (an older release, or a bug): the event store cannot
    order it against a close, so only ``verify`` can find what it stores in a closed period."""

    def _check_dates(self, cmd: c.Command, today: date) -> int | None:
        return None


def test_a_clean_log_proves_its_close(closed: tuple[Closed, Tamper]) -> None:
    store = closed[0].world.store
    assert verify(store) == (1, [])
    [event] = [e for e in store.read_stream(PERIOD_LOCK_ID) if e.event_type == "PeriodClosed"]
    recorded = event.data["trial_balance"]
    assert trial_balance_from_log(store, LOCK) == recorded
    assert trial_balance_from_log(store, LOCK, upto_position=event.data["head_position"]) == (
        recorded
    )


def test_a_back_dated_event_stored_behind_the_close_is_a_break_naming_it(
    closed: tuple[Closed, Tamper],
) -> None:
    world, book = closed[0].world, closed[0].book
    other = StaleProcess(world.store, today=lambda: TODAY)
    late = c.ReceivePayment(customer_id=book.customer, amount=Decimal("7.00"), received_on=INSIDE)
    other.handle(late, CommandContext(actor="other-process"))
    position, version = the_close(world.store)
    closes, breaks = verify(world.store)
    assert closes == 1
    [found] = breaks
    assert (found.aggregate_id, found.version, found.position) == (
        str(PERIOD_LOCK_ID),
        version,
        position,
    )
    assert found.problem.startswith(f"{CLOSE_PROBLEM}: the trial balance replayed")
    assert "EUR bank: recorded debit 450.00 credit 0.00, replayed debit 457.00" in found.problem


def test_an_altered_event_of_the_closed_period_is_found_and_names_the_close(
    closed: tuple[Closed, Tamper],
) -> None:
    store, tamper = closed[0].world.store, closed[1]
    pos, _agg, version, state = tamper.row("o2c.CustomerAccount.PaymentReceived")
    forged = re.sub(
        rb'("amount":\{"_type_":"decimal_str","_data_":")[0-9.]+', rb"\g<1>4000.00", state, count=1
    )
    assert forged != state
    tamper.set_state(pos, forged)
    close_position, _ = the_close(store)
    _, breaks = verify(store)
    assert (pos, version) in {(b.position, b.version) for b in breaks}
    assert any(
        b.position == close_position and b.problem.startswith(f"{CLOSE_PROBLEM}: the trial")
        for b in breaks
    )


def test_a_removed_event_before_the_close_changes_the_head_it_recorded(
    closed: tuple[Closed, Tamper],
) -> None:
    store, tamper = closed[0].world.store, closed[1]
    [event] = [e for e in store.read_stream(PERIOD_LOCK_ID) if e.event_type == "PeriodClosed"]
    tamper.delete(event.data["head_position"])
    _, breaks = verify(store)
    assert any(
        b.position == event.position
        and "hash-chain head" in b.problem
        and CLOSE_PROBLEM in b.problem
        for b in breaks
    )


def test_the_command_line_reports_the_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    monkeypatch.setenv("O2C_EVENT_STORE_URL", url)
    for closed in closed_world(url):
        assert main(["audit", "verify"]) == 0
        assert "1 period closes" in capsys.readouterr().out
        late = c.ReceivePayment(
            customer_id=closed.book.other, amount=Decimal("1.00"), received_on=LOCK
        )
        StaleProcess(closed.world.store, today=lambda: TODAY).handle(late)
        assert main(["audit", "verify"]) == 1
        out = capsys.readouterr().out
        assert "BROKEN (1 breaks)" in out and CLOSE_PROBLEM in out


def test_a_forged_close_is_a_break_not_a_crash(closed: tuple[Closed, Tamper]) -> None:
    store, tamper = closed[0].world.store, closed[1]
    pos, _agg, version, state = tamper.row("o2c.PeriodLock.PeriodClosed")
    forged = re.sub(rb'"head_position":[0-9]+', b'"head_position":"soon"', state, count=1)
    assert forged != state
    tamper.set_state(pos, forged)
    _, breaks = verify(store)
    problems = {
        b.problem.split(":")[0] for b in breaks if (b.position, b.version) == (pos, version)
    }
    assert problems == {"hash mismatch", "period close unreadable"}
