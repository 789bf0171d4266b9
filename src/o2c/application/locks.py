"""One command at a time per customer account, within a process.

Commands on the same account (fifty payments arriving at once) would otherwise all load the same
version, all but one lose the save race, and retry until some give up. Queueing them on a lock
per account turns that into a short wait. Across processes the optimistic version check still
decides; this only removes the pointless races inside one.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable


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
