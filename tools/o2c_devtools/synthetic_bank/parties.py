"""Made-up payers for synthetic statements: company names and valid IBANs, from a seeded RNG."""

from __future__ import annotations

from random import Random

from schwifty import IBAN

_COUNTRIES = ("DE", "AT", "NL", "FR", "BE", "IT", "ES")
_NAME_STEMS = (
    "Nordwind",
    "Alpen",
    "Rhein",
    "Weser",
    "Lindner",
    "Hoffmann",
    "Keller",
    "Brandt",
    "Vogel",
    "Sonnen",
    "Falke",
    "Berger",
    "Quast",
    "Meridian",
    "Atlas",
    "Kranich",
    "Eiche",
    "Hansen",
)
_NAME_TRADES = (
    "Logistik",
    "Maschinenbau",
    "Handel",
    "Elektro",
    "Bau",
    "Software",
    "Druck",
    "Metall",
    "Moebel",
    "Transport",
    "Consulting",
    "Agrar",
)
_LEGAL_FORMS = ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K.", "B.V.", "SARL", "Ltd")


def random_iban(rng: Random) -> str:
    """A valid IBAN of a real bank (from schwifty's registry) in a European country."""
    return IBAN.random(country_code=rng.choice(_COUNTRIES), random=rng).compact


def random_company_name(rng: Random) -> str:
    """A plausible company name such as ``Falke Logistik GmbH``."""
    return f"{rng.choice(_NAME_STEMS)} {rng.choice(_NAME_TRADES)} {rng.choice(_LEGAL_FORMS)}"
