"""Phone numbers: normalisation to E.164, region and time zones, all delegated to `phonenumbers`."""

from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as pn_timezone


def _parse(raw: str, default_region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return number


def normalize_phone(raw: str, default_region: str) -> str | None:
    """E.164 form of `raw` ("+33612345678"), or None when it is not a possible phone number.

    National formats are read in `default_region` (ISO 3166-1 alpha-2); "+" and "00" international
    prefixes, spaces, dots and dashes are accepted. A possible but unallocated number is still
    normalised, so that one number written differently always yields the same string.
    """
    number = _parse(raw, default_region)
    if number is None:
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_region(raw: str, default_region: str) -> str | None:
    """ISO region of the number ("FR", "RE", "CA" ...) or None when unknown or unparseable."""
    number = _parse(raw, default_region)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    return str(region) if region and region != "ZZ" else None


def phone_time_zones(raw: str, default_region: str) -> tuple[str, ...]:
    """IANA time zones the number may be in (area-code precision), possibly several; () when unknown."""
    number = _parse(raw, default_region)
    if number is None:
        return ()
    zones = pn_timezone.time_zones_for_number(number)
    return tuple(str(z) for z in zones if z and z != "Etc/Unknown")
