"""Billing periods: a periodic customer's cut-off and a contract's calendar."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from o2c.domain.billing_periods import IN_ADVANCE, IN_ARREARS, Schedule, add_months, cut_off


def test_a_monthly_cut_off_is_the_last_whole_month() -> None:
    assert cut_off("month", date(2026, 12, 7)) == date(2026, 11, 30)
    assert cut_off("month", date(2026, 11, 30)) == date(2026, 11, 30)
    assert cut_off("month", date(2026, 3, 1)) == date(2026, 2, 28)


def test_a_weekly_cut_off_is_the_last_sunday() -> None:
    assert cut_off("week", date(2026, 12, 7)) == date(2026, 12, 6)  # a Monday
    assert cut_off("week", date(2026, 12, 6)) == date(2026, 12, 6)  # a Sunday
    assert cut_off("week", date(2026, 12, 12)) == date(2026, 12, 6)  # a Saturday


def test_a_start_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    schedule = Schedule(date(2026, 1, 31), "month")
    assert [schedule.period(i).start for i in range(3)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert schedule.period(0).end == date(2026, 2, 27)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_in_advance_is_due_on_the_first_day_in_arrears_the_day_after_the_last() -> None:
    p = Schedule(date(2026, 1, 15), "quarter").period(1)
    assert (p.start, p.end) == (date(2026, 4, 15), date(2026, 7, 14))
    assert p.due_on(IN_ADVANCE) == date(2026, 4, 15)
    assert p.due_on(IN_ARREARS) == date(2026, 7, 15)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(days, st.sampled_from(["month", "quarter", "year"]), st.integers(0, 60))
def test_periods_tile_the_calendar(start: date, interval: str, index: int) -> None:
    schedule = Schedule(start, interval)
    this, following = schedule.period(index), schedule.period(index + 1)
    assert this.start <= this.end
    assert following.start == this.end + timedelta(days=1)


@given(days, st.sampled_from(["month", "quarter", "year"]), days)
def test_a_change_takes_effect_from_the_first_period_starting_after_it(
    start: date, interval: str, on: date
) -> None:
    schedule = Schedule(start, interval)
    first = schedule.first_starting_after(on)
    assert schedule.period(first).start > on
    assert first == 0 or schedule.period(first - 1).start <= on


@given(days, st.sampled_from(["week", "month"]))
def test_a_cut_off_ends_a_whole_period_on_or_before_the_date(as_of: date, period: str) -> None:
    cut = cut_off(period, as_of)
    assert cut <= as_of
    nxt = cut + timedelta(days=1)
    if period == "week":
        assert cut.weekday() == 6 and as_of - cut < timedelta(days=7)
    else:
        # The day after a month's last; as_of is that month's end or in the month after.
        assert nxt.day == 1
        assert as_of == cut or (as_of.year, as_of.month) == (nxt.year, nxt.month)
