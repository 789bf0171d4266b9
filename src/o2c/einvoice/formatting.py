"""How facts are written in e-invoice XML: amounts, quantities, rates, dates, payment terms.

Every figure is written the same way every time, so the same document gives the same bytes:
amounts at the currency's exponent (``1000`` yen, ``19.90`` euro), never in exponent notation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from o2c.domain.money import quantum
from o2c.einvoice.document import EInvoiceDocument, PaymentTerms
from o2c.einvoice.profiles import Profile

RATE = Decimal("0.01")


def amount(value: Decimal, currency: str) -> str:
    """An amount at the currency's minor unit (``-0`` written as ``0``)."""
    return _plain(value.quantize(quantum(currency)))


def price(value: Decimal, currency: str) -> str:
    """A unit price: at least the currency's minor unit, more decimals if it has them."""
    exponent = min(_exponent(quantum(currency)), _exponent(value.normalize()))
    return _plain(value.quantize(Decimal(1).scaleb(exponent)))


def quantity(value: Decimal) -> str:
    """A quantity with no trailing zeros (``2``, ``1.5``)."""
    normal = value.normalize()
    return _plain(normal.quantize(Decimal(1).scaleb(min(0, _exponent(normal)))))


def percent(value: Decimal) -> str:
    """A rate or percentage at two decimals (``19.00``)."""
    return _plain(value.quantize(RATE))


def iso_date(value: date) -> str:
    """``YYYY-MM-DD``, as UBL writes dates."""
    return value.isoformat()


def cii_date(value: date) -> str:
    """``YYYYMMDD``, CII's date format 102."""
    return value.strftime("%Y%m%d")


def payment_terms_text(document: EInvoiceDocument, profile: Profile) -> str | None:
    """The payment terms (BT-20), the early-payment discount included.

    XRechnung reads a discount only in its own form, a line
    ``#SKONTO#TAGE=14#PROZENT=2.00#`` followed by a line break (rule BR-DE-18); the other
    profiles state it in words.
    """
    terms = document.payment_terms or PaymentTerms()
    parts = [terms.note] if terms.note else []
    discount = terms.discount
    if discount is not None:
        if profile is Profile.XRECHNUNG:
            parts.append(f"#SKONTO#TAGE={discount.days}#PROZENT={percent(discount.percent)}#\n")
        else:
            parts.append(
                f"{percent(discount.percent)} % early-payment discount "
                f"({amount(discount.amount, document.currency)} {document.currency}) "
                f"if paid within {discount.days} days, by {iso_date(discount.until)}."
            )
    return "\n".join(parts) or None


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text[1:] if text.startswith("-") and value == 0 else text
