"""BAI2 writer: a ``BankStatement`` as a one-group, one-account BAI2 file.

Records are at most 80 characters; detail text runs on in ``88`` continuation records, cut
between words because the reader joins continuations with a space. The text carries the payer
with the wire tags the reader understands (``ORG:``, ``ORG-AC:``, ``OBI:``); the end-to-end id
goes in the customer reference field. Control totals and record counts are filled in.

``statement_id`` must have the form the reader composes, ``<file id>/00001``; the statement's
single date (a BAI2 group has one as-of date) must cover all its lines.
"""

from __future__ import annotations

from o2c.bank.statement import BankLine, BankStatement
from o2c_devtools.synthetic_bank.writers.layout import minor_units, word_chunks

_RECORD_WIDTH = 80
_CREDIT_TYPE = "195"  # Incoming Money Transfer
_DEBIT_TYPE = "495"  # Outgoing Money Transfer
_FIRST_GROUP = "/00001"


def write_bai2(
    statement: BankStatement, *, sender: str = "O2CBANK", receiver: str = "O2C"
) -> bytes:
    """The statement as a BAI2 file (ASCII-compatible UTF-8, LF line ends)."""
    file_id = _file_id(statement)
    if statement.created_on is None:
        raise ValueError("BAI2 requires the statement's creation date")
    as_of = statement.period_start
    if statement.period_end != as_of or any(line.booked_on != as_of for line in statement.lines):
        raise ValueError("a BAI2 group reports a single day: period and bookings must agree")
    account = [f"03,{_field(statement.account_id)},{statement.currency}/"]
    account_total = 0
    for line in statement.lines:
        account.extend(_detail(line))
        account_total += minor_units(line.amount, line.currency)
    account.append(f"49,{account_total},{len(account) + 1}/")
    group = [
        f"02,{_field(receiver)},{_field(sender)},1,{as_of:%y%m%d},,{statement.currency},2/",
        *account,
    ]
    group.append(f"98,{account_total},1,{len(group) + 1}/")
    records = [
        f"01,{_field(sender)},{_field(receiver)},{statement.created_on:%y%m%d},0600,{file_id},,,2/",
        *group,
    ]
    records.append(f"99,{account_total},1,{len(records) + 1}/")
    return ("\n".join(records) + "\n").encode("utf-8")


def _file_id(statement: BankStatement) -> str:
    if not statement.statement_id.endswith(_FIRST_GROUP):
        raise ValueError("BAI2 statement ids look like '<file id>/00001'")
    return _field(statement.statement_id.removesuffix(_FIRST_GROUP))


def _detail(line: BankLine) -> list[str]:
    head = ",".join(
        [
            "16",
            _CREDIT_TYPE if line.credit else _DEBIT_TYPE,
            str(minor_units(line.amount, line.currency)),
            "Z",
            _field(line.bank_reference or ""),
            _field(line.end_to_end_id or ""),
        ]
    )
    text = _text(line)
    if not text:
        return [f"{head},/"]
    if text.endswith("/") or any(word.endswith("/") for word in text.split()):
        # A record ending in '/' is read as a field delimiter, so the slash would be lost.
        raise ValueError(f"BAI2 text cannot end a word with '/': {text!r}")
    first_width = _RECORD_WIDTH - len(head) - 1
    words = text.split()
    first: list[str] = []
    while words and len(" ".join([*first, words[0]])) <= first_width:
        first.append(words.pop(0))
    records = [f"{head},{' '.join(first)}"]
    records.extend(f"88,{chunk}" for chunk in word_chunks(" ".join(words), _RECORD_WIDTH - 3))
    return records


def _text(line: BankLine) -> str:
    parts = []
    if line.payer_name:
        parts.append(f"ORG:{line.payer_name}")
    if line.payer_iban:
        parts.append(f"ORG-AC:{line.payer_iban}")
    if line.remittance:
        parts.append(f"OBI:{line.remittance}")
    return " ".join(parts)


def _field(value: str) -> str:
    # Commas separate fields and '/' ends a record: neither may appear inside a field.
    if "," in value or "/" in value:
        raise ValueError(f"BAI2 fields cannot contain ',' or '/': {value!r}")
    return value
