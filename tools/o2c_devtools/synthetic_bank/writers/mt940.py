"""MT940 writer: a ``BankStatement`` as a SWIFT customer statement with German ``:86:`` details.

The transaction details follow the structure German banks use (and ``mt-940`` decodes): a
business transaction code, ``?00`` posting text, ``?20``–``?29`` purpose of 27 characters each
holding ``EREF+<end-to-end id>SVWZ+<remittance>``, ``?31`` the payer's IBAN, ``?32``/``?33`` the
payer's name. ``:13D:`` (creation time, borrowed from MT942 as several banks do) carries the
creation date; ``:60F:`` and ``:62F:`` date the period, opening at zero.

``statement_id`` must have the form the reader composes, ``<:20: reference>/<:28C: number>``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from o2c.bank.statement import BankLine, BankStatement
from o2c_devtools.synthetic_bank.writers.layout import amount_text, fixed_chunks

_STATEMENT_ID = re.compile(r"(?P<reference>[^/].{0,15}?)/(?P<number>\d{1,5}(?:/\d{1,5})?)")
_LINE_WIDTH = 65
_SUBFIELD_WIDTH = 27
_PURPOSE_SUBFIELDS = 10
_NAME_SUBFIELDS = 2
_MAX_BANK_REFERENCE = 16


def write_mt940(statement: BankStatement) -> bytes:
    """The statement as one MT940 message (UTF-8, CRLF line ends, ``-`` terminated)."""
    match = _STATEMENT_ID.fullmatch(statement.statement_id)
    if match is None:
        raise ValueError("MT940 statement ids look like '<reference up to 16>/<00001[/001]>'")
    total = sum((line.amount for line in statement.lines), Decimal(0))
    fields = [
        f":20:{match.group('reference')}",
        f":25:{statement.account_id}",
        f":28C:{match.group('number')}",
    ]
    if statement.created_on is not None:
        fields.append(f":13D:{_yymmdd(statement.created_on)}0600+0000")
    fields.append(_balance("60F", statement.period_start, Decimal(0), statement.currency))
    for line in statement.lines:
        fields.append(_statement_line(line))
        fields.extend(_wrapped(f":86:{_details(line)}"))
    fields.append(_balance("62F", statement.period_end, total, statement.currency))
    fields.append("-")
    return ("\r\n".join(fields) + "\r\n").encode("utf-8")


def _balance(tag: str, day: date, amount: Decimal, currency: str) -> str:
    mark = "C" if amount >= 0 else "D"
    return f":{tag}:{mark}{_yymmdd(day)}{currency}{_amount(amount, currency)}"


def _statement_line(line: BankLine) -> str:
    booked = _yymmdd(line.booked_on)
    mark = "C" if line.credit else "D"
    text = f":61:{booked}{booked[2:]}{mark}{_amount(line.amount, line.currency)}NTRFNONREF"
    if line.bank_reference:
        if len(line.bank_reference) > _MAX_BANK_REFERENCE or "//" in line.bank_reference:
            raise ValueError(f"MT940 bank reference too long: {line.bank_reference!r}")
        text += f"//{line.bank_reference}"
    return text


def _details(line: BankLine) -> str:
    code, posting = ("166", "SEPA-GUTSCHRIFT") if line.credit else ("177", "SEPA-UEBERWEISUNG")
    purpose = f"EREF+{line.end_to_end_id or 'NOTPROVIDED'}"
    if line.remittance:
        purpose += f"SVWZ+{line.remittance}"
    details = f"{code}?00{posting}?109310"
    details += _subfields(purpose, first=20, limit=_PURPOSE_SUBFIELDS, what="purpose")
    if line.payer_iban:
        details += f"?31{_checked(line.payer_iban)}"
    if line.payer_name:
        details += _subfields(line.payer_name, first=32, limit=_NAME_SUBFIELDS, what="payer name")
    return details


def _subfields(text: str, *, first: int, limit: int, what: str) -> str:
    chunks = fixed_chunks(_checked(text), _SUBFIELD_WIDTH)
    if len(chunks) > limit:
        raise ValueError(f"MT940 {what} longer than {limit * _SUBFIELD_WIDTH} characters")
    return "".join(f"?{first + index}{chunk}" for index, chunk in enumerate(chunks))


def _checked(text: str) -> str:
    # '?' opens a sub-field in structured details; it cannot appear inside one.
    if "?" in text:
        raise ValueError(f"MT940 details cannot carry '?': {text!r}")
    return text


def _wrapped(field: str) -> list[str]:
    """The field cut into lines of at most 65 characters at places a reader keeps intact.

    Lines break before a ``?`` sub-field where one is in reach, as banks do. The reader joins
    continuation lines without a separator after trimming trailing blanks, so no line may end in
    a space; nor may one start with ':' or '-' (a tag or a message terminator).
    """
    lines = []
    rest = field
    while len(rest) > _LINE_WIDTH:
        cut = rest.rfind("?", 1, _LINE_WIDTH + 1)
        if cut <= 0 or rest[cut - 1] == " ":
            cut = _LINE_WIDTH
        while cut > 1 and (rest[cut - 1] == " " or rest[cut] in ":-"):
            cut -= 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return lines


def _amount(amount: Decimal, currency: str) -> str:
    text = amount_text(amount, currency, decimal_separator=",")
    # SWIFT amounts always carry the decimal comma, even without decimals: ``1250,``.
    return text if "," in text else f"{text},"


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")
