"""Keyset paging for every list: ``limit`` (at most 1000) and an opaque ``next`` cursor.

A cursor is the sort key of the last row of a page, as base64url-encoded JSON, so it travels in
a query string untouched and the next page starts strictly after it (no offsets: a page costs the
same wherever it is in the list, and rows added meanwhile never shift it).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from o2c.domain.errors import InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def clamp(limit: int) -> int:
    """A page length between 1 and ``MAX_LIMIT``."""
    return max(1, min(int(limit), MAX_LIMIT))


def encode_cursor(key: Sequence[Any]) -> str:
    """The cursor that continues after a row with sort key ``key``."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(cursor: str | None, types: tuple[type, ...]) -> list[Any] | None:
    """The sort key a cursor names (``None`` on the first page), each part of the type the
    sort column has (a string where a number belongs would reach the database as an error)."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("bad page cursor", code="invalid-cursor") from exc
    if not isinstance(key, list) or len(key) != len(types):
        raise InvalidInput("bad page cursor", code="invalid-cursor")
    for value, kind in zip(key, types, strict=True):
        if type(value) is not kind or (isinstance(value, int) and not -(2**62) < value < 2**62):
            raise InvalidInput("bad page cursor", code="invalid-cursor")
    return key


@dataclass(frozen=True)
class PageSpec:
    """A page of the portfolio: where it starts, how long it is, what it is ordered by.

    Sorted by id the cursor is the last customer id; sorted by name it is the last
    (name, id) pair, encoded like every other cursor.
    """

    after: str | None
    limit: int
    sort: str

    def position(self) -> tuple[str, ...] | None:
        """The cursor as key values (``None`` on the first page)."""
        if not self.after:
            return None
        if self.sort == "id":
            return (self.after,)
        key = decode_cursor(self.after, (str, str))
        assert key is not None
        return (str(key[0]), str(key[1]))

    def cursor_of(self, row: dict[str, Any]) -> str:
        """The cursor that continues after ``row``."""
        if self.sort == "id":
            return str(row["customer_id"])
        return encode_cursor([row["name"], row["customer_id"]])
