"""Base class of all commands and the field types they share.

The field types are the boundary's rules, so the HTTP API and the CSV import refuse the same
input with the same error:

* Text never holds a C0 control character (U+0000-U+001F) or DEL (U+007F); free text that may
  span lines (reasons, descriptions) may hold tab and newline. The event log is immutable, so it
  must never take text a read model cannot store (PostgreSQL text cannot hold NUL) or that
  would garble a statement, a CSV export or a terminal.
* Amounts are bounded in magnitude before anything computes with them: ``1e9999999`` is a valid
  ``Decimal`` but overflows the decimal context at the first arithmetic. ``-0`` is zero.
* Dates are ISO strings (or ``date`` objects from Python callers) and integers are integers: a
  JSON number is not a date (``{"as_of": 0}`` would be 1970-01-01) and ``true`` is not 1.

Each command also says where its business date is (``DATED_BY``), so the period lock and the
rule that no fact is dated in the future are checked once, before any handler runs, for every
command alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from o2c.domain.money import MAX_DIGITS

# Error types of the validators below; the HTTP edge maps them to problem types.
CONTROL_CHARACTER = "control_character"
AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
DATE_FORMAT = "date_format"

# Unpaired surrogates are refused with them: the JSON parser lets "\ud800" through, and UTF-8
# (the log's encoding) cannot represent it.
_SINGLE_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _refuse(pattern: re.Pattern[str], allowed: str) -> AfterValidator:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            raise PydanticCustomError(
                CONTROL_CHARACTER,
                "text must not contain control characters{allowed}; found U+{char} at {at}",
                {"allowed": allowed, "char": f"{ord(found.group()):04X}", "at": found.start()},
            )
        return value

    return AfterValidator(check)


# The same rule as a JSON Schema pattern, so the OpenAPI document tells clients.
_SINGLE_LINE_SCHEMA = {"pattern": "^[^\\u0000-\\u001f\\u007f]*$"}
_MULTI_LINE_SCHEMA = {"pattern": "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$"}


def _bounded_amount(value: Decimal) -> Decimal:
    # is_zero, adjusted and copy_abs never touch the decimal context, so they cannot overflow.
    if value.is_zero():
        return value.copy_abs()
    if value.adjusted() >= MAX_DIGITS:
        raise PydanticCustomError(
            AMOUNT_OUT_OF_RANGE,
            "amount must be less than 10^{digits} in magnitude",
            {"digits": MAX_DIGITS},
        )
    return value


def _iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError(DATE_FORMAT, "date must be an ISO date string (YYYY-MM-DD)")


# Single-line text (names, skus, references, methods); fields add their own length limits.
SingleLine = Annotated[str, _refuse(_SINGLE_LINE, ""), Field(json_schema_extra=_SINGLE_LINE_SCHEMA)]
# Free text that may span lines (reasons, resolutions, descriptions).
MultiLine = Annotated[
    str,
    _refuse(_MULTI_LINE, " other than tab and newline"),
    Field(json_schema_extra=_MULTI_LINE_SCHEMA),
]
Text = Annotated[SingleLine, Field(max_length=200)]
Reason = Annotated[MultiLine, Field(min_length=1, max_length=500, examples=["customer request"])]
# Amounts travel as strings ("1250.00"); the currency check happens in the domain.
Amount = Annotated[
    Decimal, Field(examples=["1250.00"], allow_inf_nan=False), AfterValidator(_bounded_amount)
]
# A date that is an ISO string on the wire (a body field or a query parameter), a ``date`` from
# Python callers.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# A business date of a command.
BusinessDate = IsoDate
# Counts and day numbers: JSON integers only (not true, 1.0 or "1").
Count = Annotated[int, Strict()]


def _values_at(value: object, path: Sequence[str]) -> Iterator[object]:
    """The values at a dotted path, fanning out over lists (``rows.issued_on``)."""
    if isinstance(value, list):
        for item in value:
            yield from _values_at(item, path)
    elif not path:
        yield value
    else:
        yield from _values_at(getattr(value, path[0]), path[1:])


class Command(BaseModel):
    """An immutable request to change state; unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where the date the command's facts are booked on is: a field, or a dotted path through a
    # list of rows ("rows.issued_on"). None: the command books no dated fact. A test keeps every
    # command in this package declared (tests/periods/test_business_dates.py).
    DATED_BY: ClassVar[str | None] = None

    def business_dates(self, today: date) -> list[date]:
        """The business dates the command's facts are booked on (a date left out is ``today``,
        as its handler books it); empty for a command that books no dated fact."""
        if self.DATED_BY is None:
            return []
        found: list[date] = []
        for value in _values_at(self, self.DATED_BY.split(".")):
            if value is not None and not isinstance(value, date):
                raise TypeError(f"{type(self).__name__}.{self.DATED_BY} is not a date")
            found.append(value or today)
        return found

    def dates_not_after_today(self, today: date) -> list[date]:
        """The dates that say when something happened, none of which may be later than today:
        the business dates, and any a command adds (a period close's ``through``)."""
        return self.business_dates(today)
