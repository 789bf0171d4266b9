"""Every command says where its business date is, so the lock-date check cannot miss one.

The check runs once, in the service, from ``Command.business_dates``; it is only as good as the
declarations. These tests fail when a command is added (or a date field to one) without saying
whether it books a dated fact, and when a dated command is missing from the period tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from pydantic import BaseModel

import o2c.commands
from o2c import commands as c
from tests.periods.book import DATED, ROUTES, service_commands

# Commands that book no dated fact, and why.
UNDATED: dict[type[c.Command], str] = {
    c.OpenAccount: "opens an account",
    c.ChangeCustomerDetails: "master data, no ledger fact",
    c.ReplaceCompanyProfile: "the seller's profile, no ledger fact",
    c.ChangeCompanyLogo: "the seller's logo, no ledger fact",
    c.ChangeCreditLimit: "changes a limit, no ledger fact",
    c.PlaceCreditHold: "a hold is not dated",
    c.ReleaseCreditHold: "a hold is not dated",
    c.ChangePaymentTerms: "applies to invoices issued afterwards",
    c.CloseAccount: "closes an account at zero balance",
    c.ApproveOrder: "a credit decision on an order placed (and dated) before",
    c.ImportCustomers: "opens accounts",
    c.RecordBankAccount: "records an IBAN, no ledger fact",
    c.ImportBankStatement: "records the bank's file; each line posted is dated by DecideBankLines",
    c.ClosePeriod: "its date is the lock date itself, checked by the close's own rule",
    c.StartContract: "enters a contract; each period is booked (dated) by the run invoicing it",
    c.MakePromise: "a promise is made today; its promised date is a day to come",
    c.AddNote: "a note is written today; its follow-up day is a day to come",
    c.AssignCollector: "an assignment is not dated",
}

# Date fields that do not say when a fact happens.
NOT_BUSINESS_DATES: dict[type[c.Command], set[str]] = {
    c.OpeningInvoice: {"due_on", "discount_until"},
    c.ImportOpeningInvoices: {"rows.due_on", "rows.discount_until"},
    c.ClosePeriod: {"through"},
    c.StartContract: {"start_on", "end_on"},
    # The bank's dates: when a line is posted, its receipt date is DecideBankLines's.
    c.ImportBankStatement: {"period_start", "period_end", "created_on", "lines.booked_on"},
    # Days to come, not facts.
    c.MakePromise: {"promised_on"},
    c.AddNote: {"follow_up_on"},
}


def commands_in_package() -> set[type[c.Command]]:
    """Every ``Command`` subclass defined in a module of ``o2c.commands``."""
    found: set[type[c.Command]] = set()
    for info in pkgutil.iter_modules(o2c.commands.__path__):
        module = importlib.import_module(f"o2c.commands.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, c.Command)
                and value is not c.Command
                and value.__module__ == module.__name__
            ):
                found.add(value)
    return found


def _dates_in(annotation: object, path: str) -> Iterator[str]:
    if annotation is date:
        yield path
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from date_fields(annotation, f"{path}.")
    else:
        for arg in typing.get_args(annotation):
            yield from _dates_in(arg, path)


def date_fields(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Dotted paths of every date field of ``model``, through nested models and lists."""
    for name, info in model.model_fields.items():
        yield from _dates_in(info.annotation, prefix + name)


ALL = sorted(commands_in_package(), key=lambda t: t.__name__)


def test_the_package_has_every_command_the_service_runs() -> None:
    assert service_commands() <= set(ALL)


@pytest.mark.parametrize("cmd", ALL, ids=lambda t: t.__name__)
def test_each_command_declares_its_business_date_or_is_listed_as_having_none(
    cmd: type[c.Command],
) -> None:
    if cmd in UNDATED:
        assert cmd.DATED_BY is None, f"{cmd.__name__} is listed as undated but declares a date"
    else:
        assert "DATED_BY" in vars(cmd), f"{cmd.__name__}: declare DATED_BY or list it in UNDATED"
        assert cmd.DATED_BY in set(date_fields(cmd)), f"{cmd.__name__}: not a date field"


@pytest.mark.parametrize("cmd", ALL, ids=lambda t: t.__name__)
def test_every_other_date_field_is_known_not_to_be_a_business_date(cmd: type[c.Command]) -> None:
    others = set(date_fields(cmd)) - {cmd.DATED_BY}
    assert others <= NOT_BUSINESS_DATES.get(cmd, set()), (
        f"{cmd.__name__} has date fields {sorted(others)}: declare the business date (DATED_BY) "
        "or list the field in NOT_BUSINESS_DATES"
    )


def test_every_dated_command_is_exercised_by_the_period_tests() -> None:
    dated = {cmd for cmd in service_commands() if cmd.DATED_BY is not None}
    assert set(DATED) == dated
    assert set(ROUTES) <= dated


def test_a_date_left_out_is_today_and_every_row_counts() -> None:
    today, jan = date(2026, 3, 1), date(2026, 1, 3)
    customer = uuid4()
    assert c.ReceivePayment(customer_id=customer, amount=Decimal(1)).business_dates(today) == [
        today
    ]
    rows = [
        c.OpeningInvoice(customer_id=customer, issued_on=d, open_amount=Decimal(1))
        for d in (today, jan)
    ]
    assert c.ImportOpeningInvoices(rows=rows).business_dates(today) == [today, jan]
    assert c.PlaceCreditHold(customer_id=customer, reason="r").business_dates(today) == []
