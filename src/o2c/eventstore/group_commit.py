"""Group commit: the saves of concurrent commands written in one PostgreSQL transaction.

Every save takes the events table's lock (so the notification log commits in id order and the
relay never passes over a gap that fills in later), inserts, and commits: under concurrent load
the commands queue on that lock and each pays its own round trips and WAL flush. Here the first
save to arrive writes at once (a lone command waits for nobody); saves that arrive while it is
writing queue up, and the next of them to run writes the whole queue in one transaction, one
lock, one insert and one flush.

Each save's events are encoded before they get here — with its own command's metadata and its
streams' hash chains — and keep them: a batch only changes how many commits carry them. A batch
is all or nothing, like a single save. Two saves of a batch that write the same version of the
same stream are a race inside the batch: the later one is refused alone, as the unique index
would have refused it, and the others go on. If the batch fails on the index anyway (another
process got there first), every save of it is written again alone, so only the one that lost
the race is refused and retried by its command.

A save's conditions (``SaveConditions``) are checked once for the whole batch, in its transaction
and before its insert, so they see the store as it was before the batch: a save relying on a
stream an earlier save of the same batch writes (a payment behind the close that moves the
period lock) is refused at once, and a save that needs the log to end where its trial balance
ended (a close) starts a batch of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eventsourcing.persistence import IntegrityError, StoredEvent

from o2c.application.context import NO_CONDITIONS, SaveConditions
from o2c.eventstore.save_conditions import StaleSave, all_of

Insert = Callable[[Sequence[StoredEvent], SaveConditions], Sequence[int] | None]

# A batch stays a short transaction: at most this many saves, or this much state.
MAX_SAVES = 64
MAX_BYTES = 8_000_000


@dataclass
class _Save:
    """One command's events waiting to be written, and what became of them."""

    events: Sequence[StoredEvent]
    conditions: SaveConditions = NO_CONDITIONS
    ids: Sequence[int] | None = None
    error: BaseException | None = None
    done: bool = False
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(len(e.state) for e in self.events)

    def outcome(self) -> Sequence[int] | None:
        if self.error is not None:
            raise self.error
        return self.ids


class GroupCommit:
    """Writes queued saves in batches through ``insert`` (one transaction per call)."""

    def __init__(self, insert: Insert) -> None:
        self.insert = insert
        self._queue: list[_Save] = []
        self._writing = False
        self._changed = threading.Condition()
        self.batches = 0  # transactions written, and saves in them: for tests and metrics
        self.saves = 0

    def write(
        self, events: Sequence[StoredEvent], conditions: SaveConditions = NO_CONDITIONS
    ) -> Sequence[int] | None:
        """Write one save's events (with whatever else is queued), once ``conditions`` are
        checked; their notification ids."""
        save = _Save(events, conditions)
        with self._changed:
            self._queue.append(save)
        while True:
            with self._changed:
                while not save.done and self._writing:
                    self._changed.wait()
                if save.done:
                    return save.outcome()
                self._writing = True
                # Oldest first: with a full batch ahead of it, this save waits for the next.
                batch = self._take_batch()
            try:
                self._write_batch(batch)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Saves queued and not yet taken into a batch."""
        with self._changed:
            return len(self._queue)

    def _take_batch(self) -> list[_Save]:
        batch: list[_Save] = []
        size = 0
        while self._queue and len(batch) < MAX_SAVES:
            if batch and size + self._queue[0].size > MAX_BYTES:
                break
            if batch and self._queue[0].conditions.log_position is not None:
                break  # it needs the log as it is before the batch: first of the next one
            save = self._queue.pop(0)
            batch.append(save)
            size += save.size
        return batch

    def _write_batch(self, batch: list[_Save]) -> None:
        try:
            writable = _refuse_races_within(batch)
            if len(writable) == 1:
                self._write_alone(writable[0])
            elif writable:
                self._write_together(writable)
        except BaseException as error:  # the batch's transaction failed: nothing of it stored
            for save in batch:
                if not save.done:
                    save.error, save.done = error, True
        finally:
            self.batches += 1
            self.saves += len(batch)

    def _write_together(self, batch: list[_Save]) -> None:
        try:
            ids = self.insert(
                [e for save in batch for e in save.events],
                all_of([save.conditions for save in batch]),
            )
        except IntegrityError:
            # Some save lost a race to another process: find which, each in its own transaction.
            for save in batch:
                self._write_alone(save)
            return
        start = 0
        for save in batch:
            end = start + len(save.events)
            save.ids = None if ids is None else list(ids[start:end])
            save.done = True
            start = end

    def _write_alone(self, save: _Save) -> None:
        try:
            save.ids = self.insert(save.events, save.conditions)
        except IntegrityError as error:
            save.error = error
        save.done = True


def _refuse_races_within(batch: list[_Save]) -> list[_Save]:
    """The saves that can go into one transaction; a save writing a stream version an earlier
    save of the batch writes is refused now, as the unique index would refuse it, and so is a
    save relying on a stream an earlier save of the batch writes, as its conditions would."""
    taken: set[tuple[object, int]] = set()
    written: set[object] = set()
    writable: list[_Save] = []
    for save in batch:
        keys = {(e.originator_id, e.originator_version) for e in save.events}
        if keys & taken:
            save.error = IntegrityError("another save of the same batch wrote this version first")
            save.done = True
            continue
        if any(stream in written for stream, _ in save.conditions.unchanged):
            save.error, save.done = StaleSave(), True
            continue
        taken |= keys
        written |= {stream for stream, _ in keys}
        writable.append(save)
    return writable
