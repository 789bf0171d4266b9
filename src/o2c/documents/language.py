"""The customer's language: the documents' texts, and dates and amounts formatted by ``babel``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from o2c.documents.messages import de, en, fr


class Language(StrEnum):
    """The languages documents are written in (ISO 639-1)."""

    EN = "en"
    DE = "de"
    FR = "fr"

    @classmethod
    def of(cls, code: str | None) -> Language:
        """The language of ``code`` (``de``, ``de-AT``, ``fr_CH``); English for anything else."""
        primary = (code or "").replace("_", "-").split("-")[0].lower()
        return cls(primary) if primary in cls._value2member_map_ else cls.EN


# English as written in Europe (day before month, 24-hour clock), German and French of the
# main market; the customer's country does not change them.
_LOCALES = {Language.EN: "en_GB", Language.DE: "de_DE", Language.FR: "fr_FR"}
_MESSAGES = {Language.EN: en.MESSAGES, Language.DE: de.MESSAGES, Language.FR: fr.MESSAGES}


class Texts:
    """What a document says in one language: messages, dates, amounts, rates."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._locale = _LOCALES[language]
        self._messages = _MESSAGES[language]

    def __call__(self, key: str, **values: str) -> str:
        """The message ``key``, its ``{placeholders}`` filled with already formatted values."""
        return self._messages[key].format(**values)

    def get(self, key: str, default: str) -> str:
        """The message ``key``, or ``default`` when the catalogue has none (an unknown kind)."""
        return self._messages.get(key, default)

    def date(self, value: dt.date) -> str:
        """``2 March 2026``, ``2. März 2026``, ``2 mars 2026``."""
        return format_date(value, "long", locale=self._locale)

    def short_date(self, value: dt.date) -> str:
        """``2 Mar 2026``, ``02.03.2026``, ``2 mars 2026``: for table columns."""
        return format_date(value, "medium", locale=self._locale)

    def money(self, amount: Decimal, currency: str, *, exact: bool = False) -> str:
        """``€1,234.56``, ``1.234,56 €``, ``1 234,56 €``: at the currency's decimals.

        ``exact`` keeps finer decimals (a unit price of ``0.125``) instead of rounding them.
        """
        return format_currency(
            amount, currency, locale=self._locale, decimal_quantization=not exact
        )

    def number(self, value: Decimal) -> str:
        """A quantity or rate without trailing zeros: ``2.5``, ``2,5``."""
        return format_decimal(value.normalize(), locale=self._locale, decimal_quantization=False)

    def percent(self, rate: Decimal) -> str:
        """A VAT rate in percent: ``19 %``, ``7,5 %``."""
        return f"{self.number(rate)} %"
