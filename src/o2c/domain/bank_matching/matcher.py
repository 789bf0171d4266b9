"""The bank matcher: how to apply one incoming bank line, or why a person has to look at it.

The rules, in the order they are tried (the product's cash-application spec):

1. ``reference`` / ``reference-discount``: the remittance names invoices (by number, or by the
   ISO 11649 ``RF`` creditor reference printed on the invoice, which names it exactly), and the
   amount is what
   they (or some of them) still owe, less the early-payment discount when the line was booked on
   or before the discount deadline, within the tolerance. The money is for those invoices even
   when somebody else pays them (a third-party payer).
2. ``payer-amount`` / ``payer-discount`` / ``payer-combination``: the payer is a known customer
   (by IBAN, else by normalised name) and the amount is what one open invoice, or two to four of
   its oldest ones, still owe.
   ``payer-unapplied``: the payer is certain (its IBAN) but the amount fits nothing, and no
   reference names an open invoice: the money stays on the customer's account.
3. Otherwise the line goes to a person with ranked suggestions.

Two equally good explanations are never applied: the line goes to the queue with both. Disputed
invoices are suggested, never applied. Currencies must match. The matcher only decides; the
caller posts and then tells it (``applied``) so that later lines see the invoices as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from uuid import UUID

from o2c.domain.bank_matching.combinations import PairTable
from o2c.domain.bank_matching.indexes import AmountIndex, DueIndex
from o2c.domain.bank_matching.model import (
    Allocation,
    Decision,
    KnownPayer,
    Match,
    OpenInvoiceRef,
    Receipt,
    Suggestion,
)
from o2c.domain.bank_matching.references import (
    find_references,
    invoice_key,
    normalised_iban,
    normalised_name,
    not_a_payment,
    padded_digits,
)
from o2c.domain.creditor_reference import reference_key, split_creditor_references

# Bounds of the search without reference: a payer settles a few of its oldest invoices at once.
COMBINATION_SIZE = 4
COMBINATION_WINDOW = 30
COMBINATION_BUDGET = 50_000
# More referenced invoices than this are not tried in every subset (2**8 subsets at most).
MAX_REFERENCED = 8
MAX_SUGGESTIONS = 5

# How sure each rule is. A reference names the invoice; a payer and an amount only fit it.
SCORES: dict[str, float] = {
    "reference": 1.0,
    "reference-weak": 0.9,  # the number had no invoice word in front; the amount confirms it
    "reference-discount": 0.95,
    "payer-amount": 0.9,
    "payer-discount": 0.85,
    "payer-combination": 0.8,
    "payer-unapplied": 0.6,
}
# Identified by name only: the same rules, less sure (names are shared, IBANs are not).
NAME_ONLY_PENALTY = 0.1


@dataclass(frozen=True, slots=True)
class _Payer:
    """Who paid, as far as the line tells: one customer, or candidates."""

    customer_id: UUID | None
    by_iban: bool
    candidates: tuple[UUID, ...]

    def affinity(self, customer_id: UUID) -> float:
        """How well ``customer_id`` fits the payer: 1 by IBAN, 0.8 by name, 0.5 a candidate."""
        if customer_id == self.customer_id:
            return 1.0 if self.by_iban else 0.8
        return 0.5 if customer_id in self.candidates else 0.0


@dataclass(frozen=True, slots=True)
class _Fit:
    """A set of invoices of one customer that the amount pays, with or without discounts."""

    customer_id: UUID
    invoice_ids: tuple[UUID, ...]
    discount: bool
    disputed: bool


_NOBODY = _Payer(None, False, ())


class Matcher:
    """Decides bank lines against open invoices and known payers, indexed once up front."""

    def __init__(
        self,
        invoices: Iterable[OpenInvoiceRef],
        payers: Iterable[KnownPayer],
        *,
        tolerance: Decimal = Decimal(0),
    ) -> None:
        if tolerance < 0:
            raise ValueError("tolerance must not be negative")
        self._tolerance = tolerance
        self._invoices: dict[UUID, OpenInvoiceRef] = {}
        self._padded: dict[UUID, str | None] = {}
        self._by_key: dict[int, list[UUID]] = defaultdict(list)
        self._by_rf_key: dict[str, list[UUID]] = defaultdict(list)
        self._by_due: dict[UUID, DueIndex] = defaultdict(DueIndex)
        self._gross: dict[UUID, AmountIndex] = defaultdict(AmountIndex)
        self._net: dict[UUID, AmountIndex] = defaultdict(AmountIndex)
        self._everyone: dict[str, AmountIndex] = defaultdict(AmountIndex)
        self._payers: dict[UUID, KnownPayer] = {}
        self._by_iban: dict[str, list[UUID]] = defaultdict(list)
        self._by_name: dict[str, list[UUID]] = defaultdict(list)
        # Invoice number → customers, kept after settlement: a second payment of a settled
        # invoice still names its customer.
        self._owners: dict[int, set[UUID]] = {}
        self._tables: dict[tuple[UUID, str], tuple[tuple[OpenInvoiceRef, ...], int, PairTable]] = {}
        for invoice in invoices:
            if invoice.open_amount > 0 and invoice.invoice_id not in self._invoices:
                self._add(invoice)
        for payer in payers:
            self._payers[payer.customer_id] = payer
            for iban in {normalised_iban(iban) for iban in payer.ibans} - {""}:
                self._by_iban[iban].append(payer.customer_id)
            name = normalised_name(payer.name)
            if name:
                self._by_name[name].append(payer.customer_id)

    # -- deciding -------------------------------------------------------------------------

    def decide(self, receipt: Receipt) -> Decision:
        """How to apply ``receipt``: a match, or none with suggestions for a person."""
        if receipt.amount <= 0:
            return Decision(None, ())  # debits and zero lines are not cash to apply
        referenced = self._referenced(receipt)
        payer = self._payer(receipt)
        fits = self._reference_fits(receipt, referenced)
        if len(fits) == 1 and not fits[0].disputed:
            fit = fits[0]
            weak = not all(referenced[invoice_id] for invoice_id in fit.invoice_ids)
            rule = "reference-discount" if fit.discount else "reference"
            score = SCORES["reference-weak" if weak and not fit.discount else rule]
            return Decision(self._match(rule, score, receipt, fit), ())
        if fits:
            # Ambiguous, or the invoice the money is for is disputed: a person decides.
            return self._queue(receipt, referenced, payer, [fit.invoice_ids for fit in fits])
        # A reference that names an open invoice but does not fit the amount (a partial or
        # over-payment of it) outranks the payer rules: the payer said what the money is for.
        if any(referenced.values()) or payer.customer_id is None:
            return self._queue(receipt, referenced, payer, [])
        return self._by_payer(receipt, referenced, payer, payer.customer_id)

    def _by_payer(
        self, receipt: Receipt, referenced: dict[UUID, bool], payer: _Payer, customer_id: UUID
    ) -> Decision:
        penalty = 0.0 if payer.by_iban else NAME_ONLY_PENALTY
        singles = self._single_fits(receipt, customer_id)
        if len(singles) == 1 and not singles[0].disputed:
            rule = "payer-discount" if singles[0].discount else "payer-amount"
            return Decision(self._match(rule, SCORES[rule] - penalty, receipt, singles[0]), ())
        if singles:
            return self._queue(receipt, referenced, payer, [fit.invoice_ids for fit in singles])
        # Some ten thousand subsets of a customer's oldest invoices fit a random amount now and
        # then; only a certain payer (its IBAN) makes such a fit evidence. Names are shared.
        combos = self._combination_fits(receipt, customer_id) if payer.by_iban else []
        if len(combos) == 1:
            rule = "payer-combination"
            return Decision(self._match(rule, SCORES[rule] - penalty, receipt, combos[0]), ())
        if combos:
            return self._queue(receipt, referenced, payer, [fit.invoice_ids for fit in combos])
        known = self._payers.get(customer_id)
        if (
            payer.by_iban
            and known is not None
            and known.currency == receipt.currency
            and self._only_own_numbers(receipt, customer_id)
        ):
            # Certain payer, nothing it owes fits, no reference elsewhere: a payment on account.
            match = Match("payer-unapplied", SCORES["payer-unapplied"], customer_id, ())
            return Decision(match, ())
        return self._queue(receipt, referenced, payer, [])

    def _only_own_numbers(self, receipt: Receipt, customer_id: UUID) -> bool:
        """No word or number in the text speaks against a payment on the customer's account.

        Every number must be one of the customer's invoices (open or already settled, as when
        an invoice is paid twice); a contract, order or any unknown number says the money is
        for something else, and interest or a refund is not a customer's payment.
        """
        if not_a_payment(receipt.remittance):
            return False
        rf_keys, text = split_creditor_references(receipt.remittance)
        return not rf_keys and all(
            customer_id in self._owners.get(ref.value, ()) for ref in find_references(text)
        )

    def _referenced(self, receipt: Receipt) -> dict[UUID, bool]:
        """Open invoices in the receipt's currency the remittance names → named strongly?"""
        found: dict[UUID, bool] = {}
        rf_keys, text = split_creditor_references(receipt.remittance)
        for key in rf_keys:
            for invoice_id in self._by_rf_key.get(key, ()):
                if self._invoices[invoice_id].currency == receipt.currency:
                    found[invoice_id] = True  # the check digits make it exact
        for ref in find_references(text):
            for invoice_id in self._by_key.get(ref.value, ()):
                invoice = self._invoices[invoice_id]
                if invoice.currency != receipt.currency:
                    continue
                strong = ref.strong or self._padded[invoice_id] == ref.digits
                found[invoice_id] = found.get(invoice_id, False) or strong
        if len(found) > MAX_REFERENCED:
            # A list of numbers (a table, an account statement): keep the strongest few.
            ranked = sorted(found.items(), key=lambda item: not item[1])[:MAX_REFERENCED]
            found = dict(ranked)
        return found

    def _payer(self, receipt: Receipt) -> _Payer:
        by_iban = self._by_iban.get(normalised_iban(receipt.payer_iban), [])
        if len(by_iban) == 1:
            return _Payer(by_iban[0], True, ())
        by_name = self._by_name.get(normalised_name(receipt.payer_name), [])
        if len(by_name) == 1 and not by_iban:
            return _Payer(by_name[0], False, ())
        # An account shared by several customers, or a common name: candidates, no payer.
        return _Payer(None, False, tuple(dict.fromkeys([*by_iban, *by_name])))

    def _reference_fits(self, receipt: Receipt, referenced: dict[UUID, bool]) -> list[_Fit]:
        """Every subset of one customer's referenced invoices whose amount the receipt pays."""
        invoices = [self._invoices[invoice_id] for invoice_id in referenced]
        fits: list[_Fit] = []
        for mask in range(1, 1 << len(invoices)):
            chosen = [invoice for bit, invoice in enumerate(invoices) if mask >> bit & 1]
            if len({invoice.customer_id for invoice in chosen}) != 1:
                continue
            fits.extend(self._fits_of(receipt, chosen))
        return fits

    def _fits_of(self, receipt: Receipt, chosen: Sequence[OpenInvoiceRef]) -> list[_Fit]:
        gross = sum((invoice.open_amount for invoice in chosen), Decimal(0))
        discount = sum((invoice.discount_on(receipt.booked_on) for invoice in chosen), Decimal(0))
        ids = tuple(invoice.invoice_id for invoice in chosen)
        customer_id = chosen[0].customer_id
        disputed = any(invoice.disputed for invoice in chosen)
        fits = []
        if abs(receipt.amount - gross) <= self._tolerance:
            fits.append(_Fit(customer_id, ids, False, disputed))
        if discount > 0 and abs(receipt.amount - (gross - discount)) <= self._tolerance:
            fits.append(_Fit(customer_id, ids, True, disputed))
        return fits

    def _single_fits(self, receipt: Receipt, customer_id: UUID) -> list[_Fit]:
        """One open invoice of the customer that the amount pays, gross or net of discount."""
        fits: list[_Fit] = []
        for invoice_id in self._gross[customer_id].within(receipt.amount, self._tolerance):
            invoice = self._invoices[invoice_id]
            if invoice.currency == receipt.currency:
                fits.append(_Fit(customer_id, (invoice_id,), False, invoice.disputed))
        for invoice_id in self._net[customer_id].within(receipt.amount, self._tolerance):
            invoice = self._invoices[invoice_id]
            if invoice.currency == receipt.currency and invoice.discount_on(receipt.booked_on):
                fits.append(_Fit(customer_id, (invoice_id,), True, invoice.disputed))
        return fits

    def _combination_fits(self, receipt: Receipt, customer_id: UUID) -> list[_Fit]:
        """Two to four of the customer's oldest undisputed invoices that add up to the amount."""
        window, places, table = self._pair_table(customer_id, receipt.currency)
        if len(window) < 2:
            return []
        if _places(receipt.amount) > places:
            # More decimals than the invoices have: table them again at the receipt's scale.
            places = _places(receipt.amount)
            table = PairTable([int(invoice.open_amount.scaleb(places)) for invoice in window])
        search = table.find(
            int(receipt.amount.scaleb(places)),
            tolerance=int(self._tolerance.scaleb(places).to_integral_value(ROUND_FLOOR)),
            max_size=COMBINATION_SIZE,
            limit=2,
            budget=COMBINATION_BUDGET,
        )
        return [
            _Fit(customer_id, tuple(window[i].invoice_id for i in sorted(s)), False, False)
            for s in search.solutions
        ]

    def _pair_table(
        self, customer_id: UUID, currency: str
    ) -> tuple[tuple[OpenInvoiceRef, ...], int, PairTable]:
        """The customer's combination window and its pair sums, kept until its invoices change."""
        cached = self._tables.get((customer_id, currency))
        if cached is not None:
            return cached
        window: list[OpenInvoiceRef] = []
        for invoice_id in self._by_due[customer_id]:
            invoice = self._invoices[invoice_id]
            if not invoice.disputed and invoice.currency == currency:
                window.append(invoice)
                if len(window) == COMBINATION_WINDOW:
                    break
        places = max((_places(invoice.open_amount) for invoice in window), default=0)
        table = PairTable([int(invoice.open_amount.scaleb(places)) for invoice in window])
        entry = (tuple(window), places, table)
        self._tables[(customer_id, currency)] = entry
        return entry

    def _match(self, rule: str, score: float, receipt: Receipt, fit: _Fit) -> Match:
        """The allocations of ``fit``: oldest first, each invoice at most what it still owes."""
        chosen = sorted(
            (self._invoices[invoice_id] for invoice_id in fit.invoice_ids),
            key=lambda invoice: (invoice.due_on, invoice.number),
        )
        left = receipt.amount
        allocations = []
        for invoice in chosen:
            discount = invoice.discount_on(receipt.booked_on) if fit.discount else Decimal(0)
            # Within the tolerance the receipt may be a little short: the last invoice gets
            # what is left (its remainder stays open); an excess stays unapplied.
            amount = min(invoice.open_amount - discount, left)
            if amount <= 0:
                break
            allocations.append(Allocation(invoice.invoice_id, amount, discount))
            left -= amount
        return Match(rule, max(0.0, min(1.0, score)), fit.customer_id, tuple(allocations))

    # -- suggestions ----------------------------------------------------------------------

    def _queue(
        self,
        receipt: Receipt,
        referenced: dict[UUID, bool],
        payer: _Payer,
        sets: list[tuple[UUID, ...]],
    ) -> Decision:
        """No match: the candidates a person should look at first, best first."""
        candidates: set[tuple[UUID, ...]] = set(sets)
        candidates.update((invoice_id,) for invoice_id in referenced)
        by_customer: dict[UUID, list[UUID]] = defaultdict(list)
        for invoice_id, strong in referenced.items():
            if strong:
                by_customer[self._invoices[invoice_id].customer_id].append(invoice_id)
        candidates.update(tuple(ids) for ids in by_customer.values() if len(ids) > 1)
        customers = [payer.customer_id] if payer.customer_id else list(payer.candidates[:3])
        for customer_id in customers:
            candidates.update((i,) for i in self._gross[customer_id].nearest(receipt.amount, 3))
            net = self._net[customer_id].within(receipt.amount, self._tolerance)
            candidates.update((invoice_id,) for invoice_id in net)
            if not sets and payer.by_iban:
                candidates.update(
                    fit.invoice_ids for fit in self._combination_fits(receipt, customer_id)
                )
        candidates.update((i,) for i in self._everyone[receipt.currency].nearest(receipt.amount, 3))
        scored: dict[tuple[UUID, tuple[UUID, ...]], float] = {}
        for ids in candidates:
            invoices = [self._invoices[invoice_id] for invoice_id in ids]
            if len({invoice.customer_id for invoice in invoices}) != 1:
                continue
            key = (invoices[0].customer_id, ids)
            scored[key] = self._score(receipt, referenced, payer, invoices)
        if payer.customer_id is not None:
            # Keeping the money on the payer's account is always an option to offer.
            scored[(payer.customer_id, ())] = 0.1 + 0.45 * payer.affinity(payer.customer_id)
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0][1]))
        suggestions = tuple(
            Suggestion(customer_id, ids, round(score, 4))
            for (customer_id, ids), score in ranked[:MAX_SUGGESTIONS]
        )
        return Decision(None, suggestions)

    def _score(
        self,
        receipt: Receipt,
        referenced: dict[UUID, bool],
        payer: _Payer,
        invoices: Sequence[OpenInvoiceRef],
    ) -> float:
        """0..1: named in the text (40 %), paid by its customer (25 %), amount (30 %), due (5 %)."""
        reference = sum(
            1.0 if referenced.get(i.invoice_id) else 0.6 if i.invoice_id in referenced else 0.0
            for i in invoices
        ) / len(invoices)
        gross = sum((invoice.open_amount for invoice in invoices), Decimal(0))
        net = gross - sum((i.discount_on(receipt.booked_on) for i in invoices), Decimal(0))
        gap = min(abs(receipt.amount - gross), abs(receipt.amount - net))
        gap = max(Decimal(0), gap - self._tolerance)
        amount = 1.0 / (1.0 + 20.0 * float(gap / receipt.amount))
        due = 1.0 if min(invoice.due_on for invoice in invoices) <= receipt.booked_on else 0.5
        affinity = payer.affinity(invoices[0].customer_id)
        return 0.4 * reference + 0.25 * affinity + 0.3 * amount + 0.05 * due

    # -- the caller posted a match --------------------------------------------------------

    def applied(self, match: Match) -> None:
        """``match`` was posted: its invoices owe that much less (settled ones are gone)."""
        for allocation in match.allocations:
            invoice = self._invoices.get(allocation.invoice_id)
            if invoice is None:
                continue
            self._remove(invoice)
            left = invoice.open_amount - allocation.amount - allocation.discount
            if left > 0:
                # A discount is taken once; a partial payment without it keeps the offer.
                kept = invoice.discount_amount if allocation.discount == 0 else left - left
                self._add(replace(invoice, open_amount=left, discount_amount=kept))

    def _add(self, invoice: OpenInvoiceRef) -> None:
        invoice_id = invoice.invoice_id
        self._tables.pop((invoice.customer_id, invoice.currency), None)
        self._invoices[invoice_id] = invoice
        self._padded[invoice_id] = padded_digits(invoice.number)
        self._by_rf_key[reference_key(invoice.number)].append(invoice_id)
        key = invoice_key(invoice.number)
        if key is not None:
            self._by_key[key].append(invoice_id)
            self._owners.setdefault(key, set()).add(invoice.customer_id)
        self._by_due[invoice.customer_id].add((invoice.due_on, invoice.number, invoice_id))
        self._gross[invoice.customer_id].add(invoice.open_amount, invoice_id)
        if _net(invoice) is not None:
            self._net[invoice.customer_id].add(
                invoice.open_amount - invoice.discount_amount, invoice_id
            )
        self._everyone[invoice.currency].add(invoice.open_amount, invoice_id)

    def _remove(self, invoice: OpenInvoiceRef) -> None:
        invoice_id = invoice.invoice_id
        self._tables.pop((invoice.customer_id, invoice.currency), None)
        del self._invoices[invoice_id]
        rf_key = reference_key(invoice.number)
        self._by_rf_key[rf_key].remove(invoice_id)
        if not self._by_rf_key[rf_key]:
            del self._by_rf_key[rf_key]
        key = invoice_key(invoice.number)
        if key is not None:
            self._by_key[key].remove(invoice_id)
            if not self._by_key[key]:
                del self._by_key[key]
        self._by_due[invoice.customer_id].remove((invoice.due_on, invoice.number, invoice_id))
        self._gross[invoice.customer_id].remove(invoice.open_amount, invoice_id)
        if _net(invoice) is not None:
            self._net[invoice.customer_id].remove(
                invoice.open_amount - invoice.discount_amount, invoice_id
            )
        self._everyone[invoice.currency].remove(invoice.open_amount, invoice_id)


def _net(invoice: OpenInvoiceRef) -> date | None:
    """The discount deadline when the invoice offers a discount that leaves something to pay."""
    if invoice.discount_amount <= 0 or invoice.discount_amount >= invoice.open_amount:
        return None
    return invoice.discount_until


def _places(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
