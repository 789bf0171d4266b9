"""Handlers for account commands."""

from __future__ import annotations

from typing import Any

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.application.unit_of_work import UnitOfWork


def account_view(acc: CustomerAccount) -> dict[str, Any]:
    """The response body describing an account after a command."""
    return {
        "customer_id": str(acc.id),
        "name": acc.name,
        "currency": acc.currency,
        "credit_limit": str(acc.credit_limit),
        "on_hold": acc.on_hold,
        "closed": acc.closed,
        "payment_terms": {
            "net_days": acc.terms.net_days,
            "discount_percent": (
                None if acc.terms.discount_percent is None else str(acc.terms.discount_percent)
            ),
            "discount_days": acc.terms.discount_days,
        },
    }


def open_account(cmd: c.OpenAccount, uow: UnitOfWork) -> dict[str, Any]:
    """Open a customer account."""
    customer_id = uow.new_id(cmd.customer_id)
    acc = CustomerAccount.open(
        customer_id, cmd.name, cmd.currency, cmd.credit_limit, cmd.payment_terms.to_domain()
    )
    uow.add(acc)
    return account_view(acc)


def change_credit_limit(cmd: c.ChangeCreditLimit, uow: UnitOfWork) -> dict[str, Any]:
    """Change the credit limit."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.change_credit_limit(cmd.credit_limit, cmd.reason)
    return account_view(acc)


def place_credit_hold(cmd: c.PlaceCreditHold, uow: UnitOfWork) -> dict[str, Any]:
    """Place a credit hold."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.place_hold(cmd.reason)
    return account_view(acc)


def release_credit_hold(cmd: c.ReleaseCreditHold, uow: UnitOfWork) -> dict[str, Any]:
    """Release a credit hold."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.release_hold(cmd.reason)
    return account_view(acc)


def change_payment_terms(cmd: c.ChangePaymentTerms, uow: UnitOfWork) -> dict[str, Any]:
    """Change payment terms."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.change_terms(cmd.payment_terms.to_domain())
    return account_view(acc)


def close_account(cmd: c.CloseAccount, uow: UnitOfWork) -> dict[str, Any]:
    """Close an account at zero balance."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.close(cmd.reason)
    return account_view(acc)
