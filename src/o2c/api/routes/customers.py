"""Customer accounts: commands and per-customer queries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Credit, Reader
from o2c.api.deps import Service, answer, run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.commands.base import IsoDate, SingleLine
from o2c.projections.queries.accounts import CustomerPage, CustomerView, ExposureView
from o2c.projections.queries.aging import CustomerAging
from o2c.projections.queries.invoices import OpenItems
from o2c.projections.queries.statements import Statement

router = APIRouter(prefix="/v1/customers", tags=["customers"])

T = TypeVar("T")


def _found(value: T | None, what: str, key: UUID) -> T:
    if value is None:
        raise Problem(404, f"{what}-not-found", f"{what} {key} not found")
    return value


@router.post(
    "", status_code=201, summary="Open a customer account", response_model=answer(c.OpenAccount)
)
def open_account(
    body: c.OpenAccount, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """Open an account with currency, credit limit and payment terms."""
    return run(request, who, body, service)


@router.patch(
    "/{customer_id}",
    summary="Change the customer's party details",
    response_model=answer(c.ChangeCustomerDetails),
)
def change_details(
    customer_id: UUID, body: b.CustomerDetailsBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """Customer number (unique: 409 `customer-number-taken`), legal name, address, VAT ID
    (checksum, and inside the EU the address's country: 422 `invalid-vat-id`), Peppol id,
    buyer reference, language (en, de, fr), contacts by role, tax treatment (null: derived from
    the address and the seller's country), billing policy (only `manual` for now). A field left
    out is unchanged, a null one cleared; only the fields that differ are recorded."""
    fields = body.model_dump(exclude_unset=True)
    return run(request, who, c.ChangeCustomerDetails(customer_id=customer_id, **fields), service)


@router.post(
    "/{customer_id}/credit-limit",
    summary="Change the credit limit",
    response_model=answer(c.ChangeCreditLimit),
)
def change_credit_limit(
    service: Service, customer_id: UUID, body: b.CreditLimitBody, request: Request, who: Credit
) -> dict[str, Any]:
    """Set a new credit limit (the reason is kept)."""
    return run(
        request, who, c.ChangeCreditLimit(customer_id=customer_id, **body.model_dump()), service
    )


@router.post(
    "/{customer_id}/hold", summary="Place a credit hold", response_model=answer(c.PlaceCreditHold)
)
def hold(
    customer_id: UUID, body: b.ReasonBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """Every new order of the customer is held until released."""
    return run(
        request, who, c.PlaceCreditHold(customer_id=customer_id, reason=body.reason), service
    )


@router.post(
    "/{customer_id}/release",
    summary="Release a credit hold",
    response_model=answer(c.ReleaseCreditHold),
)
def release(
    customer_id: UUID, body: b.ReasonBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """Release the credit hold."""
    return run(
        request, who, c.ReleaseCreditHold(customer_id=customer_id, reason=body.reason), service
    )


@router.post(
    "/{customer_id}/terms",
    summary="Change payment terms",
    response_model=answer(c.ChangePaymentTerms),
)
def terms(
    customer_id: UUID, body: b.TermsBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """New terms apply to invoices issued from now on."""
    return run(
        request,
        who,
        c.ChangePaymentTerms(customer_id=customer_id, payment_terms=body.payment_terms),
        service,
    )


@router.post(
    "/{customer_id}/bank-accounts",
    summary="Record a bank account of the customer",
    response_model=answer(c.RecordBankAccount),
)
def bank_account(
    customer_id: UUID, body: b.BankAccountBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """Remember an IBAN the customer pays from (validated, kept in compact form): bank cash
    application recognises the payer of a receipt by it."""
    cmd = c.RecordBankAccount(customer_id=customer_id, iban=body.iban, holder=body.holder)
    return run(request, who, cmd, service)


@router.post(
    "/{customer_id}/close",
    summary="Close the account (zero balance only)",
    response_model=answer(c.CloseAccount),
)
def close(
    customer_id: UUID, body: b.ReasonBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """Close an account at zero balance, with no unapplied cash and no open orders."""
    return run(request, who, c.CloseAccount(customer_id=customer_id, reason=body.reason), service)


@router.get("", summary="Find customers")
def find_customers(
    _: Reader,
    request: Request,
    q: SingleLine | None = Query(
        None,
        max_length=200,
        description="part of the name, legal name, customer number, VAT ID or a contact's "
        "e-mail, any case",
    ),
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> CustomerPage:
    """Customers whose name, legal name, customer number, VAT ID or contact e-mail contains `q`,
    by name, paged."""
    return queries(request, min_position).customers(q=q, after=after, limit=limit)


@router.get("/{customer_id}", summary="Account state")
def get_customer(
    _: Reader,
    customer_id: UUID,
    request: Request,
    min_position: int | None = MinPosition,
) -> CustomerView:
    """The account with its balances and exposure."""
    return _found(queries(request, min_position).customer(customer_id), "customer", customer_id)


@router.get("/{customer_id}/open-items", summary="Open items")
def open_items(
    _: Reader,
    customer_id: UUID,
    request: Request,
    as_of: IsoDate | None = None,
    status: str | None = Query(None, pattern="^(open|settled|written_off)$"),
    overdue: bool | None = None,
    disputed: bool | None = None,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> OpenItems:
    """Invoices with an open amount, oldest due first, paged; filters by status, overdue and
    disputed."""
    q = queries(request, min_position)
    _found(q.customer(customer_id), "customer", customer_id)
    return q.open_items(
        customer_id,
        as_of=as_of or date.today(),
        status=status,
        overdue=overdue,
        disputed=disputed,
        after=after,
        limit=limit,
    )


@router.get("/{customer_id}/aging", summary="Customer aging")
def aging(
    _: Reader,
    customer_id: UUID,
    request: Request,
    as_of: IsoDate | None = None,
    basis: str = Query("due", pattern="^(due|invoice)$"),
    buckets: str = Query("30,60,90,120", max_length=100),
    min_position: int | None = MinPosition,
) -> CustomerAging:
    """Open AR by age bucket as of a date (by due date or invoice date)."""
    q = queries(request, min_position)
    _found(q.customer(customer_id), "customer", customer_id)
    return q.customer_aging(customer_id, as_of=as_of or date.today(), basis=basis, buckets=buckets)


@router.get("/{customer_id}/credit-exposure", summary="Credit exposure")
def credit_exposure(
    _: Reader,
    customer_id: UUID,
    request: Request,
    min_position: int | None = MinPosition,
) -> ExposureView:
    """exposure = AR balance + open orders − unapplied cash; available = limit − exposure."""
    return _found(
        queries(request, min_position).credit_exposure(customer_id), "customer", customer_id
    )


@router.get("/{customer_id}/statement", summary="Customer statement")
def statement(
    _: Reader,
    customer_id: UUID,
    request: Request,
    start: Annotated[IsoDate, Query(alias="from")],
    end: Annotated[IsoDate, Query(alias="to")],
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> Statement:
    """Opening balance, each debit and credit with running balance, closing balance; the lines
    paged (each page's running balance continues the previous page's)."""
    if end < start:
        raise Problem(422, "invalid-period", "'to' must not be before 'from'")
    return _found(
        queries(request, min_position).statement(
            customer_id, start=start, end=end, after=after, limit=limit
        ),
        "customer",
        customer_id,
    )
