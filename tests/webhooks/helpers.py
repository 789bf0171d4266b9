"""Assertions shared by the webhook tests."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Any


def first_occurrences(ids: Iterable[str]) -> list[str]:
    """``ids`` with repeats removed, each kept where it first appeared."""
    return list(dict.fromkeys(ids))


def positions(events: Iterable[dict[str, Any]]) -> list[int]:
    """The log positions the received CloudEvents carry."""
    return [int(e["o2cposition"]) for e in events]


def non_decreasing(values: list[int]) -> bool:
    """True if the values never go back (repeats allowed: at-least-once)."""
    return all(a <= b for a, b in pairwise(values))
