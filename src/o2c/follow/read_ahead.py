"""Reading the log one page ahead of the projections applying it (catch-up and rebuild)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore


def pages_ahead(store: EventStore, after: int, batch: int) -> Iterator[list[EventEnvelope]]:
    """The log after ``after`` in pages of ``batch``, the next page read (a database round trip,
    then decoding) while the caller applies this one. At most two pages wait, so memory stays
    flat however long the log is."""
    pages: queue.Queue[list[EventEnvelope] | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        position = after
        try:
            while not stop.is_set():
                page = store.read(position, batch)
                pages.put(page)
                if not page:
                    return
                position = page[-1].position
        except BaseException as error:  # handed to the caller, raised there
            pages.put(error)

    reader = threading.Thread(target=read, name="o2c-log-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = pages.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting to put a page nobody will take
            try:
                pages.get_nowait()
            except queue.Empty:
                reader.join(0.05)
