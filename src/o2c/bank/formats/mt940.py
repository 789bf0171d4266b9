"""SWIFT MT940 (customer statement) reader on top of the ``mt-940`` package.

Why ``mt-940``: it is the maintained MT940 parser on PyPI (5.x, typed, no runtime dependencies,
fixtures from many banks) and it decodes the German structured ``:86:`` sub-fields (``?20``…
``?29`` purpose, ``?31`` IBAN, ``?32``/``?33`` name, ``EREF+``/``SVWZ+``) that carry the payer
and remittance. Every opt-in fix is switched on (``Options.all()``): ``?31`` lands as the
payer's IBAN, a reversed credit (``RC``) is negative, a byte-order mark is dropped.

``mt-940`` is lenient by design and does not say where in a file it failed, so this module cuts
the file into fields itself, with their line numbers, and hands them to ``mt-940`` one at a
time: a field it rejects is named by its line. The cutting is strict where money is concerned:
text where no field may continue, an unknown ``:XX:`` tag, control characters, a ``:61:`` whose
amount is not SWIFT ``15d`` or a statement without its opening or closing balance (a truncated
file) raise ``MalformedStatement``. Lines before a statement's ``:20:`` (SWIFT envelope
``{1:…}``, a bank's header) and after its ``-`` terminator are not part of any statement.

Mapping: ``statement_id`` is ``<:20:>/<:28C:>`` as written; the account is ``:25:``; the period
runs from the opening to the closing balance's date; ``created_on`` comes from ``:13D:`` when a
bank sends one. A line's bank reference is the ``:61:`` reference after ``//``; its booking date
the ``:61:`` entry date (else the value date); its details the ``:86:`` right after it (a
``:86:`` elsewhere is about the statement, not a line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import mt940

from o2c.bank.amounts import quantized
from o2c.bank.errors import MalformedStatement
from o2c.bank.free_text import collapse_whitespace, text_or_none
from o2c.bank.iban import valid_iban
from o2c.bank.identity import (
    UnidentifiedLine,
    content_digest,
    identify_lines,
    meaningful_reference,
)
from o2c.bank.statement import BankStatement

_FIELD_START = re.compile(r":(?P<tag>\d{2}|NS)(?P<option>[A-Z])?:")
_TAG_LIKE = re.compile(r":[0-9A-Za-z]{2,3}:")
# 6!n[4!n]2a[1!a]15d1!a3!c: value date, entry date, mark, funds code, amount, type.
_STATEMENT_LINE = re.compile(
    r"\d{6}(?:\d{4}|\s{4})?(?P<mark>R?[DC])[A-Z]?(?P<amount>\d[\d,]*)[A-Z][A-Z0-9]{3}"
)
_SWIFT_AMOUNT = re.compile(r"\d+,\d*")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Fields whose text may run on over further lines, and how many lines each may take.
_CONTINUABLE = {"86": None, "NS": None, "61": 2}
_MESSAGE_END = ("-", "-}")


@dataclass(slots=True)
class _Field:
    """One ``:TAG:`` field with the lines it spans."""

    tag: str
    line: int
    texts: list[str]

    @property
    def text(self) -> str:
        """The field's text, its lines joined as ``mt-940`` expects them."""
        return "\n".join(self.texts)


@dataclass(slots=True)
class _Block:
    """The fields of one statement, from its ``:20:`` to its last field."""

    fields: list[_Field] = field(default_factory=list)
    end_line: int = 0

    @property
    def start_line(self) -> int:
        """The line of the statement's ``:20:``."""
        return self.fields[0].line

    def first(self, *tags: str) -> _Field | None:
        """The first field with one of the tags, or None."""
        return next((f for f in self.fields if f.tag in tags), None)


def read_mt940(data: bytes) -> tuple[BankStatement, ...]:
    """Every statement of an MT940 file, or ``MalformedStatement`` naming the bad line."""
    blocks = list(_blocks(_decoded(data)))
    if not blocks:
        raise MalformedStatement("no MT940 statement (:20: field) found", None)
    return tuple(_statement(block) for block in blocks)


def _decoded(data: bytes) -> str:
    # MT940 files come as UTF-8 or ISO-8859-1; the latter decodes any byte, so it is the fallback.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.removeprefix("\ufeff")


def _blocks(text: str) -> Iterator[_Block]:
    block: _Block | None = None
    current: _Field | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if not line:
            continue
        if _CONTROL_CHARACTER.search(line):
            raise MalformedStatement("control character in the file", number)
        start = _FIELD_START.match(line)
        if start and _is_known_tag(start.group("tag")):
            tag = start.group("tag") + (start.group("option") or "")
            if tag == "20":
                if block is not None:
                    yield block
                block = _Block()
            elif block is None:
                raise MalformedStatement(f"field :{tag}: outside a statement (no :20:)", number)
            current = _Field(tag, number, [line[start.end() :]])
            block.fields.append(current)
            block.end_line = number
        elif _TAG_LIKE.match(line):
            raise MalformedStatement(f"unknown field {line.split(':')[1]!r}", number)
        elif line in _MESSAGE_END or line.startswith("-}"):
            if block is not None:
                yield block
            block, current = None, None
        elif block is not None and current is not None:
            _continue_field(current, line, number)
            block.end_line = number
    if block is not None:
        yield block


def _is_known_tag(tag: str) -> bool:
    return (int(tag) if tag.isdigit() else tag) in mt940.tags.TAG_BY_ID


def _continue_field(current: _Field, line: str, number: int) -> None:
    if current.tag[:2] not in _CONTINUABLE:
        raise MalformedStatement(f"unexpected text after field :{current.tag}:", number)
    limit = _CONTINUABLE[current.tag[:2]]
    if limit is not None and len(current.texts) >= limit:
        raise MalformedStatement(f"unexpected text after field :{current.tag}:", number)
    current.texts.append(line)


