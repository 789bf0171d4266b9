"""Text a read table can store, whatever the event log holds.

The command models refuse control characters, but the log is immutable and may already hold an
event from before that rule (or written by another tool). PostgreSQL text cannot contain NUL
(U+0000), and no UTF-8 column can hold an unpaired surrogate; one such string in a batch would
stop the projections for good. Projections therefore see each such character replaced by U+FFFD
(the Unicode replacement character): visible in every read model and report, and one character
for one, so a replaced value still fits the column sized for the original. The log keeps the
original, which ``o2c audit`` shows.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from o2c.events.envelope import EventEnvelope

REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with NUL and unpaired surrogates replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text) if _unstorable(text) else text


def storable_value(value: Any) -> Any:
    """A JSON-native value with every string (keys included) made storable.

    Returns the very same object when nothing needs replacing (nearly always), after one scan
    that allocates nothing.
    """
    return _replaced(value) if _unstorable(value) else value


def storable_envelope(envelope: EventEnvelope) -> EventEnvelope:
    """``envelope`` itself, or a copy whose ``data`` holds only storable text."""
    if not _unstorable(envelope.data):
        return envelope
    return dataclasses.replace(envelope, data=_replaced(envelope.data))


def _unstorable(value: Any) -> bool:
    # Runs on every envelope a projection applies, so it is written for speed: exact type
    # checks, plain loops, strings tested inline, the regex only for non-ASCII text.
    kind = type(value)
    if kind is str:
        return "\x00" in value or (not value.isascii() and _unstorable_text(value))
    if kind is dict:
        for key, item in value.items():
            if "\x00" in key or (not key.isascii() and _unstorable_text(key)):
                return True
            kind = type(item)
            if kind is str:
                if "\x00" in item or (not item.isascii() and _unstorable_text(item)):
                    return True
            elif (kind is dict or kind is list) and _unstorable(item):
                return True
        return False
    if kind is list:
        for item in value:
            if _unstorable(item):
                return True
    return False


def _unstorable_text(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    return value
