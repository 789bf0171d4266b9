"""BAI2 (cash management balance reporting) reader on top of the ``bai2`` package.

Why ``bai2``: it is the maintained BAI2 parser on PyPI (ministryofjustice, MIT), it knows the
record layout, the type-code table (which codes are credits, which debits), continuation
records and the control totals, and it checks those totals, which catches truncated and
corrupted files. It does not say where it failed, so its record iterator is replaced by one that
also knows each record's line; the parser only uses ``current_record`` and ``advance()``.

BAI2 carries no structured payer fields. Detail text is read with the tags US banks use for
wires: ``ORG:<payer name>``, ``ORG-AC:<payer account>`` and ``OBI:<remittance>``
(originator-to-beneficiary information, the rest of the text); untagged text is all
remittance. The customer reference field is the payer's end-to-end reference.

Mapping: one ``BankStatement`` per account of each group; ``statement_id`` is
``<file id>/<group number, 5 digits>`` (file ids are only unique per sender and day: a file of
another day reusing one is refused on import, its as-of date and lines differing from the
statement recorded under it); lines are booked on the group's as-of date;
amounts are in the currency's minor units; a type code that is neither credit nor debit is
refused, since dropping it could hide money. So are control characters (the text would reach
the immutable log), naming their line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bai2.exceptions import (  # type: ignore[import-untyped]
    IntegrityException,
    NotSupportedYetException,
    ParsingException,
)
from bai2.helpers import record_generator  # type: ignore[import-untyped]
from bai2.models import Record  # type: ignore[import-untyped]
from bai2.parsers import Bai2FileParser  # type: ignore[import-untyped]

from o2c.bank.amounts import currency_exponent, quantized
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

_RECORD = re.compile(r"(01|02|03|16|49|88|98|99),")
# Only these break lines: a vertical tab or file separator (which ``str.splitlines`` also
# breaks at) inside a record is a control character in it.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TEXT_TAG = re.compile(r"(?:^|(?<=\s))(?P<tag>ORG-AC|ORG|OBI):")
_END_OF_FILE = Record(code=None, fields=[], rows=[])
# What the bai2 parser raises for values it cannot read, besides its own exceptions.
_VALUE_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError)


class _NumberedRecords:
    """bai2's record iterator, plus the file line each record starts on."""

    def __init__(self, numbered_lines: list[tuple[int, str]]) -> None:
        self._line_numbers = [number for number, _ in numbered_lines]
        self._records: Iterator[Any] = record_generator(text for _, text in numbered_lines)
        self._rows_read = 0
        self.current_record: Any = None
        self.current_line: int | None = None
        self.previous_line: int | None = None
        self._lines_by_rows: dict[int, int] = {}
        self.advance()

    def advance(self) -> None:
        """Move to the next record; past the last one, a record no parser accepts."""
        self.previous_line = self.current_line
        record = next(self._records, _END_OF_FILE)
        if record is _END_OF_FILE:
            self.current_record, self.current_line = record, None
            return
        self.current_line = self._line_numbers[self._rows_read]
        self._rows_read += len(record.rows)
        # The parsed models keep the record's very list of rows, so it identifies them.
        self._lines_by_rows[id(record.rows)] = self.current_line
        self.current_record = record

    def line_of(self, model: Any) -> int:
        """The line a parsed record (header, detail…) starts on."""
        return self._lines_by_rows[id(model.rows)]


@dataclass(frozen=True, slots=True)
class _TaggedText:
    """A detail's text split into payer and remittance."""

    remittance: str
    payer_name: str | None
    payer_iban: str | None


def read_bai2(data: bytes) -> tuple[BankStatement, ...]:
    """Every account statement of a BAI2 file, or ``MalformedStatement`` naming the bad line."""
    numbered = _numbered_lines(data)
    records = _NumberedRecords(numbered)
    parsed = _parse(records, last_line=numbered[-1][0])
    header = parsed.header
    statements = []
    for group_number, group in enumerate(parsed.children, start=1):
        for account in group.children:
            statements.append(_statement(records, header, group, group_number, account, data))
    return tuple(statements)


