"""Bank account identifiers: IBAN normalisation and checksum, BIC format."""

from __future__ import annotations

import re

IBAN_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def normalize_iban(value: str | None) -> str:
    """``value`` without spaces and in upper case (``de89 3704 ...`` -> ``DE893704...``); empty for None."""
    return re.sub(r"\s+", "", value or "").upper()


def iban_is_valid(value: str) -> bool:
    """Whether ``value`` (normalised or not) has the IBAN format and a correct ISO 7064 mod-97 checksum."""
    iban = normalize_iban(value)
    if not IBAN_RE.match(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def format_iban(value: str) -> str:
    """The IBAN in groups of four characters, as printed on paper."""
    iban = normalize_iban(value)
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def check_iban(value: str) -> None:
    """Setting validator: ValueError naming the problem for a malformed IBAN."""
    if value and not iban_is_valid(value):
        raise ValueError(f"{value!r} is not a valid IBAN (check the country code, length and check digits)")


def check_bic(value: str) -> None:
    """Setting validator: ValueError for a BIC that is not 8 or 11 letters/digits in the SWIFT layout."""
    if value and not BIC_RE.match(value.replace(" ", "").upper()):
        raise ValueError(f"{value!r} is not a valid BIC (8 or 11 characters, e.g. 'COBADEFFXXX')")
