"""Locks within one process: one command at a time per account; no command during a close.

Commands on the same account (fifty payments arriving at once) would otherwise all load the same
version, all but one lose the save race, and retry until some give up. Queueing them on a lock
per account turns that into a short wait. Across processes the optimistic version check still
decides; this only removes the pointless races inside one.

A period close takes the books' lock for writing, every other command for reading: a payment
dated inside the period waits while a close computes its trial balance and moves the lock date.
Across processes the event store orders the two instead: a dated command's save carries the
lock version it checked, a close's save the log position its trial balance covers, and the save
is refused (and the command retried) if either moved (``SaveConditions``). This lock only makes
the commands of one process wait for a close instead of losing that check and retrying.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager


class KeyedLocks:
    """A lock per key, created on first use and dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Hashable, tuple[threading.Lock, int]] = {}

    def acquire(self, key: Hashable) -> None:
        """Block until this thread holds the lock of ``key``."""
        with self._guard:
            lock, users = self._locks.get(key, (None, 0))
            if lock is None:
                lock = threading.Lock()
            self._locks[key] = (lock, users + 1)
        lock.acquire()

    def release(self, key: Hashable) -> None:
        """Release the lock of ``key`` (held by this thread)."""
        with self._guard:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
        lock.release()

    def __len__(self) -> int:
        """Keys currently held or waited for."""
        return len(self._locks)


class ReadersWriterLock:
    """Any number of readers, or one writer.

    A writer that waits keeps new readers out, so a steady stream of commands cannot starve a
    period close. Not reentrant: a thread must not read while it already reads or writes.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock shared with other readers."""
        with self._changed:
            while self._writing or self._writers_waiting:
                self._changed.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                if not self._readers:
                    self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock alone, once every reader has left."""
        with self._changed:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._changed.wait()
            finally:
                # Also when the wait was interrupted: readers held back for it may go on.
                self._writers_waiting -= 1
                self._changed.notify_all()
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
