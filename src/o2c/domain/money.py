"""Money: ``Decimal`` amounts in an ISO-4217 currency with that currency's minor units.

Amounts are never floats. An amount with more decimals than its currency allows is rejected,
never silently rounded; rounding happens only where the domain computes a figure (a discount).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from o2c.domain.errors import InvalidInput

# Minor units per ISO-4217 code. Codes not listed are rejected rather than guessed.
MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "SGD": 2,
    "HKD": 2,
    "CNY": 2,
    "INR": 2,
    "BRL": 2,
    "MXN": 2,
    "ZAR": 2,
    "TRY": 2,
    "ILS": 2,
    "AED": 2,
    "SAR": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


# Amounts are below 10**MAX_DIGITS in magnitude: far above any real figure, far below what the
# decimal context (28 digits) and the read models' integer columns hold.
MAX_DIGITS = 15


def validate_currency(code: str) -> str:
    """Return the upper-cased ISO code, or raise ``InvalidInput`` for an unknown one."""
    upper = code.upper()
    if upper not in MINOR_UNITS:
        raise InvalidInput(f"unknown or unsupported currency {code!r}", code="invalid-currency")
    return upper


def minor_units(currency: str) -> int:
    """Number of decimals the currency allows."""
    return MINOR_UNITS[validate_currency(currency)]


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency (``0.01`` for EUR, ``1`` for JPY)."""
    return Decimal(1).scaleb(-minor_units(currency))


def zero(currency: str) -> Decimal:
    """Zero with the currency's exponent, so sums print as ``0.00``."""
    return Decimal(0).quantize(quantum(currency))


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """Parse a JSON value (string or int) into a finite ``Decimal``; floats are refused."""
    if isinstance(value, bool | float):
        raise InvalidInput(f"{field} must be a decimal string, not a float", code="invalid-amount")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(
            f"{field} is not a decimal number: {value!r}", code="invalid-amount"
        ) from exc
    if not amount.is_finite():
        raise InvalidInput(f"{field} must be finite", code="invalid-amount")
    return amount


def decimal_places(amount: Decimal) -> int:
    """Decimals ``amount`` needs (``1.50`` → 1, ``1E+3`` → 0, ``1E-9999999`` → 9999999).

    Read from the digits, never through the decimal context: ``normalize()`` would overflow on
    ``1E+9999999`` and round ``1E-9999999`` to zero.
    """
    _sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if trailing_zeros == len(digits):
        return 0  # zero, whatever its exponent
    return max(0, -(exponent + trailing_zeros))


def check_amount(
    amount: Decimal,
    currency: str,
    *,
    field: str = "amount",
    allow_zero: bool = False,
    allow_negative: bool = False,
) -> Decimal:
    """Validate an amount against its currency and return it at the currency's exponent.

    Rejects more decimals than the currency has (``1.005`` EUR, ``10.5`` JPY) instead of
    rounding, because a rounded payment is a different payment. Every check is exact and runs
    before any arithmetic, so no input can overflow the decimal context. A negative zero comes
    back as zero.
    """
    amount = to_decimal(amount, field)
    if not amount.is_zero() and amount.adjusted() >= MAX_DIGITS:
        raise InvalidInput(f"{field} is too large", code="invalid-amount")
    places = minor_units(currency)
    if decimal_places(amount) > places:
        raise InvalidInput(
            f"{field} {amount} has more decimals than {currency} allows ({places})",
            code="invalid-amount-precision",
        )
    if amount.is_zero():
        if not allow_zero:
            raise InvalidInput(f"{field} must be greater than zero", code="invalid-amount")
        return zero(currency)
    if amount.is_signed() and not allow_negative:
        raise InvalidInput(f"{field} must not be negative", code="invalid-amount")
    return amount.quantize(quantum(currency))


def check_total(amount: Decimal, currency: str, *, field: str = "total") -> Decimal:
    """Refuse a figure the domain derived (a total, a sum within one command) that is out of the
    range every input amount keeps.

    Each input being in range does not make their sum or product so (a million units at the
    largest price), and a figure out of range is one that no read model can store: it would be
    accepted here and then fail its projection forever. So it is bad input like its parts.
    """
    if not amount.is_zero() and amount.adjusted() >= MAX_DIGITS:
        raise InvalidInput(
            f"{field} {amount} {currency} is too large: every amount, derived ones included, "
            f"must be less than 10^{MAX_DIGITS} in magnitude",
            code="invalid-amount",
        )
    return amount


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round a computed figure (never a caller's input) half-up to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


# ---- Money: an amount with its currency ----------------------------------------------------

# Read models and posting rules count money in thousandths ("mills"): every supported currency
# has at most three decimals, so this is exact, and integer ``SUM`` behaves the same on SQLite
# (which has no decimal type) and PostgreSQL.
MILLS = 1000


@dataclass(frozen=True)
class Money:
    """An amount in a currency, at the currency's exponent (``Money(Decimal("12.30"), "EUR")``).

    Built from a validated figure (``of``) or from stored mills (``from_mills``); ``str`` writes
    the amount with exactly the currency's decimals, as every API and export shows it.
    """

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        """``amount`` at the currency's exponent; more decimals than it allows are refused."""
        return cls(check_amount(amount, currency, allow_zero=True, allow_negative=True), currency)

    @classmethod
    def from_mills(cls, mills: int | None, currency: str) -> Money:
        """The amount a read model stored as mills, at the currency's exponent."""
        return cls((Decimal(int(mills or 0)) / MILLS).quantize(quantum(currency)), currency)

    @property
    def mills(self) -> int:
        """The amount in thousandths, as read models store it."""
        return to_mills(self.amount)

    def __str__(self) -> str:
        return str(self.amount)


def to_mills(amount: str | Decimal | int) -> int:
    """``"12.34"`` → ``12340``."""
    return int(Decimal(str(amount)) * MILLS)


def from_mills(mills: int | None, currency: str | None = None) -> str:
    """``12340`` → ``"12.34"`` (at the currency's exponent; two decimals when it is unknown)."""
    if currency:
        return str(Money.from_mills(mills, currency))
    return str((Decimal(int(mills or 0)) / MILLS).quantize(Decimal("0.01")))


@dataclass(frozen=True)
class MillsFormat:
    """Writes stored mills as text at one currency's exponent, without ``Decimal`` for the whole
    minor units every posted figure holds (anything else goes through ``Money``): a ledger page
    formats two amounts per line."""

    currency: str
    decimals: int
    per_unit: int  # mills in one minor unit
    zero: str

    @classmethod
    def of(cls, currency: str) -> MillsFormat:
        """The format of ``currency``."""
        decimals = minor_units(currency)
        return cls(currency, decimals, MILLS // 10**decimals, from_mills(0, currency))

    def __call__(self, mills: int) -> str:
        if not mills:
            return self.zero
        whole, rest = divmod(int(mills), self.per_unit)
        if rest or whole < 0:
            return from_mills(mills, self.currency)
        if not self.decimals:
            return str(whole)
        digits = str(whole).rjust(self.decimals + 1, "0")
        return f"{digits[: -self.decimals]}.{digits[-self.decimals :]}"
