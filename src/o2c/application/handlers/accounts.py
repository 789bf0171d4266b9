"""Handlers for account commands."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.aggregates.customer_number import CustomerNumber, customer_number_id
from o2c.application.handlers.orders import recheck_held_orders
from o2c.application.results import AccountResult, HoldReleasedResult, TermsResult
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.errors import RuleViolation


def account_view(acc: CustomerAccount) -> AccountResult:
    """The account after a command."""
    return AccountResult(
        customer_id=acc.id,
        name=acc.name,
        currency=acc.currency,
        credit_limit=acc.credit_limit,
        on_hold=acc.on_hold,
        closed=acc.closed,
        payment_terms=TermsResult(
            net_days=acc.terms.net_days,
            discount_percent=acc.terms.discount_percent,
            discount_days=acc.terms.discount_days,
        ),
        **{k: v for k, v in acc.details.items() if v is not None},
    )


def open_account(cmd: c.OpenAccount, uow: UnitOfWork) -> AccountResult:
    """Open a customer account."""
    customer_id = uow.new_id(cmd.customer_id)
    acc = CustomerAccount.open(
        customer_id, cmd.name, cmd.currency, cmd.credit_limit, cmd.payment_terms.to_domain()
    )
    uow.add(acc)
    _change_details(acc, cmd.party_updates(), uow)
    return account_view(acc)


def change_customer_details(cmd: c.ChangeCustomerDetails, uow: UnitOfWork) -> AccountResult:
    """Change a customer's party details (nothing recorded when nothing differs)."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    _change_details(acc, cmd.party_updates(), uow)
    return account_view(acc)


def _change_details(acc: CustomerAccount, updates: dict[str, Any], uow: UnitOfWork) -> None:
    if not updates:
        return
    company = uow.find(COMPANY_ID, Company)
    changes = acc.change_details(updates, None if company is None else company.country)
    number = changes.get("customer_number")
    if number is not None:
        _claim_number(number, acc.id, uow)


def _claim_number(number: str, customer_id: UUID, uow: UnitOfWork) -> None:
    """Take ``number`` for the customer, in the same save as the change that names it."""
    claim = uow.find(customer_number_id(number), CustomerNumber)
    if claim is None:
        uow.add(CustomerNumber.claim(number, customer_id))
    elif claim.customer_id != customer_id:
        raise RuleViolation(
            f"customer number {number!r} belongs to customer {claim.customer_id}",
            code="customer-number-taken",
        )


def change_credit_limit(cmd: c.ChangeCreditLimit, uow: UnitOfWork) -> AccountResult:
    """Change the credit limit."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.change_credit_limit(cmd.credit_limit, cmd.reason)
    return account_view(acc)


def place_credit_hold(cmd: c.PlaceCreditHold, uow: UnitOfWork) -> AccountResult:
    """Place a credit hold."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.place_hold(cmd.reason)
    return account_view(acc)


def release_credit_hold(cmd: c.ReleaseCreditHold, uow: UnitOfWork) -> HoldReleasedResult:
    """Release a credit hold and, in the same command, re-check the orders it alone held."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    held = list(acc.held_orders)
    acc.release_hold(cmd.reason)
    rechecked = recheck_held_orders(acc, held, uow)
    return HoldReleasedResult(**dict(account_view(acc)), rechecked_orders=rechecked)


def change_payment_terms(cmd: c.ChangePaymentTerms, uow: UnitOfWork) -> AccountResult:
    """Change payment terms."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.change_terms(cmd.payment_terms.to_domain())
    return account_view(acc)


def close_account(cmd: c.CloseAccount, uow: UnitOfWork) -> AccountResult:
    """Close an account at zero balance."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.close(cmd.reason)
    return account_view(acc)
