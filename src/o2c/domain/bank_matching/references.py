"""Reading what a payer wrote: invoice references in remittance text, names and IBANs.

Payers write the same invoice as ``INV-000123``, ``INV 123``, ``inv-000123``, ``000123``,
``Rechnung 123`` or ``Rechnungen 123, 124``; invoices are therefore found by the value of their
number's digits. Not every number in a text is an invoice (``Kd-Nr 4711``, a contract, a date),
so each reference also says how strongly it reads as one: a *strong* reference has an invoice
word in front, an invoice prefix, the full zero-padded width, or continues a list of strong ones.
Weak references may still settle an invoice when the amount fits, but never veto a decision.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Words a payer puts in front of an invoice number (compared case-folded).
_INVOICE_WORDS = frozenset(
    {
        "inv",
        "invoice",
        "invoices",
        "rechnung",
        "rechnungen",
        "rechnungsnr",
        "re",
        "renr",
        "rg",
        "rgnr",
        "rn",
        "rnr",
        "bill",
        "faktura",
        "factura",
        "facture",
        "fattura",
        "beleg",
        "belegnr",
    }
)
# Numbers after these are the payer's customer number or a payment id, not an invoice:
# "Kd-Nr 4711", "E2E-123456789012" (an end-to-end id that happens to be all digits).
_ID_WORDS = frozenset(
    {"kd", "kdnr", "kunde", "kunden", "kundennr", "kundennummer", "customer", "e2e", "eref"}
    | {"endtoend", "mref", "mandat", "mandate"}
)
# Words of credits that are not a customer paying for goods: interest, refunds, bonuses.
_NOT_A_PAYMENT = frozenset(
    {"zins", "zinsen", "zinsgutschrift", "interest", "refund", "erstattung", "bonus", "kaution"}
)
# "Nr"/"No" make a reference only after an invoice word: "RE-NR. 123" yes, "Kd-Nr 4711" no.
_NUMBER_WORDS = frozenset({"nr", "no", "nummer", "number", "num"})

_WORD = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"[0-9]+")
_PREFIXED = re.compile(r"([^\W\d_]+)([0-9]+)")
# What may separate the numbers of a list: "123, 124", "123 + 124", "123 und 124".
_LIST_GAP = re.compile(r"(?:[\s,;+&/.]|\bund\b|\band\b|\bu\b)*", re.IGNORECASE)
_LAST_DIGITS = re.compile(r"[0-9]+(?!.*[0-9])")

# Longer digit runs are account numbers, ids or amounts in minor units, never our invoices.
MAX_REFERENCE_DIGITS = 10


@dataclass(frozen=True, slots=True)
class Reference:
    """A number in the remittance text that may name an invoice."""

    digits: str  # as written, leading zeros kept
    value: int  # what invoices are indexed by
    strong: bool


def invoice_key(number: str) -> int | None:
    """The value an invoice number is found by: its last run of digits (``INV-000123`` → 123)."""
    found = _LAST_DIGITS.search(number)
    if found is None or len(found.group()) > MAX_REFERENCE_DIGITS:
        return None
    return int(found.group())


def padded_digits(number: str) -> str | None:
    """The digits of ``number`` when written zero-padded (``000123``): that form is a reference."""
    found = _LAST_DIGITS.search(number)
    if found is None or not found.group().startswith("0") or len(found.group()) < 3:
        return None
    return found.group()


def find_references(text: str) -> list[Reference]:
    """The numbers in ``text`` that may name invoices, each once, strong ones first."""
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    found: dict[int, Reference] = {}
    previous_strong_end: int | None = None
    for index, (word, start, end) in enumerate(words):
        if _DIGITS.fullmatch(word):
            digits, prefix = word, None
        else:
            prefixed = _PREFIXED.fullmatch(word)
            if prefixed is None:
                continue  # "E2E", "0A1B2C", "Zahlung": not a number as payers write them
            prefix, digits = prefixed.group(1).casefold(), prefixed.group(2)
        if len(digits) > MAX_REFERENCE_DIGITS or _after_id_word(words, index):
            previous_strong_end = None
            continue
        strong = (prefix is not None and prefix in _INVOICE_WORDS) or _after_invoice_word(
            words, index
        )
        if (
            not strong
            and prefix is None
            and previous_strong_end is not None
            and _LIST_GAP.fullmatch(text, previous_strong_end, start)
        ):
            strong = True  # the next number of "Rechnungen 123, 124"
        value = int(digits)
        known = found.get(value)
        if known is None or (strong and not known.strong):
            found[value] = Reference(digits, value, strong)
        previous_strong_end = end if strong else None
    return sorted(found.values(), key=lambda ref: not ref.strong)


def _after_id_word(words: list[tuple[str, int, int]], index: int) -> bool:
    before = [word.casefold() for word, _, _ in words[max(0, index - 2) : index]]
    return any(word in _ID_WORDS for word in before)


def not_a_payment(text: str) -> bool:
    """Whether the text says the credit is interest, a refund or a bonus, not a payment."""
    return any(word.casefold() in _NOT_A_PAYMENT for word in _WORD.findall(text))


def _after_invoice_word(words: list[tuple[str, int, int]], index: int) -> bool:
    if index == 0:
        return False
    before = words[index - 1][0].casefold()
    if before in _INVOICE_WORDS:
        return True
    if before in _NUMBER_WORDS and index >= 2:
        return words[index - 2][0].casefold() in _INVOICE_WORDS
    return False


# Legal forms and filler words that do not tell two companies apart.
_LEGAL_FORMS = frozenset(
    {
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "kgaa",
        "ohg",
        "gbr",
        "ug",
        "co",
        "ek",
        "ev",
        "se",
        "bv",
        "nv",
        "sa",
        "sarl",
        "sas",
        "srl",
        "spa",
        "ltd",
        "limited",
        "plc",
        "llc",
        "inc",
        "corp",
        "oy",
        "ab",
        "as",
        "aps",
        "und",
        "and",
        "the",
    }
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Dotted abbreviations ("e.K.", "B.V.", "Co.") become one word before splitting.
_DOTTED = re.compile(r"\b(\w)\.(?=\w\b)")


def normalised_name(name: str | None) -> str:
    """A company name for comparison: ``ACME GmbH & Co. KG`` and ``Acme`` both give ``acme``.

    Case, accents, punctuation and legal forms are dropped; ``""`` when nothing is left.
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_UMLAUTS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _DOTTED.sub(r"\1", text)
    words = [word for word in _WORD.findall(text) if word not in _LEGAL_FORMS and len(word) > 1]
    return " ".join(words)


def normalised_iban(iban: str | None) -> str:
    """An IBAN in its compact form (no spaces, upper case), ``""`` for none."""
    if not iban:
        return ""
    return "".join(iban.split()).upper()
