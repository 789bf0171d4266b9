"""Handlers for account commands."""

from __future__ import annotations

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.application.handlers.orders import recheck_held_orders
from o2c.application.results import AccountResult, HoldReleasedResult, TermsResult
from o2c.application.unit_of_work import UnitOfWork


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
    )


def open_account(cmd: c.OpenAccount, uow: UnitOfWork) -> AccountResult:
    """Open a customer account."""
    customer_id = uow.new_id(cmd.customer_id)
    acc = CustomerAccount.open(
        customer_id, cmd.name, cmd.currency, cmd.credit_limit, cmd.payment_terms.to_domain()
    )
    uow.add(acc)
    return account_view(acc)


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
