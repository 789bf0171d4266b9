"""Value-added tax in the EN 16931 model: categories, rates, per-group rounding and splits.

An invoice states its tax per (category, rate) group, the way a tax office reads it: the
taxable amount of a group is the sum of its line nets, and its tax is rounded half-up to the
currency's minor unit **once per group**, never per line (rounding per line would let ten lines
of 0.05 at 19 % owe 0.10 instead of 0.095 → 0.10, and a hundred lines drift by cents).

Corrections that name no lines (a credit note by amount, an early-payment discount, a
write-off) take a gross amount off the invoice: it is split across the invoice's groups in
proportion to each group's gross, the last group taking the rounding rest, and each part is
split into net and tax at its group's rate, so the parts always add up to the amount exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from o2c.domain.errors import InvalidInput
from o2c.domain.money import quantum

HUNDRED = Decimal(100)


class TaxCategory(StrEnum):
    """UNCL5305 duty/tax category codes an AR invoice uses."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_EU = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"


# Categories whose lines owe no tax and must say why (EN 16931 BR-E-10, BR-AE-10, BR-IC-10,
# BR-G-10, BR-O-10): the reason defaults to the VATEX code of the category.
DEFAULT_EXEMPTION: dict[TaxCategory, tuple[str, str]] = {
    TaxCategory.EXEMPT: ("VATEX-EU-132", "Exempt from VAT"),
    TaxCategory.REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge"),
    TaxCategory.INTRA_EU: ("VATEX-EU-IC", "Intra-Community supply"),
    TaxCategory.EXPORT: ("VATEX-EU-G", "Export outside the EU"),
    TaxCategory.OUTSIDE_SCOPE: ("VATEX-EU-O", "Not subject to VAT"),
}

# The buyer accounts for the tax in these categories, so the invoice must name the buyer's VAT ID.
NEEDS_BUYER_VAT_ID = frozenset({TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_EU})


class TaxTreatment(StrEnum):
    """How a customer is taxed by default."""

    DOMESTIC = "domestic"
    INTRA_EU = "intra_eu"
    EXPORT = "export"
    EXEMPT = "exempt"


class LineKind(StrEnum):
    """Goods and services differ only for intra-EU supplies (K versus reverse charge AE)."""

    GOODS = "goods"
    SERVICE = "service"


@dataclass(frozen=True)
class TaxRates:
    """The rates the seller charges, from ``S=19,S=7,Z=0``: the first ``S`` is the standard one."""

    standard: Decimal
    allowed: frozenset[tuple[TaxCategory, Decimal]]

    @classmethod
    def parse(cls, spec: str) -> TaxRates:
        """Parse ``category=rate`` pairs; at least one ``S`` rate is required."""
        pairs: list[tuple[TaxCategory, Decimal]] = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            code, sep, rate = item.partition("=")
            try:
                category = TaxCategory(code.strip().upper())
                value = Decimal(rate.strip())
            except (ValueError, ArithmeticError) as exc:
                raise ValueError(f"tax rate {item!r} is not CATEGORY=PERCENT") from exc
            if not sep or not value.is_finite() or not Decimal(0) <= value < HUNDRED:
                raise ValueError(f"tax rate {item!r} is not CATEGORY=PERCENT")
            pairs.append((category, normal_rate(value)))
        standard = [rate for category, rate in pairs if category is TaxCategory.STANDARD]
        if not standard:
            raise ValueError("the tax rates name no standard (S) rate")
        return cls(standard[0], frozenset(pairs))

    def check(self, category: TaxCategory, rate: Decimal) -> Decimal:
        """The rate at two decimals if the seller charges it in ``category``; 422 otherwise."""
        rate = normal_rate(rate)
        if category is not TaxCategory.STANDARD and category is not TaxCategory.ZERO_RATED:
            if rate != 0:
                raise InvalidInput(
                    f"tax category {category.value} has rate 0, not {rate}", code="invalid-tax"
                )
            return rate
        if category is TaxCategory.ZERO_RATED and rate == 0:
            return rate
        if (category, rate) not in self.allowed:
            raise InvalidInput(
                f"tax rate {rate} % is not a configured {category.value} rate", code="invalid-tax"
            )
        return rate


def normal_rate(rate: Decimal) -> Decimal:
    """A percentage at two decimals (``19`` → ``19.00``) from 0 to under 100; anything else is
    refused before any arithmetic, so no input (``5e234``) can overflow the decimal context."""
    if not rate.is_finite() or (not rate.is_zero() and not -3 <= rate.adjusted() <= 1):
        raise InvalidInput(f"tax rate {rate} is not a percentage under 100", code="invalid-tax")
    if rate.is_signed() and not rate.is_zero():
        raise InvalidInput(f"tax rate {rate} must not be negative", code="invalid-tax")
    if rate != rate.quantize(Decimal("0.01")):
        raise InvalidInput(f"tax rate {rate} has more than two decimals", code="invalid-tax")
    return rate.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class LineTax:
    """The tax a line is charged: category, rate and, where no tax is owed, why."""

    category: TaxCategory
    rate: Decimal
    exemption_reason_code: str | None = None
    exemption_reason: str | None = None

    @property
    def key(self) -> tuple[TaxCategory, Decimal]:
        """The (category, rate) group this line's tax is computed in."""
        return (self.category, self.rate)


