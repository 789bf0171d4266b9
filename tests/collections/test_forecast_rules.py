"""When an open item's cash is expected, and how expected cash falls into weeks."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from o2c.collections.forecast import ExpectedReceipt, expected_on, weekly_expected
from o2c.collections.priority import Settled, usual_days_late
from tests.support.world import D

AS_OF = date(2026, 3, 2)


def test_an_item_is_expected_when_its_customer_usually_pays() -> None:
    due = date(2026, 3, 10)
    assert expected_on(due, None, None, AS_OF) == due
    assert expected_on(due, 12, None, AS_OF) == date(2026, 3, 22)
    assert expected_on(due, -5, None, AS_OF) == date(2026, 3, 5)  # an early payer
    assert expected_on(due, 12, date(2026, 3, 4), AS_OF) == date(2026, 3, 4)  # a promise


def test_an_item_late_beyond_habit_is_expected_as_far_ahead_as_it_is_behind() -> None:
    # Due 1 February, usually paid 10 days late: expected 11 February, 19 days behind on 2 March.
    assert expected_on(date(2026, 2, 1), 10, None, AS_OF) == AS_OF + timedelta(days=19)


def test_usual_lateness_weighs_by_amount_over_the_last_twelve_settled() -> None:
    due = date(2026, 1, 1)
    settled = [
        Settled("a", D("100"), due, due + timedelta(days=30)),
        Settled("b", D("300"), due, due + timedelta(days=10)),
    ]
    assert usual_days_late(settled, date(2026, 3, 1)) == 15  # (100×30 + 300×10) / 400
    assert usual_days_late(settled, date(2026, 1, 20)) == 10  # only b settled by then
    assert usual_days_late([], date(2026, 3, 1)) is None
    many = [Settled(f"{i:02d}", D("1"), due, due + timedelta(days=i)) for i in range(20)]
    assert usual_days_late(many, date(2026, 3, 1)) == 14  # days 8-19: the last twelve


@given(
    st.lists(st.tuples(st.integers(-30, 120), st.integers(1, 10_000)), max_size=30),
    st.integers(1, 20),
)
def test_weeks_hold_what_is_expected_within_them(items: list[tuple[int, int]], weeks: int) -> None:
    receipts = [ExpectedReceipt(AS_OF + timedelta(days=d), D(a)) for d, a in items]
    totals = weekly_expected(receipts, AS_OF, weeks)
    assert len(totals) == weeks
    inside = sum((D(a) for d, a in items if d < 7 * weeks), D(0))
    assert sum(totals, D(0)) == inside
    for d, a in items:
        if 0 <= d < 7 * weeks:
            assert totals[d // 7] >= D(a)
