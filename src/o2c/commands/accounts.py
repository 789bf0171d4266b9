"""Commands on customer accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Amount, Command, Count, Reason, SingleLine
from o2c.commands.parties import CustomerFields
from o2c.domain.errors import InvalidInput
from o2c.domain.money import decimal_places
from o2c.domain.terms import PaymentTerms

# A discount is a percentage with at most this many decimals ("2", "1.5", "0.25").
PERCENT_PLACES = 4


class PaymentTermsIn(BaseModel):
    """Payment terms as sent by a caller: ``{net_days, discount_percent?, discount_days?}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    net_days: Annotated[Count, Field(ge=0, le=3650)] = 30
    discount_percent: Annotated[Decimal | None, Field(examples=["2"], allow_inf_nan=False)] = None
    discount_days: Annotated[Count | None, Field(ge=0, le=3650)] = None

    def to_domain(self) -> PaymentTerms:
        """The domain value (validated there).

        New terms also keep the percentage to a few decimals; the domain cannot refuse that
        itself, because it rebuilds terms from events stored before the limit existed.
        """
        if (
            self.discount_percent is not None
            and decimal_places(self.discount_percent) > PERCENT_PLACES
        ):
            raise InvalidInput(
                f"discount_percent may have at most {PERCENT_PLACES} decimals",
                code="invalid-terms",
            )
        return PaymentTerms(self.net_days, self.discount_percent, self.discount_days)


class OpenAccount(CustomerFields, Command):
    """Open a customer account, with its party details if given."""

    customer_id: UUID | None = None
    name: Annotated[SingleLine, Field(min_length=1, max_length=200, examples=["Acme GmbH"])]
    currency: Annotated[SingleLine, Field(min_length=3, max_length=3, examples=["EUR"])]
    credit_limit: Amount
    payment_terms: PaymentTermsIn = PaymentTermsIn()


class CreditLimitFields(BaseModel):
    """A new credit limit and why (the account is named apart, e.g. in a URL)."""

    credit_limit: Amount
    reason: Reason


class ChangeCreditLimit(CreditLimitFields, Command):
    """Set a new credit limit."""

    customer_id: UUID


class ReasonFields(BaseModel):
    """Why an account is held, released or closed."""

    reason: Reason


class PlaceCreditHold(ReasonFields, Command):
    """Put an account on credit hold."""

    customer_id: UUID


class ReleaseCreditHold(ReasonFields, Command):
    """Release a credit hold."""

    customer_id: UUID


class TermsFields(BaseModel):
    """New payment terms."""

    payment_terms: PaymentTermsIn


class ChangePaymentTerms(TermsFields, Command):
    """Change payment terms for future invoices."""

    customer_id: UUID


class CloseAccount(ReasonFields, Command):
    """Close an account at zero balance."""

    customer_id: UUID
