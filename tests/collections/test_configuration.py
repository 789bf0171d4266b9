"""The collections settings: grace days, fees per level and the interest rate, off by default."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from o2c.config import Settings


def test_off_by_default() -> None:
    policy = Settings.from_env({}).dunning_policy
    assert (policy.promise_grace_days, policy.fees, policy.interest_rate) == (2, (), None)
    assert not policy.charges
    assert policy.promise_deadline(date(2026, 1, 30)) == date(2026, 2, 1)


def test_read_from_the_environment() -> None:
    env = {
        "O2C_PROMISE_GRACE_DAYS": "0",
        "O2C_DUNNING_FEES": "0, 5,10.50",
        "O2C_LATE_INTEREST_RATE": "9.12",
    }
    policy = Settings.from_env(env).dunning_policy
    assert policy.fees == (Decimal(0), Decimal(5), Decimal("10.50"))
    assert (policy.fee(1), policy.fee(3), policy.fee(4)) == (0, Decimal("10.50"), 0)
    assert policy.interest_rate == Decimal("9.12") and policy.charges
    assert policy.promise_deadline(date(2026, 1, 30)) == date(2026, 1, 30)


@pytest.mark.parametrize(
    "env",
    [
        {"O2C_DUNNING_FEES": "5,lots"},
        {"O2C_DUNNING_FEES": "5,-1"},
        {"O2C_DUNNING_FEES": "NaN"},
        {"O2C_LATE_INTEREST_RATE": "-1"},
        {"O2C_LATE_INTEREST_RATE": "101"},
        {"O2C_PROMISE_GRACE_DAYS": "-2"},
    ],
)
def test_a_bad_value_stops_start_up(env: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings.from_env(env)
