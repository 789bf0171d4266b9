"""Commands on customer accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Amount, Command, Reason
from o2c.domain.terms import PaymentTerms


class PaymentTermsIn(BaseModel):
    """Payment terms as sent by a caller: ``{net_days, discount_percent?, discount_days?}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    net_days: Annotated[int, Field(ge=0, le=3650)] = 30
    discount_percent: Annotated[Decimal | None, Field(examples=["2"], allow_inf_nan=False)] = None
    discount_days: Annotated[int | None, Field(ge=0, le=3650)] = None

    def to_domain(self) -> PaymentTerms:
        """The domain value (validated there)."""
        return PaymentTerms(self.net_days, self.discount_percent, self.discount_days)


class OpenAccount(Command):
    """Open a customer account."""

    customer_id: UUID | None = None
    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Acme GmbH"])]
    currency: Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"])]
    credit_limit: Amount
    payment_terms: PaymentTermsIn = PaymentTermsIn()


class ChangeCreditLimit(Command):
    """Set a new credit limit."""

    customer_id: UUID
    credit_limit: Amount
    reason: Reason


class PlaceCreditHold(Command):
    """Put an account on credit hold."""

    customer_id: UUID
    reason: Reason


class ReleaseCreditHold(Command):
    """Release a credit hold."""

    customer_id: UUID
    reason: Reason


class ChangePaymentTerms(Command):
    """Change payment terms for future invoices."""

    customer_id: UUID
    payment_terms: PaymentTermsIn


class CloseAccount(Command):
    """Close an account at zero balance."""

    customer_id: UUID
    reason: Reason
