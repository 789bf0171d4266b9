"""Whatever the SMTP server answers, every delivery ends sent or failed for good, within its
attempts, and never goes out under two Message-IDs."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.delivery.conftest import FAST, Mailbox, open_desk, sqlite_settings


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    letters=st.integers(min_value=1, max_value=4),
    answers=st.lists(st.booleans(), min_size=0, max_size=30),
)
def test_random_refusals_end_every_delivery_within_its_attempts(
    mailbox: tuple[Mailbox, str], letters: int, answers: list[bool]
) -> None:
    box, url = mailbox
    refusals = iter(answers)
    box.messages.clear()
    box.refuse = lambda: next(refusals, False)
    with tempfile.TemporaryDirectory() as tmp:
        desk = open_desk(sqlite_settings(Path(tmp), smtp_url=url), FAST)
        try:
            queued = [desk.queue(to=f"c{i}@customer.example") for i in range(letters)]
            worker = desk.parts.worker
            assert worker is not None
            assert worker.drain(60.0)
            received = Counter(box.message_ids())
            assert set(received) <= {f"<{d}@o2c>" for d in queued}
            for delivery_id in queued:
                row = desk.row(delivery_id)
                assert row["status"] in ("sent", "failed")
                assert 1 <= row["attempts"] <= FAST.max_attempts
                copies = received[f"<{delivery_id}@o2c>"]
                assert copies == (1 if row["status"] == "sent" else 0)
                failures = [
                    e.data
                    for e in desk.store.read_stream(delivery_id)
                    if e.event_type == "DeliveryFailed"
                ]
                assert [f["attempt"] for f in failures] == list(range(1, len(failures) + 1))
                finals = [f["final"] for f in failures]
                ended_failed = row["status"] == "failed"
                assert finals == [False] * (len(finals) - ended_failed) + [True] * ended_failed
        finally:
            desk.close()
