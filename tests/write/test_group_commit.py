"""Group commit: concurrent saves share a transaction; each keeps its own outcome.

The batching is driven here by a stand-in for the transaction (``Transactions``) that can hold
the first write open while other saves queue up behind it, so which saves share a batch is
decided by the test, not by timing luck. ``test_group_commit_pg.py`` runs commands through the
real recorder on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from o2c.application.context import NO_CONDITIONS, SaveConditions
from o2c.eventstore.group_commit import GroupCommit
from o2c.eventstore.save_conditions import StaleSave


class Transactions:
    """Records each transaction's events, numbers them, and refuses a duplicate version or a
    transaction whose conditions do not hold before it (as the recorders do)."""

    def __init__(self) -> None:
        self.written: list[list[StoredEvent]] = []
        self.keys: set[tuple[UUID, int]] = set()
        self.next_id = 1
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.hold_first = False
        self.fail_with: BaseException | None = None

    def insert(
        self, events: Sequence[StoredEvent], conditions: SaveConditions = NO_CONDITIONS
    ) -> list[int]:
        if self.hold_first:
            self.hold_first = False
            self.holding.set()
            assert self.hold.wait(10)
        if self.fail_with is not None:
            raise self.fail_with
        for stream, version in conditions.unchanged:
            if max((v for s, v in self.keys if s == stream), default=0) != version:
                raise StaleSave
        if conditions.log_position not in (None, self.next_id - 1):
            raise StaleSave
        keys = [(e.originator_id, e.originator_version) for e in events]
        if self.keys & set(keys) or len(set(keys)) < len(keys):
            raise IntegrityError("duplicate key value violates unique constraint")
        self.keys |= set(keys)
        self.written.append(list(events))
        ids = list(range(self.next_id, self.next_id + len(events)))
        self.next_id += len(events)
        return ids


def events(stream: UUID | None = None, versions: Sequence[int] = (1,)) -> list[StoredEvent]:
    stream = stream or uuid4()
    return [StoredEvent(stream, v, "topic", b"{}") for v in versions]


def queued_behind_a_held_write(
    group: GroupCommit,
    tx: Transactions,
    saves: list[list[StoredEvent]],
    conditions: dict[int, SaveConditions] | None = None,
) -> tuple[object, dict[int, object]]:
    """Start a first save whose write is held open, queue ``saves`` behind it, release it.

    Returns the first save's outcome and each queued save's (ids or the exception)."""
    tx.hold_first = True
    outcomes: dict[int, object] = {}
    conditions = conditions or {}

    def save(n: int, evs: list[StoredEvent]) -> None:
        try:
            outcomes[n] = group.write(evs, conditions.get(n, NO_CONDITIONS))
        except Exception as exc:
            outcomes[n] = exc

    first = threading.Thread(target=save, args=(-1, events()))
    first.start()
    assert tx.holding.wait(10)
    threads = [threading.Thread(target=save, args=(n, s)) for n, s in enumerate(saves)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while group.waiting < len(saves) and time.monotonic() < deadline:
        time.sleep(0.005)
    tx.hold.set()
    for t in [first, *threads]:
        t.join(10)
    return outcomes.pop(-1), outcomes


def test_a_lone_save_is_written_at_once_in_its_own_transaction() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    assert group.write(events(versions=(1, 2))) == [1, 2]
    assert len(tx.written) == 1 and group.batches == 1 and group.saves == 1


def test_saves_arriving_during_a_write_share_the_next_transaction() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    saves = [events(versions=(1, 2)) for _ in range(5)]
    first, outcomes = queued_behind_a_held_write(group, tx, saves)
    assert first == [1]
    assert len(tx.written) == 2  # the held one, then all five together
    assert len(tx.written[1]) == 10
    ids = sorted(tuple(v) for v in outcomes.values())  # type: ignore[call-overload]
    assert ids == [(2, 3), (4, 5), (6, 7), (8, 9), (10, 11)]
    # Each save got the ids of its own events, in the order they were written.
    for n, save in enumerate(saves):
        got = outcomes[n]
        assert isinstance(got, list)
        written = [e for batch in tx.written for e in batch]
        assert [written[i - 1] for i in got] == save


def test_two_saves_of_one_batch_writing_the_same_version_refuse_only_the_later() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    stream = uuid4()
    saves = [events(stream, (4,)), events(), events(stream, (4,))]
    _, outcomes = queued_behind_a_held_write(group, tx, saves)
    refused = [n for n, o in outcomes.items() if isinstance(o, IntegrityError)]
    assert len(refused) == 1
    assert sum(isinstance(o, list) for o in outcomes.values()) == 2
    assert len(tx.written) == 2  # the held save, then one batch of the two others


def test_a_batch_that_loses_a_race_outside_is_written_again_save_by_save() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    stream = uuid4()
    tx.keys.add((stream, 1))  # another process wrote version 1 of this stream first
    saves = [events(), events(stream, (1,)), events()]
    _, outcomes = queued_behind_a_held_write(group, tx, saves)
    assert isinstance(outcomes[1], IntegrityError)
    assert isinstance(outcomes[0], list) and isinstance(outcomes[2], list)
    assert [len(batch) for batch in tx.written] == [1, 1, 1]  # held, then each alone


def test_a_failed_transaction_fails_every_save_of_its_batch() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    tx.fail_with = OperationalError("the server closed the connection")
    saves = [events(), events()]
    first, outcomes = queued_behind_a_held_write(group, tx, saves)
    assert isinstance(first, OperationalError)
    assert all(isinstance(o, OperationalError) for o in outcomes.values())
    assert tx.written == []
    tx.fail_with = None
    assert group.write(events()) == [1]  # the next save is not stuck behind the failure


@pytest.mark.parametrize("saves", [70, 130])
def test_a_batch_is_bounded(saves: int) -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    _, outcomes = queued_behind_a_held_write(group, tx, [events() for _ in range(saves)])
    assert [o for o in outcomes.values() if not isinstance(o, list)] == []
    assert max(len(batch) for batch in tx.written) <= 64


def queued_in_order(
    group: GroupCommit, tx: Transactions, saves: list[tuple[list[StoredEvent], SaveConditions]]
) -> dict[int, object]:
    """Like ``queued_behind_a_held_write``, each save queued only once the one before it is."""
    tx.hold_first = True
    outcomes: dict[int, object] = {}

    def save(n: int, evs: list[StoredEvent], conditions: SaveConditions) -> None:
        try:
            outcomes[n] = group.write(evs, conditions)
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=save, args=(-1, events(), NO_CONDITIONS))]
    threads[0].start()
    assert tx.holding.wait(10)
    for n, (evs, conditions) in enumerate(saves):
        threads.append(threading.Thread(target=save, args=(n, evs, conditions)))
        threads[-1].start()
        deadline = time.monotonic() + 10
        while group.waiting < n + 1 and time.monotonic() < deadline:
            time.sleep(0.002)
    tx.hold.set()
    for t in threads:
        t.join(10)
    return outcomes


LOCK_V1 = SaveConditions(unchanged=((UUID(int=7), 1),))


def test_a_save_relying_on_a_stream_an_earlier_save_of_its_batch_writes_is_refused() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    tx.keys.add((UUID(int=7), 1))
    closing = (events(UUID(int=7), (2,)), NO_CONDITIONS)  # moves the lock to version 2
    dated = (events(), LOCK_V1)  # checked the lock at version 1
    outcomes = queued_in_order(group, tx, [closing, dated, (events(), NO_CONDITIONS)])
    assert isinstance(outcomes[0], list) and isinstance(outcomes[2], list)
    assert isinstance(outcomes[1], StaleSave)
    assert [len(batch) for batch in tx.written] == [1, 2]  # held, then the two others


def test_a_save_relying_on_a_stream_a_later_save_of_its_batch_writes_goes_first() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    tx.keys.add((UUID(int=7), 1))
    dated = (events(), LOCK_V1)
    closing = (events(UUID(int=7), (2,)), NO_CONDITIONS)
    outcomes = queued_in_order(group, tx, [dated, closing])
    assert all(isinstance(o, list) for o in outcomes.values())
    assert [len(batch) for batch in tx.written] == [1, 2]


def test_a_batch_whose_conditions_fail_outside_refuses_only_the_save_that_relied_on_them() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    tx.keys |= {(UUID(int=7), 1), (UUID(int=7), 2)}  # another process moved the lock
    saves = [(events(), NO_CONDITIONS), (events(), LOCK_V1), (events(), NO_CONDITIONS)]
    outcomes = queued_in_order(group, tx, saves)
    assert isinstance(outcomes[1], StaleSave)
    assert isinstance(outcomes[0], list) and isinstance(outcomes[2], list)
    assert [len(batch) for batch in tx.written] == [1, 1, 1]  # held, then each alone


def test_a_save_that_needs_the_log_where_it_read_it_starts_a_batch_of_its_own() -> None:
    tx = Transactions()
    group = GroupCommit(tx.insert)
    # Held save: position 1; the save before the close: 2; the close read the log up to 2.
    close = (events(), SaveConditions(log_position=2))
    outcomes = queued_in_order(
        group, tx, [(events(), NO_CONDITIONS), close, (events(), NO_CONDITIONS)]
    )
    assert outcomes == {-1: [1], 0: [2], 1: [3], 2: [4]}
    assert [len(batch) for batch in tx.written] == [1, 1, 2]  # the close leads its batch