def default_category(treatment: TaxTreatment, kind: LineKind) -> TaxCategory:
    """The category of a line that names none, from the customer's tax treatment."""
    if treatment is TaxTreatment.DOMESTIC:
        return TaxCategory.STANDARD
    if treatment is TaxTreatment.INTRA_EU:
        return TaxCategory.REVERSE_CHARGE if kind is LineKind.SERVICE else TaxCategory.INTRA_EU
    if treatment is TaxTreatment.EXPORT:
        return TaxCategory.EXPORT
    return TaxCategory.EXEMPT


def line_tax(
    rates: TaxRates,
    *,
    treatment: TaxTreatment,
    kind: LineKind = LineKind.GOODS,
    category: TaxCategory | None = None,
    rate: Decimal | None = None,
    exemption_reason_code: str | None = None,
    exemption_reason: str | None = None,
    buyer_vat_id: str | None = None,
) -> LineTax:
    """A line's tax from what it names, the customer's defaults filling the rest.

    A line without a category gets the treatment's default; a standard-rated line without a
    rate gets the standard rate; a category that owes no tax gets its default exemption reason.
    Reverse charge and intra-EU supplies need the buyer's VAT ID (422 ``buyer-vat-id-required``).
    """
    category = category or default_category(treatment, kind)
    if rate is None:
        rate = rates.standard if category is TaxCategory.STANDARD else Decimal(0)
    rate = rates.check(category, rate)
    if category in NEEDS_BUYER_VAT_ID and not buyer_vat_id:
        raise InvalidInput(
            f"tax category {category.value} needs the buyer's VAT ID",
            code="buyer-vat-id-required",
        )
    if category in DEFAULT_EXEMPTION:
        default_code, default_text = DEFAULT_EXEMPTION[category]
        if not exemption_reason_code and not exemption_reason:
            exemption_reason_code, exemption_reason = default_code, default_text
        return LineTax(category, rate, exemption_reason_code, exemption_reason)
    if exemption_reason_code or exemption_reason:
        raise InvalidInput(
            f"tax category {category.value} owes tax: it takes no exemption reason",
            code="invalid-tax",
        )
    return LineTax(category, rate)


@dataclass(frozen=True)
class TaxGroup:
    """One row of a VAT breakdown: the taxable amount and the tax of one (category, rate)."""

    category: TaxCategory
    rate: Decimal
    taxable: Decimal
    tax: Decimal
    exemption_reason_code: str | None = None
    exemption_reason: str | None = None

    @property
    def gross(self) -> Decimal:
        """What the group adds to the amount payable."""
        return self.taxable + self.tax


