"""Which few open invoices add up to a payment: a bounded subset-sum over whole minor units.

A payer without a reference may pay two to four invoices at once. Trying every subset is
exponential; instead the pair sums of the candidates are tabled once (and kept while the
candidates do not change) and the payment is met in the middle, so two, three and four invoices
out of ``n`` cost about ``n²`` steps. A budget caps the work, and the search stops at the second
solution: two ways to explain a payment are one too many to apply.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True, slots=True)
class CombinationSearch:
    """What a search found: up to ``limit`` solutions (index sets), and whether it gave up early."""

    solutions: tuple[frozenset[int], ...]
    exhausted: bool  # False when the budget ran out before every combination was seen


class PairTable:
    """The sums of every two of ``values`` (positive whole minor units), by sum.

    Exact look-ups (the usual zero tolerance) use a dict; a sorted copy for range look-ups is
    made only when a tolerance asks for one.
    """

    __slots__ = ("_by_sum", "_high", "_low", "_pairs", "_sorted", "_sums", "values")

    def __init__(self, values: Sequence[int]) -> None:
        self.values = tuple(values)
        ordered = sorted(self.values)
        # Bounds first: most amounts are below any two invoices or above any four, and then
        # the pairs are never tabled at all.
        self._low = sum(ordered[:2])
        self._high = sum(ordered[-4:])
        self._pairs: list[tuple[int, int]] = []
        self._sums: list[int] = []
        self._by_sum: dict[int, list[tuple[int, int]]] | None = None
        self._sorted: tuple[list[int], list[tuple[int, int]]] | None = None

    def _table(self) -> dict[int, list[tuple[int, int]]]:
        if self._by_sum is None:
            vals = self.values
            self._pairs = list(combinations(range(len(vals)), 2))
            self._sums = [vals[i] + vals[j] for i, j in self._pairs]
            self._by_sum = {}
            for total, pair in zip(self._sums, self._pairs, strict=True):
                self._by_sum.setdefault(total, []).append(pair)
        return self._by_sum

    def near(self, amount: int, tolerance: int) -> Sequence[tuple[int, int]]:
        """The index pairs whose sum is ``amount`` ± ``tolerance``."""
        by_sum = self._table()
        if tolerance == 0:
            return by_sum.get(amount, ())
        if self._sorted is None:
            order = sorted(range(len(self._sums)), key=self._sums.__getitem__)
            self._sorted = ([self._sums[k] for k in order], [self._pairs[k] for k in order])
        sums, pairs = self._sorted
        return pairs[bisect_left(sums, amount - tolerance) : bisect_right(sums, amount + tolerance)]

    def find(
        self,
        target: int,
        *,
        tolerance: int = 0,
        max_size: int = 4,
        limit: int = 2,
        budget: int = 50_000,
    ) -> CombinationSearch:
        """Index sets (2..``max_size``) summing to ``target`` ± ``tolerance``, at most ``limit``.

        Smaller sets are found first; ``budget`` bounds the pairs looked at.
        """
        found: list[frozenset[int]] = []
        values = self.values
        if len(values) < 2 or max_size < 2 or target <= 0:
            return CombinationSearch((), True)
        if target + tolerance < self._low or target - tolerance > self._high:
            return CombinationSearch((), True)
        self._table()
        steps = 0
        for pair in self.near(target, tolerance):
            if _add(found, frozenset(pair), limit):
                return CombinationSearch(tuple(found), True)
        if max_size >= 3:
            for c, value in enumerate(values):
                for a, b in self.near(target - value, tolerance):
                    steps += 1
                    if c not in (a, b) and _add(found, frozenset((a, b, c)), limit):
                        return CombinationSearch(tuple(found), True)
                if steps > budget:
                    return CombinationSearch(tuple(found), False)
        if max_size >= 4:
            # Two disjoint pairs, the smaller sum first: a first pair above half the target has no
            # second pair left that is not counted from the other side.
            ceiling = (target + tolerance) // 2
            for first_sum, (a, b) in zip(self._sums, self._pairs, strict=True):
                if first_sum > ceiling:
                    continue
                for c, d in self.near(target - first_sum, tolerance):
                    steps += 1
                    if len({a, b, c, d}) == 4 and _add(found, frozenset((a, b, c, d)), limit):
                        return CombinationSearch(tuple(found), True)
                steps += 1
                if steps > budget:
                    return CombinationSearch(tuple(found), False)
        return CombinationSearch(tuple(found), True)


def _add(found: list[frozenset[int]], solution: frozenset[int], limit: int) -> bool:
    """Record ``solution`` once; True when ``limit`` solutions are reached."""
    if solution not in found:
        found.append(solution)
    return len(found) >= limit


def find_combinations(
    values: Sequence[int],
    target: int,
    *,
    tolerance: int = 0,
    max_size: int = 4,
    limit: int = 2,
    budget: int = 50_000,
) -> CombinationSearch:
    """Index sets (2..``max_size``) of positive ``values`` summing to ``target`` ± ``tolerance``."""
    return PairTable(values).find(
        target, tolerance=tolerance, max_size=max_size, limit=limit, budget=budget
    )
