"""Reminder fees and late-payment interest: off by default, stated on reminder letters, charged
once on an interest invoice outside the scope of VAT."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.application.reminder_letters import RemindedInvoice, reminder_letter, stated_charges
from o2c.demo.book import SELLER
from o2c.documents import Language
from o2c.documents.reminder_pdf import reminder_data
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import RuleViolation
from o2c.domain.late_interest import late_interest, open_amount_days
from tests.read.conftest import ReadWorld
from tests.support.world import D

JAN = date(2026, 1, 1)
CHARGING = DunningPolicy((1, 15, 30), fees=(D("5.00"), D("10.00")), interest_rate=D("10"))


def test_interest_counts_what_was_open_at_the_end_of_each_day_past_due() -> None:
    changes = [(date(2026, 1, 1), D("1000")), (date(2026, 1, 20), D("-400"))]
    # 9 days (11-19 January) on 1000, then 12 days (20-31 January) on 600.
    assert open_amount_days(changes, date(2026, 1, 10), date(2026, 1, 31)) == D(9 * 1000 + 12 * 600)
    rate = D("10")
    assert late_interest(
        changes,
        due_on=date(2026, 1, 10),
        charged_through=None,
        through=date(2026, 1, 31),
        rate=rate,
        currency="EUR",
    ) == D("4.44")
    assert late_interest(
        changes,
        due_on=date(2026, 1, 10),
        charged_through=None,
        through=date(2026, 1, 31),
        rate=rate,
        currency="JPY",
    ) == D("4")


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(-500, 500)), min_size=1, max_size=12),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_amount_days_add_up_over_any_split_of_the_period(
    moves: list[tuple[int, int]], a: int, b: int
) -> None:
    """Counting a period in two parts gives what counting it whole gives, and each day counts
    the balance of its end, as a plain day-by-day sum says."""
    base = date(2026, 1, 1)
    changes = [(date.fromordinal(base.toordinal() + d), Decimal(x)) for d, x in moves]
    start, end = sorted((a, b))
    start_day = date.fromordinal(base.toordinal() + start)
    end_day = date.fromordinal(base.toordinal() + end)
    middle = date.fromordinal(base.toordinal() + (start + end) // 2)
    whole = open_amount_days(changes, start_day, end_day)
    assert whole == open_amount_days(changes, start_day, middle) + open_amount_days(
        changes, middle, end_day
    )
    by_day = sum(
        (
            sum((x for on, x in changes if on.toordinal() <= day), Decimal(0))
            for day in range(start_day.toordinal() + 1, end_day.toordinal() + 1)
        ),
        Decimal(0),
    )
    assert whole == by_day


def test_without_fees_or_rate_nothing_is_charged(rw_sqlite: ReadWorld) -> None:
    cid = rw_sqlite.account(net_days=10)
    rw_sqlite.sell(cid, "1000.00", JAN)
    with pytest.raises(RuleViolation) as refused:
        rw_sqlite.do(c.ChargeLateFees(customer_id=cid, through=date(2026, 1, 31)))
    assert refused.value.code == "late-charges-off"


def test_fees_and_interest_are_invoiced_once_outside_the_scope_of_vat(
    rw_sqlite: ReadWorld,
) -> None:
    rw = rw_sqlite
    rw.service.dunning_policy = CHARGING
    cid = rw.account(net_days=10)
    inv = UUID(rw.sell(cid, "1000.00", JAN)["invoice_id"])
    rw.do(c.RunDunning(as_of=date(2026, 1, 12)))
    rw.pay(cid, "400.00", date(2026, 1, 20), [(inv, None)])
    rw.do(c.RunDunning(as_of=date(2026, 1, 26)))

    charged = rw.do(c.ChargeLateFees(customer_id=cid, through=date(2026, 1, 31)))
    # Fees of levels 1 and 2; interest 12-19 January on 1000 and 20-31 January on 600 at 10 %.
    (charge,) = charged["charges"]
    assert (charge["fees"], charge["fee_level"]) == ("15.00", 2)
    assert (charge["interest"], charge["interest_from"]) == ("4.16", "2026-01-11")
    assert charged["total"] == "19.16"
    invoice = rw.project().invoice(UUID(charged["invoice_id"]))
    assert invoice is not None
    assert {ln["tax_category"] for ln in invoice["lines"]} == {"O"}
    assert invoice["tax_total"] == "0.00"

    with pytest.raises(RuleViolation) as again:
        rw.do(c.ChargeLateFees(customer_id=cid, through=date(2026, 1, 31)))
    assert again.value.code == "nothing-to-charge"
    # From February on 600 only; the interest invoice itself is never charged interest.
    later = rw.do(c.ChargeLateFees(customer_id=cid, through=date(2026, 3, 10)))
    assert [(ch["number"], ch["fees"], ch["interest"]) for ch in later["charges"]] == [
        (
            charge["number"],
            "0.00",
            str(
                late_interest(
                    [(JAN, D("1000")), (date(2026, 1, 20), D("-400"))],
                    due_on=date(2026, 1, 11),
                    charged_through=date(2026, 1, 31),
                    through=date(2026, 3, 10),
                    rate=D("10"),
                    currency="EUR",
                )
            ),
        )
    ]


def test_a_reminder_letter_states_the_fee_and_interest(rw_sqlite: ReadWorld) -> None:
    rw = rw_sqlite
    rw.service.dunning_policy = CHARGING
    cid = rw.account(net_days=10)
    inv = UUID(rw.sell(cid, "1000.00", JAN)["invoice_id"])
    reminded = [RemindedInvoice(inv, "INV-000001", JAN, date(2026, 1, 11), D("1000.00"), 20, 2)]
    charges = stated_charges(rw.store, CHARGING, reminded, date(2026, 1, 31), "EUR")
    # The level-2 fee; 20 days on 1000 at 10 %.
    assert (charges.fee, charges.interest) == (D("10.00"), D("5.48"))
    none = stated_charges(rw.store, DunningPolicy(), reminded, date(2026, 1, 31), "EUR")
    assert (none.fee, none.interest) == (None, None)

    rw.do(c.ReplaceCompanyProfile.model_validate(SELLER))
    company, account = rw.store.get(COMPANY_ID), rw.store.get(cid)
    assert isinstance(company, Company) and isinstance(account, CustomerAccount)
    letter = reminder_letter(company, account, date(2026, 1, 31), reminded, charges)
    assert letter.total_due == D("1015.48")
    rows = reminder_data(letter, Language.EN)["totals"]
    assert rows == [
        ["Reminder fee", "€10.00"],
        ["Default interest", "€5.48"],
        ["Total due", "€1,015.48"],
    ]
