"""Where a call's prospect is: country, applicable policy, phone number and local calendars.

Country: the prospect's country, else the region of its phone number, else the company's country, else
`default_country`. Policy: the country's, else the policy whose `territories` list the country (GP, RE
... inside FR), else the default country's. Time zones: a territory's zone; else the phone number's
zones when the number belongs to that country (or the country has no policy); else the policy's
`timezones`. Holidays: the policy's calendar with its subdivisions, or the territory's subdivision.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connector.compliance.calendar import Locale
from connector.compliance.phone import normalize_phone, phone_region, phone_time_zones
from connector.compliance.settings import ComplianceSettings, Policy, Territory
from connector.model import Call


@dataclass(frozen=True, slots=True)
class Target:
    """The resolved context of one call's prospect."""

    country: str
    policy: Policy
    territory: str | None
    phone: str | None
    locales: tuple[Locale, ...]
    consumer: bool

    @property
    def zone(self) -> ZoneInfo:
        """The primary time zone (used for calendar-day counts)."""
        return self.locales[0].zone

    @property
    def zone_names(self) -> str:
        """The time zones, comma-separated, for decision details."""
        return ", ".join(str(loc.zone) for loc in self.locales)


def resolve_target(call: Call, settings: ComplianceSettings) -> Target:
    """Resolve country, policy, normalised phone (E.164 or None) and locales for `call`'s prospect."""
    prospect = call.prospect
    company = call.company
    own_country = (prospect.country or "").upper() if prospect else ""
    company_country = (company.country or "").upper() if company else ""
    parse_region = own_country or company_country or settings.default_country
    raw_phone = prospect.phone if prospect and prospect.phone else None
    phone = normalize_phone(raw_phone, parse_region) if raw_phone else None
    region = phone_region(raw_phone, parse_region) if raw_phone else None
    country = own_country or region or company_country or settings.default_country

    policy, territory_key = _policy_for(country, settings)
    known = policy is not None
    if policy is None:
        policy = settings.policies[settings.default_country]
    if territory_key is None and region and region in policy.territories and region != country:
        territory_key = region
    territory = policy.territories.get(territory_key) if territory_key else None

    if territory is not None:
        zones: tuple[str, ...] = (territory.timezone,)
    else:
        from_phone = phone_time_zones(raw_phone, parse_region) if raw_phone else ()
        use_phone = from_phone and (region == country or not known)
        zones = from_phone if use_phone else policy.timezones
    calendars = _calendars(policy, territory)
    locales = tuple(Locale(ZoneInfo(z), calendars) for z in zones)
    return Target(
        country=country,
        policy=policy,
        territory=territory_key,
        phone=phone,
        locales=locales,
        consumer=bool(prospect and prospect.consumer),
    )


def _policy_for(country: str, settings: ComplianceSettings) -> tuple[Policy | None, str | None]:
    if country in settings.policies:
        return settings.policies[country], None
    for policy in settings.policies.values():
        if country in policy.territories:
            return policy, country
    return None, None


def _calendars(policy: Policy, territory: Territory | None) -> tuple[tuple[str, str | None], ...]:
    country = policy.holidays_country
    if country is None:
        return ()
    if territory is not None:
        return ((country, territory.holiday_subdivision),)
    subdivisions = tuple(dict.fromkeys(policy.subdivision(s) for s in policy.holiday_subdivisions))
    if not subdivisions:
        return ((country, None),)
    return tuple((country, s) for s in subdivisions)
