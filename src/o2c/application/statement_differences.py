"""A statement sent again under the id it was recorded with: the same, or different content.

A bank statement is recorded once, under the account and the file's own statement id; sending
the same file again changes nothing. A file that reuses the id for other content (a corrected
statement, a bank reusing ids, an edited file) must not pass for "seen before": its lines would
silently never be applied. So the content is compared with what was recorded, and a difference
is refused, naming it. What is compared is what the statement says about money: the currency,
the period and every line's booking (date, amount, direction, references, payer, remittance).
The format and the file's creation time are not: a re-delivered copy may carry a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from o2c import commands as c
from o2c.domain.errors import RuleViolation

# The fields of a line that say what was booked; ``duplicate_of`` depends on what came before.
LINE_FIELDS = (
    "booked_on",
    "amount",
    "credit",
    "bank_reference",
    "remittance",
    "payer_name",
    "payer_iban",
    "end_to_end_id",
)
# At most this many differences are listed; the count says how many there are.
SHOWN = 20


class StatementDiffers(RuleViolation):
    """A statement with this id was recorded with other content (409)."""

    default_code = "statement-differs"

    def __init__(self, cmd: c.ImportBankStatement, differences: list[str]) -> None:
        more = len(differences) - 1
        super().__init__(
            f"statement {cmd.statement_id!r} of account {cmd.account_id} was imported before "
            f"with other content: {differences[0]}"
            + (f" (and {more} more difference{'s' if more > 1 else ''})" if more else "")
        )
        self.differences = differences[:SHOWN]
        self.count = len(differences)


def differences(recorded: Any, cmd: c.ImportBankStatement) -> list[str]:
    """What ``cmd`` says otherwise than the recorded ``BankStatementImported`` event."""
    found = [
        f"{name}: {_shown(getattr(recorded, name))} recorded, {_shown(getattr(cmd, name))} in "
        "this file"
        for name in ("currency", "period_start", "period_end")
        if getattr(recorded, name) != getattr(cmd, name)
    ]
    found.extend(_line_differences(recorded.lines, cmd.lines))
    return found


def _line_differences(
    recorded: Iterable[Mapping[str, Any]], lines: Iterable[c.BankLineIn]
) -> list[str]:
    before = {line["line_id"]: line for line in recorded}
    now = {line.line_id: line for line in lines}
    found = []
    for line_id, line in now.items():
        old = before.get(line_id)
        if old is None:
            found.append(f"line {line_id}: not in the recorded statement")
            continue
        for name in LINE_FIELDS:
            if old.get(name) != getattr(line, name):
                found.append(
                    f"line {line_id}: {name} {_shown(old.get(name))} recorded, "
                    f"{_shown(getattr(line, name))} in this file"
                )
    found.extend(
        f"line {line_id}: recorded, not in this file" for line_id in before if line_id not in now
    )
    return found


def _shown(value: object) -> str:
    return "none" if value is None else repr(value) if isinstance(value, str) else str(value)
