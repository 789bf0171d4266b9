"""The demo book sends letters as a new user's first run would: `o2c demo` then `o2c deliver`,
each its own process, without SMTP, so every letter lands in the outbox as an .eml file."""

from __future__ import annotations

from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.delivery.test_letters import _cli


def _kind(path: Path) -> str:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    return str(attachment.get_filename()).split("-", 1)[0]


def test_the_demo_writes_its_invoices_reminders_and_statements_to_the_outbox(
    tmp_path: Path,
) -> None:
    loaded = _cli(tmp_path, "demo", "--customers", "40")
    assert loaded.returncode == 0, loaded.stderr
    delivered = _cli(tmp_path, "deliver", "--drain", "--timeout", "120")
    assert delivered.returncode == 0, delivered.stderr
    kinds = Counter(_kind(p) for p in (tmp_path / "outbox").glob("*.eml"))
    # Every third customer's invoices of the last six weeks, the reminders of the runs in
    # those weeks, and this month's statements.
    assert set(kinds) == {"invoice", "reminder", "statement"}, kinds
