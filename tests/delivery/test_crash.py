"""A worker killed after the SMTP server accepted a message, before recording it: restarted, it
sends the same Message-ID once more and the delivery ends sent."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.delivery.conftest import Mailbox, open_desk, sqlite_settings


def _deliver(tmp_path: Path, smtp_url: str, *, crash: bool) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": f"sqlite:///{tmp_path / 'e.db'}",
        "O2C_READ_STORE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "O2C_SMTP_URL": smtp_url,
        "O2C_MAIL_FROM": "ar@seller.example",
        # The dead worker's lease must run out for the restarted one to take its letter.
        "O2C_DELIVERY_LEASE": "1",
        "O2C_LOG_FORMAT": "text",
    }
    env.pop("O2C_TEST_CRASH_AFTER_SEND", None)
    if crash:
        env["O2C_TEST_CRASH_AFTER_SEND"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "o2c.cli.main", "deliver", "--drain", "--timeout", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_crash_between_send_and_record_resends_the_same_message_id_once(
    mailbox: tuple[Mailbox, str], tmp_path: Path
) -> None:
    box, url = mailbox
    desk = open_desk(sqlite_settings(tmp_path, smtp_url=url))
    try:
        queued = [desk.queue(to=f"c{i}@customer.example") for i in range(3)]
    finally:
        desk.close()

    crashed = _deliver(tmp_path, url, crash=True)
    assert crashed.returncode == 75, crashed.stderr
    assert len(box.wait_for(1)) == 1  # accepted by the server, never recorded

    restarted = _deliver(tmp_path, url, crash=False)
    assert restarted.returncode == 0, restarted.stderr

    sent = Counter(box.message_ids())
    assert set(sent) == {f"<{d}@o2c>" for d in queued}
    assert sorted(sent.values()) == [1, 1, 2]  # the crashed one twice, same Message-ID
    desk = open_desk(sqlite_settings(tmp_path, smtp_url=url))
    try:
        assert [desk.row(d)["status"] for d in queued] == ["sent"] * 3
        assert sum(e.event_type == "DeliverySent" for e in desk.store.read_all()) == 3
    finally:
        desk.close()
