"""Statement amounts in their currency's minor units, with the domain's currency table.

Every reader quantizes to the currency's exponent so that ``100``, ``100,`` and ``100.00`` read
from three formats are the same ``Decimal`` (and so give the same line digest).
"""

from __future__ import annotations

from decimal import Decimal

from o2c.bank.errors import MalformedStatement
from o2c.domain.money import MINOR_UNITS, quantum


def currency_exponent(currency: str, *, line: int | None) -> int:
    """Decimals the currency allows; an unknown currency cannot be applied, so it is refused."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise MalformedStatement(f"unsupported currency {currency!r}", line) from None


def quantized(amount: Decimal, currency: str, *, line: int | None) -> Decimal:
    """``amount`` with exactly the currency's decimals; more significant decimals are refused."""
    currency_exponent(currency, line=line)
    result = amount.quantize(quantum(currency))
    if result != amount:
        raise MalformedStatement(f"amount {amount} has more decimals than {currency} allows", line)
    return result
