"""Two workers on PostgreSQL, each with its own connections, never send one delivery twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from o2c.config import Settings
from tests.delivery.conftest import FAST, Desk, Mailbox, open_desk


def test_two_workers_share_the_queue_without_sending_anything_twice(
    mailbox: tuple[Mailbox, str], tmp_path: Path, pg_databases: Callable[[], str]
) -> None:
    box, url = mailbox
    events, reads = pg_databases(), pg_databases()
    settings = Settings(
        event_store_url=events,
        read_store_url=reads,
        smtp_url=url,
        outbox_dir=str(tmp_path / "outbox"),
    )
    desks: list[Desk] = [open_desk(settings, FAST) for _ in range(2)]
    try:
        queued = {str(desks[0].queue(to=f"c{i}@customer.example")) for i in range(60)}
        results: list[bool] = []
        threads = [
            threading.Thread(target=lambda d=d: results.append(d.parts.worker.drain(60.0)))  # type: ignore[union-attr]
            for d in desks
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [True, True]
        sent = Counter(box.message_ids())
        assert sent == Counter({f"<{d}@o2c>": 1 for d in queued})
        workers = [d.parts.worker for d in desks]
        assert sum(w.sent for w in workers if w is not None) == len(queued)
    finally:
        for desk in desks:
            desk.close()
