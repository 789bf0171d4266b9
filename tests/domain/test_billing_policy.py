"""A customer's billing policy: what is accepted, how it is stored, and how the first events'
bare mode reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from o2c.aggregates.account import CustomerAccount
from o2c.domain.billing_policy import DEFAULT, BillingPolicy, checked_policy, policy_of
from o2c.domain.errors import InvalidInput
from o2c.domain.terms import PaymentTerms


def _code(value: Any) -> str:
    with pytest.raises(InvalidInput) as refused:
        checked_policy(value)
    return refused.value.code


def test_a_mode_alone_is_a_policy_that_does_not_send() -> None:
    assert checked_policy("manual") == {"mode": "manual", "period": None, "send": False}
    assert checked_policy({"send": True}) == {"mode": "manual", "period": None, "send": True}


def test_what_is_refused() -> None:
    assert _code("monthly") == "invalid-billing-policy"
    assert _code({"mode": "manual", "period": "month"}) == "invalid-billing-policy"
    assert _code({"mode": "manual", "send": "yes"}) == "invalid-billing-policy"
    assert _code({"mode": "manual", "when": "now"}) == "invalid-billing-policy"


def test_reading_a_stored_policy() -> None:
    assert policy_of(None) == DEFAULT
    assert policy_of("manual") == BillingPolicy("manual", None, False)
    assert policy_of({"mode": "manual", "period": None, "send": True}).send is True


def test_a_first_version_event_with_a_bare_mode_reads_as_the_policy_it_meant() -> None:
    state: dict[str, Any] = {"changes": {"billing_policy": "manual", "language": "de"}}
    CustomerAccount.CustomerDetailsChanged.upcast_v1_v2(state)
    assert state["changes"] == {
        "billing_policy": {"mode": "manual", "period": None, "send": False},
        "language": "de",
    }


def test_the_account_records_the_policy_as_an_object() -> None:
    account = CustomerAccount.open(uuid4(), "Acme", "EUR", Decimal(1000), PaymentTerms(30))
    changes = account.change_details({"billing_policy": {"send": True}}, seller_country="DE")
    assert changes["billing_policy"] == {"mode": "manual", "period": None, "send": True}
    assert policy_of(account.details["billing_policy"]).send is True