def group_tax(taxable: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The tax of a group: taxable × rate / 100, rounded half-up once to the minor unit."""
    return (taxable * rate / HUNDRED).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def breakdown(lines: Iterable[tuple[LineTax, Decimal]], currency: str) -> tuple[TaxGroup, ...]:
    """The VAT breakdown of (line tax, line net) pairs, one group per (category, rate).

    Groups come in the order their first line appears, so the same lines always give the same
    breakdown (documents are rendered byte for byte from it).
    """
    nets: dict[tuple[TaxCategory, Decimal], Decimal] = {}
    first: dict[tuple[TaxCategory, Decimal], LineTax] = {}
    for tax, net in lines:
        nets[tax.key] = nets.get(tax.key, Decimal(0)) + net
        first.setdefault(tax.key, tax)
    return tuple(
        TaxGroup(
            key[0],
            key[1],
            taxable,
            group_tax(taxable, key[1], currency),
            first[key].exemption_reason_code,
            first[key].exemption_reason,
        )
        for key, taxable in nets.items()
    )


def split_gross(amount: Decimal, groups: Sequence[TaxGroup], currency: str) -> tuple[TaxGroup, ...]:
    """Split a gross ``amount`` across ``groups`` in proportion to their gross.

    Each share is rounded to the minor unit on the running total (share *i* is the rounded
    cumulative share up to *i* less the one before it), so no share is negative, the last group
    takes the rest and the shares add up to ``amount`` exactly; each share is then split into tax
    (half-up at the group's rate, computed from the gross) and net. Groups with no gross get
    nothing; an invoice without a breakdown (recorded before taxes) gives an empty split.
    """
    weighted = [g for g in groups if g.gross != 0]
    if not weighted:
        return ()
    total = sum((g.gross for g in weighted), Decimal(0))
    unit = quantum(currency)
    parts: list[TaxGroup] = []
    running = Decimal(0)
    given = Decimal(0)
    for index, group in enumerate(weighted):
        running += group.gross
        last = index == len(weighted) - 1
        upto = amount if last else (amount * running / total).quantize(unit, ROUND_HALF_UP)
        share, given = upto - given, upto
        tax = (share * group.rate / (HUNDRED + group.rate)).quantize(unit, ROUND_HALF_UP)
        parts.append(
            TaxGroup(
                group.category,
                group.rate,
                share - tax,
                tax,
                group.exemption_reason_code,
                group.exemption_reason,
            )
        )
    return tuple(parts)


def totals(groups: Iterable[TaxGroup]) -> tuple[Decimal, Decimal]:
    """(net total, tax total) of a breakdown."""
    net = tax = Decimal(0)
    for group in groups:
        net += group.taxable
        tax += group.tax
    return net, tax


DEFAULT_RATES = "S=19,S=7,Z=0"


@dataclass(frozen=True)
class TaxPolicy:
    """What the book is configured to charge and reclaim: the rates (``O2C_TAX_RATES``) and
    whether a write-off reclaims its tax part (bad-debt relief, ``O2C_WRITE_OFF_TAX_RELIEF``)."""

    rates: TaxRates
    write_off_relief: bool = True

    @classmethod
    def default(cls) -> TaxPolicy:
        """Standard 19 %, reduced 7 %, zero rate; write-offs reclaim their tax."""
        return cls(TaxRates.parse(DEFAULT_RATES))


def line_tax_fields(tax: LineTax | None) -> dict[str, Any]:
    """A line's tax as the fields stored on order and invoice lines (all ``None``: no tax data,
    a line recorded before taxes)."""
    if tax is None:
        return dict.fromkeys(LINE_TAX_FIELDS)
    return {
        "tax_category": tax.category.value,
        "tax_rate": tax.rate,
        "exemption_reason_code": tax.exemption_reason_code,
        "exemption_reason": tax.exemption_reason,
    }


LINE_TAX_FIELDS = ("tax_category", "tax_rate", "exemption_reason_code", "exemption_reason")


def line_tax_of(fields: Mapping[str, Any]) -> LineTax | None:
    """The tax a stored line carries, or ``None`` for a line recorded before taxes."""
    category = fields.get("tax_category")
    if category is None:
        return None
    return LineTax(
        TaxCategory(category),
        Decimal(fields["tax_rate"]),
        fields.get("exemption_reason_code"),
        fields.get("exemption_reason"),
    )


def group_fields(group: TaxGroup) -> dict[str, Any]:
    """One breakdown row as events store it."""
    return {
        "category": group.category.value,
        "rate": group.rate,
        "taxable": group.taxable,
        "tax": group.tax,
        "exemption_reason_code": group.exemption_reason_code,
        "exemption_reason": group.exemption_reason,
    }


def group_of(fields: Mapping[str, Any]) -> TaxGroup:
    """A breakdown row read back from an event."""
    return TaxGroup(
        TaxCategory(fields["category"]),
        Decimal(fields["rate"]),
        Decimal(fields["taxable"]),
        Decimal(fields["tax"]),
        fields.get("exemption_reason_code"),
        fields.get("exemption_reason"),
    )


def gross_of(lines: Iterable[tuple[LineTax, Decimal]], currency: str) -> Decimal:
    """What lines come to with their tax: net plus the per-group tax."""
    net, tax = totals(breakdown(lines, currency))
    return net + tax


def less(groups: Sequence[TaxGroup], taken: Iterable[TaxGroup]) -> tuple[TaxGroup, ...]:
    """``groups`` with the parts ``taken`` off them (matched by category and rate)."""
    left = {(g.category, g.rate): g for g in groups}
    for part in taken:
        key = (part.category, part.rate)
        if key in left:
            g = left[key]
            left[key] = TaxGroup(
                g.category,
                g.rate,
                g.taxable - part.taxable,
                g.tax - part.tax,
                g.exemption_reason_code,
                g.exemption_reason,
            )
    return tuple(left.values())


def plus(groups: Sequence[TaxGroup], added: Iterable[TaxGroup]) -> tuple[TaxGroup, ...]:
    """``groups`` with the parts ``added`` back onto them (matched by category and rate; a part
    of a group not in ``groups`` becomes a group of its own, after the others)."""
    summed = {(g.category, g.rate): g for g in groups}
    for part in added:
        key = (part.category, part.rate)
        g = summed.get(key)
        summed[key] = (
            part
            if g is None
            else TaxGroup(
                g.category,
                g.rate,
                g.taxable + part.taxable,
                g.tax + part.tax,
                g.exemption_reason_code,
                g.exemption_reason,
            )
        )
    return tuple(summed.values())
