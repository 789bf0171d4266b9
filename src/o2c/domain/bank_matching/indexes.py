"""Sorted views of open invoices that stay sorted as invoices are paid: by amount, by due date."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID


class AmountIndex:
    """Invoice ids ordered by an amount, for exact (± tolerance) and nearest look-ups."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[Decimal, UUID]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, amount: Decimal, invoice_id: UUID) -> None:
        insort(self._entries, (amount, invoice_id))

    def remove(self, amount: Decimal, invoice_id: UUID) -> None:
        index = bisect_left(self._entries, (amount, invoice_id))
        if index < len(self._entries) and self._entries[index] == (amount, invoice_id):
            del self._entries[index]

    def within(self, amount: Decimal, tolerance: Decimal) -> list[UUID]:
        """The ids whose amount is ``amount`` ± ``tolerance``."""
        low = bisect_left(self._entries, (amount - tolerance,))
        high = bisect_right(self._entries, (amount + tolerance, _MAX_UUID))
        return [invoice_id for _, invoice_id in self._entries[low:high]]

    def nearest(self, amount: Decimal, count: int) -> list[UUID]:
        """Up to ``count`` ids whose amount is closest to ``amount``."""
        entries = self._entries
        high = bisect_left(entries, (amount,))
        low = high - 1
        picked: list[UUID] = []
        while len(picked) < count and (low >= 0 or high < len(entries)):
            take_high = high < len(entries) and (
                low < 0 or entries[high][0] - amount <= amount - entries[low][0]
            )
            if take_high:
                picked.append(entries[high][1])
                high += 1
            else:
                picked.append(entries[low][1])
                low -= 1
        return picked


_MAX_UUID = UUID(int=(1 << 128) - 1)


class DueIndex:
    """One customer's open invoice ids, oldest due date first (then by number)."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[date, str, UUID]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[UUID]:
        return (invoice_id for _, _, invoice_id in self._entries)

    def add(self, key: tuple[date, str, UUID]) -> None:
        insort(self._entries, key)

    def remove(self, key: tuple[date, str, UUID]) -> None:
        index = bisect_left(self._entries, key)
        if index < len(self._entries) and self._entries[index] == key:
            del self._entries[index]