def _statement(block: _Block) -> BankStatement:
    reference = _required(block, "transaction reference :20:", "20")
    account = _required(block, "account :25:", "25", "25P")
    number = _required(block, "statement number :28C:", "28C", "28")
    opening = _required(block, "opening balance :60F:", "60F", "60M")
    closing = _required(block, "closing balance :62F:", "62F", "62M")
    parsed = _parsed(block)
    currency = parsed.currency
    if currency is None:
        raise MalformedStatement("opening balance without currency", opening.line)
    statement_id = (
        f"{reference.text.strip()}/{number.text.strip()}"
        if reference.text.strip()
        else content_digest(*(f.text for f in block.fields))
    )
    account_id = account.text.strip()
    lines = list(_lines(block, parsed, currency))
    period_start = _balance_date(parsed.data, "opening", opening)
    period_end = _balance_date(parsed.data, "closing", closing)
    if period_start > period_end:
        raise MalformedStatement("closing balance dated before the opening balance", closing.line)
    return BankStatement(
        statement_id=statement_id,
        account_id=account_id,
        currency=currency,
        created_on=_created_on(block),
        period_start=period_start,
        period_end=period_end,
        lines=identify_lines(statement_id, account_id, lines),
    )


def _required(block: _Block, name: str, *tags: str) -> _Field:
    found = block.first(*tags)
    if found is None:
        raise MalformedStatement(
            f"statement from line {block.start_line} ends without its {name}", block.end_line
        )
    return found


def _parsed(block: _Block) -> mt940.models.Transactions:
    """The block run through ``mt-940`` field by field, so a failure has its field's line."""
    transactions = mt940.models.Transactions(options=mt940.Options.all())
    previous = ""
    for item in block.fields:
        if item.tag == "61":
            _check_statement_line(item)
        is_line_detail = item.tag != "86" or previous == "61"
        previous = item.tag
        if not is_line_detail:
            # A :86: not right after a :61: informs about the whole statement; mt-940 would
            # append it to the last line's details.
            continue
        try:
            transactions.parse(f":{item.tag}:{item.text}")
        # mt-940 raises RuntimeError for text its pattern rejects, and whatever the standard
        # library raises (ValueError for a 30 February, InvalidOperation…) for bad values.
        except (
            RuntimeError,
            ValueError,
            ArithmeticError,
            KeyError,
            IndexError,
            TypeError,
        ) as error:
            message = error.args[0] if error.args else type(error).__name__
            raise MalformedStatement(
                f"field :{item.tag}: unreadable: {message}", item.line
            ) from None
    return transactions


def _check_statement_line(item: _Field) -> None:
    match = _STATEMENT_LINE.match(item.text)
    if match is None or not _SWIFT_AMOUNT.fullmatch(match.group("amount")):
        raise MalformedStatement(
            "statement line :61: is not date, D/C mark, amount with decimal comma, type code",
            item.line,
        )
    if len(match.group("amount")) > 15:
        raise MalformedStatement("statement line amount longer than 15 characters", item.line)


def _credit_mark(item: _Field) -> bool:
    match = _STATEMENT_LINE.match(item.text)
    assert match is not None  # _check_statement_line ran before
    # C is a credit, D a debit; RC reverses a credit (money out), RD a debit (money in).
    return match.group("mark") in ("C", "RD")


def _lines(
    block: _Block, parsed: mt940.models.Transactions, currency: str
) -> Iterator[UnidentifiedLine]:
    statement_lines = [item for item in block.fields if item.tag == "61"]
    if len(statement_lines) != len(parsed.transactions):
        raise MalformedStatement(
            "statement lines and parsed transactions disagree", block.start_line
        )
    for item, transaction in zip(statement_lines, parsed.transactions, strict=True):
        yield _line(item, transaction.data, currency)


def _line(item: _Field, data: dict[str, Any], currency: str) -> UnidentifiedLine:
    credit = _credit_mark(item)
    line_currency = str(data.get("currency") or currency)
    magnitude = quantized(abs(Decimal(data["amount"].amount)), line_currency, line=item.line)
    booked = data.get("entry_date") or data["date"]
    return UnidentifiedLine(
        booked_on=date(booked.year, booked.month, booked.day),
        amount=magnitude if credit else -magnitude,
        currency=line_currency,
        credit=credit,
        bank_reference=meaningful_reference(data.get("bank_reference")),
        remittance=_remittance(data),
        payer_name=text_or_none(data.get("applicant_name")),
        payer_iban=valid_iban(data.get("applicant_iban")),
        end_to_end_id=meaningful_reference(data.get("end_to_end_reference")),
        source_line=item.line,
    )


def _remittance(data: dict[str, Any]) -> str:
    if "transaction_details" in data:
        # Unstructured :86: text: every line of it is remittance.
        return collapse_whitespace(data["transaction_details"])
    # Structured: ?20-?29 (or SVWZ+) then the ?60-?63 continuation, cut mid-word, so no space.
    purpose = (data.get("purpose") or "") + (data.get("additional_purpose") or "")
    return collapse_whitespace(purpose)


def _balance_date(data: dict[str, Any], which: str, item: _Field) -> date:
    balance = data.get(f"final_{which}_balance") or data.get(f"intermediate_{which}_balance")
    if balance is None or balance.date is None:
        raise MalformedStatement(f"{which} balance without a date", item.line)
    found = balance.date
    return date(found.year, found.month, found.day)


def _created_on(block: _Block) -> date | None:
    item = block.first("13D", "13")
    if item is None:
        return None
    try:
        text = item.text.strip()
        return date(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise MalformedStatement(
            f"date/time indication {item.text!r} is not YYMMDD", item.line
        ) from None
