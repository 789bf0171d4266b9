"""ISO 11649 structured creditor references (``RF…``) derived from invoice numbers.

An invoice's reference is ``RF``, two check digits and the invoice number's letters and digits
in upper case (``INV-000042`` → ``RF29INV000042``): the bank sees it in the payer's structured
remittance, and the invoice is found again from it without a lookup table. ISO 11649 allows 21
characters after the check digits, so a number with more letters and digits has no reference.
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

MAX_BODY = 21
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")
# A reference as printed or typed: "RF29INV000042", "RF29 INV0 0004 2", "rf29-inv000042".
_SEPARATOR = re.compile(r"[ -]")
_CANDIDATE = re.compile(r"\bRF[0-9]{2}(?:[ -]?[0-9A-Z]){1,21}", re.IGNORECASE)


def reference_key(invoice_number: str) -> str:
    """The invoice number's letters A-Z and digits, in upper case: what its reference carries."""
    return _NOT_ALPHANUMERIC.sub("", invoice_number.upper())


def creditor_reference(invoice_number: str) -> str | None:
    """The RF reference of ``invoice_number`` in electronic form, or ``None`` if it has none.

    ``None`` when the number has no letters or digits (A-Z, 0-9) or more than 21 of them.
    """
    body = reference_key(invoice_number)
    if not body or len(body) > MAX_BODY:
        return None
    reference = f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"
    return iso11649.validate(reference)


def invoice_number_from_rf(reference: str) -> str | None:
    """The invoice key (``reference_key`` of its number) an RF reference names, or ``None``.

    Spaces and dashes are ignored; a reference with wrong check digits names nothing.
    """
    compact = reference.replace(" ", "").replace("-", "").upper()
    if not compact.startswith("RF") or not iso11649.is_valid(compact):
        return None
    return compact[4:]


def split_creditor_references(text: str) -> tuple[list[str], str]:
    """The invoice keys that valid RF references in ``text`` name (each once), and the rest.

    A printed reference may have been typed in groups (``RF29 INV0 0004 2``): the longest
    reading that is valid and ends at a word's end wins, so ``RF29 INV0 0004 2 Danke`` names
    ``INV000042``. The rest is ``text`` with those references blanked, so that their groups are
    not read again as invoice numbers of their own.
    """
    keys: list[str] = []
    rest = text
    position = 0
    while (match := _CANDIDATE.search(text, position)) is not None:
        end = _valid_end(match.group(), text[match.end() : match.end() + 1])
        if end is None:
            position = match.start() + 1
            continue
        key = match.group()[4:end].replace(" ", "").replace("-", "").upper()
        if key not in keys:
            keys.append(key)
        rest = rest[: match.start()] + " " * end + rest[match.start() + end :]
        position = match.start() + end
    return keys, rest


def _valid_end(candidate: str, after: str) -> int | None:
    """Where the longest valid reference at the start of ``candidate`` ends.

    It ends at a word's end (``after`` is the text's character after ``candidate``), and if
    written in groups, they are as ISO 11649 prints them: four characters each, the last one to
    four. So ``RF29 7 danke`` is not read as ``RF297DANKE``. A short word after a reference
    printed in full groups (``… C9A8 vom``) could still be read into it, once in 97 cases.
    """
    for end in range(len(candidate), 4, -1):
        following = candidate[end] if end < len(candidate) else after
        if following.isalnum():
            continue  # in the middle of a word
        groups = _SEPARATOR.split(candidate[:end])
        if len(groups) > 1 and (
            any(len(group) != 4 for group in groups[:-1]) or len(groups[-1]) > 4
        ):
            continue
        if invoice_number_from_rf(candidate[:end]) is not None:
            return end
    return None
