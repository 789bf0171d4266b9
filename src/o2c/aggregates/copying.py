"""Copying aggregates for a command without copying their history.

The library hands every command a deep copy of the cached aggregate, so that a command that
fails part-way leaves the cached one untouched. A generic deep copy walks every object in the
state and cost a busy account more than the command itself. The aggregates that mix this in
keep only immutable values (``Decimal``, ``date``, ``UUID``, ``str``, frozen dataclasses) inside
their containers, and never mutate a value in place: copying each container one level deep is
then a complete deep copy, at the price of a ``memcpy`` of its slots.
"""

from __future__ import annotations

from typing import Any, Self


def _one_level(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, set):
        return set(value)
    return value


class CopiesOneLevelDeep:
    """Mixin: ``copy.deepcopy`` copies the state's containers, and shares their immutable items."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        clone = object.__new__(type(self))
        state = {key: _one_level(value) for key, value in self.__dict__.items()}
        object.__setattr__(clone, "__dict__", state)
        return clone