def _numbered_lines(data: bytes) -> list[tuple[int, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    numbered = []
    for number, raw in enumerate(_LINE_BREAK.split(text.removeprefix("\ufeff")), start=1):
        line = raw.strip()
        if not line:
            continue
        if _CONTROL_CHARACTER.search(line):
            # The text would reach the log, which refuses control characters: refused here,
            # where the file's line can still be named.
            raise MalformedStatement("control character in the file", number)
        if not _RECORD.match(line):
            raise MalformedStatement("not a BAI2 record (two-digit record code and comma)", number)
        numbered.append((number, line))
    if not numbered:
        raise MalformedStatement("empty BAI2 file", None)
    return numbered


def _parse(records: _NumberedRecords, *, last_line: int) -> Any:
    try:
        parsed = Bai2FileParser(records, check_integrity=True).parse()
    except IntegrityException as error:
        # Totals are checked once the trailer has been read: the trailer is the culprit.
        raise MalformedStatement(str(error), records.previous_line) from None
    except (ParsingException, NotSupportedYetException, *_VALUE_ERRORS) as error:
        if records.current_line is None:
            raise MalformedStatement(f"file ends too early: {error}", last_line) from None
        raise MalformedStatement(str(error), records.current_line) from None
    if records.current_record is not _END_OF_FILE:
        raise MalformedStatement("records after the file trailer (99)", records.current_line)
    return parsed


def _statement(
    records: _NumberedRecords, header: Any, group: Any, group_number: int, account: Any, data: bytes
) -> BankStatement:
    group_line = records.line_of(group.header)
    as_of = _date_field(group.header.as_of_date, "group as-of date", group_line)
    account_line = records.line_of(account.header)
    account_id = _text_field(account.header.customer_account_number, "account number", account_line)
    currency = str(account.header.currency or group.header.currency)
    file_id = (header.file_id or "").strip()
    statement_id = (
        f"{file_id}/{group_number:05d}"
        if file_id
        else content_digest(data.decode("latin-1"), str(group_number))
    )
    lines = [_line(records, detail, currency, as_of) for detail in account.children]
    return BankStatement(
        statement_id=statement_id,
        account_id=account_id,
        currency=currency,
        created_on=header.creation_date,
        period_start=as_of,
        period_end=as_of,
        lines=identify_lines(statement_id, account_id, lines),
    )


def _line(
    records: _NumberedRecords, detail: Any, currency: str, booked_on: date
) -> UnidentifiedLine:
    line = records.line_of(detail)
    credit = _is_credit(detail.type_code, line)
    if detail.amount is None or detail.amount < 0:
        raise MalformedStatement("detail amount missing or negative", line)
    magnitude = quantized(
        Decimal(detail.amount).scaleb(-currency_exponent(currency, line=line)), currency, line=line
    )
    text = _tagged_text(detail.text or "")
    return UnidentifiedLine(
        booked_on=booked_on,
        amount=magnitude if credit else -magnitude,
        currency=currency,
        credit=credit,
        bank_reference=meaningful_reference(detail.bank_reference),
        remittance=text.remittance,
        payer_name=text.payer_name,
        payer_iban=text.payer_iban,
        end_to_end_id=meaningful_reference(detail.customer_reference),
        source_line=line,
    )


def _is_credit(type_code: Any, line: int) -> bool:
    transaction = getattr(type_code.transaction, "value", None)
    if transaction not in ("credit", "debit"):
        raise MalformedStatement(
            f"type code {type_code.code} is neither a credit nor a debit", line
        )
    return bool(transaction == "credit")


def _tagged_text(text: str) -> _TaggedText:
    text = collapse_whitespace(text)
    tags = list(_TEXT_TAG.finditer(text))
    if not tags:
        return _TaggedText(text, None, None)
    values: dict[str, str] = {}
    for index, tag in enumerate(tags):
        if tag.group("tag") == "OBI":
            # Originator-to-beneficiary information runs to the end, whatever it contains.
            values["OBI"] = text[tag.end() :]
            break
        end = tags[index + 1].start() if index + 1 < len(tags) else len(text)
        values[tag.group("tag")] = text[tag.end() : end]
    leading = text[: tags[0].start()]
    return _TaggedText(
        remittance=collapse_whitespace(f"{leading} {values.get('OBI', '')}"),
        payer_name=text_or_none(values.get("ORG")),
        payer_iban=valid_iban(collapse_whitespace(values.get("ORG-AC"))),
    )


def _date_field(value: Any, name: str, line: int) -> date:
    if not isinstance(value, date):
        raise MalformedStatement(f"{name} missing", line)
    return value


def _text_field(value: Any, name: str, line: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise MalformedStatement(f"{name} missing", line)
    return text
