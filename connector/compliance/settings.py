"""The `[compliance]` table of the config TOML: per-country calling policies, validated with pydantic.

A policy is either the name of a shipped preset (``"france"``, ``"belgium"``, ``"canada"``; TOML files in
`connector/compliance/presets/`), or an inline table with every field, or an inline table with
``extends = "<preset>"`` plus the fields it overrides (tables are merged key by key). France is always
present under ``FR`` unless the admin replaces it. Example::

    [compliance]
    default_country = "FR"
    consent_to_other_hours = "none"

    [compliance.policies]
    BE = "belgium"
    FR = { extends = "france", holiday_subdivisions = ["6AE", "57"] }

Validation reports every problem with its path (``policies.FR.windows.mon.0``). Preset files are read
here, at configuration time; the policy logic itself never reads files.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_REF_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_DEFAULT_POLICIES: dict[str, Any] = {"FR": "france"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Model):
    """A half-open daily window [start, end) in minutes after local midnight; written "HH:MM-HH:MM"."""

    start: int = Field(ge=0, le=24 * 60)
    end: int = Field(ge=0, le=24 * 60)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            m = _WINDOW_RE.match(value)
            if m is None:
                raise ValueError(f"window {value!r} must look like '10:00-13:00'")
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            if m1 > 59 or m2 > 59:
                raise ValueError(f"window {value!r}: minutes must be 00-59")
            return {"start": h1 * 60 + m1, "end": h2 * 60 + m2}
        return value

    @model_validator(mode="after")
    def _check(self) -> Window:
        if self.start >= self.end:
            raise ValueError("a window must end after it starts (use two windows to span midnight)")
        return self

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


class WeekWindows(_Model):
    """Calling windows per weekday (local time). A day that is absent or empty is closed."""

    mon: tuple[Window, ...] = ()
    tue: tuple[Window, ...] = ()
    wed: tuple[Window, ...] = ()
    thu: tuple[Window, ...] = ()
    fri: tuple[Window, ...] = ()
    sat: tuple[Window, ...] = ()
    sun: tuple[Window, ...] = ()

    @model_validator(mode="after")
    def _sorted_disjoint(self) -> WeekWindows:
        for day in WEEKDAYS:
            windows = sorted(getattr(self, day), key=lambda w: w.start)
            for a, b in itertools.pairwise(windows):
                if b.start < a.end:
                    raise ValueError(f"{day}: windows {a} and {b} overlap")
            object.__setattr__(self, day, tuple(windows))
        return self

    def for_weekday(self, weekday: int) -> tuple[Window, ...]:
        """Windows of a `date.weekday()` (0 = Monday), sorted by start."""
        windows: tuple[Window, ...] = getattr(self, WEEKDAYS[weekday])
        return windows


class Territory(_Model):
    """A region with its own time zone and holiday subdivision (e.g. La Réunion inside the French policy)."""

    timezone: str
    holiday_subdivision: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_zone(value)


class ConsumerRules(_Model):
    """Rules that apply to consumers (private individuals) only."""

    max_attempts: int | None = Field(default=None, ge=1, description="calls or attempts per period")
    attempt_period_days: int = Field(default=30, ge=1)
    refusal_cooldown_days: int | None = Field(default=None, ge=1)
    consent_required_from: date | None = Field(default=None, description="prior consent needed from then")
    consent_exempts_contract: bool = True
    optout_list: bool = True
    optout_exempts_contract: bool = False


class B2BRules(_Model):
    """Rules for professionals: objection is always honoured; `window` is the company's policy.

    ``"same"``: the consumer windows and holidays; ``"none"``: no restriction; a table: these windows
    (with the policy's holidays when `holidays` is true).
    """

    window: Literal["same", "none"] | WeekWindows = "same"
    holidays: bool = True


class Policy(_Model):
    """One country's calling policy (see the presets for documented examples)."""

    name: str = Field(min_length=1)
    description: str = ""
    example: bool = Field(default=False, description="an illustrative preset, not a statement of the law")
    rule_prefix: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    timezones: tuple[str, ...] = Field(min_length=1, description="used when the phone number says nothing")
    holidays_country: str | None = None
    holiday_subdivisions: tuple[str, ...] = ()
    subdivision_aliases: dict[str, str] = Field(default_factory=dict)
    windows: WeekWindows
    territories: dict[str, Territory] = Field(default_factory=dict)
    consumer: ConsumerRules = ConsumerRules()
    b2b: B2BRules = B2BRules()
    references: dict[str, str] = Field(default_factory=dict)

    @field_validator("timezones")
    @classmethod
    def _zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_zone(z) for z in value)

    @field_validator("references")
    @classmethod
    def _refs(cls, value: dict[str, str]) -> dict[str, str]:
        for topic, ref in value.items():
            if not _REF_RE.match(ref):
                raise ValueError(f"reference {topic}={ref!r}: letters, digits, '-' and '_' only")
        return value

    @field_validator("territories")
    @classmethod
    def _territory_keys(cls, value: dict[str, Territory]) -> dict[str, Territory]:
        return {k.upper(): v for k, v in value.items()}

    @model_validator(mode="after")
    def _calendar(self) -> Policy:
        if self.holidays_country is None:
            if self.holiday_subdivisions:
                raise ValueError("holiday_subdivisions needs holidays_country")
            return self
        supported = holidays.list_supported_countries()
        if self.holidays_country not in supported:
            raise ValueError(f"holidays_country {self.holidays_country!r} is not known to `holidays`")
        subdivisions = supported[self.holidays_country]
        wanted = [self.subdivision(s) for s in self.holiday_subdivisions]
        wanted += [t.holiday_subdivision for t in self.territories.values() if t.holiday_subdivision]
        unknown = [s for s in wanted if s not in subdivisions]
        if unknown:
            raise ValueError(
                f"unknown holiday subdivision(s) {unknown} for {self.holidays_country}; known: {subdivisions}"
            )
        return self

    def subdivision(self, name: str) -> str:
        """The `holidays` subdivision code for `name`, after `subdivision_aliases` ("67" -> "6AE")."""
        return self.subdivision_aliases.get(name, name)


class ComplianceSettings(_Model):
    """The `[compliance]` config table.

    - `default_country`: policy used when neither the prospect, its phone number nor its company says
      which country applies (and for countries without a policy).
    - `policies`: country code (ISO 3166-1 alpha-2) -> preset name, inline policy, or ``{extends=...}``.
      ``FR = "france"`` is always included unless overridden.
    - `consent_to_other_hours`: ``"none"`` (default) - calling days and hours always apply;
      ``"consent_at"`` - the admin states that the consent recorded in the prospect's `consent_at` is
      express prior consent to calls outside those days and hours (France: D.223-9 al. 2).
    - `contract_in_progress_exemption`: master switch for the policies' contract-in-progress exemptions.
    - `refusal_reasons`: result reasons that mean "the prospect refused during a connected call".
    - `block_unverifiable_phone`: a consumer whose number cannot be checked against the opposition list
      is not called (default true).
    - `search_horizon_days`: how far ahead a lawful slot is searched before a follow-up is dropped.
    """

    enabled: bool = True
    default_country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
    policies: dict[str, Policy] = Field(default_factory=dict, validate_default=True)
    consent_to_other_hours: Literal["none", "consent_at"] = "none"
    contract_in_progress_exemption: bool = True
    refusal_reasons: tuple[str, ...] = ("no_need", "no_budget", "competitor_locked_in", "opted_out")
    block_unverifiable_phone: bool = True
    search_horizon_days: int = Field(default=400, ge=7, le=3660)

    @field_validator("policies", mode="before")
    @classmethod
    def _presets(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return _resolve_policies(value)

    @model_validator(mode="after")
    def _default_has_policy(self) -> ComplianceSettings:
        if self.default_country not in self.policies:
            raise ValueError(f"default_country {self.default_country} has no policy in [compliance.policies]")
        return self


def available_presets() -> tuple[str, ...]:
    """Names of the shipped presets."""
    folder = resources.files("connector.compliance").joinpath("presets")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@lru_cache(maxsize=16)
def _preset_text(name: str) -> str:
    if name not in available_presets():
        raise ValueError(f"unknown compliance preset {name!r}; available: {', '.join(available_presets())}")
    return (
        resources.files("connector.compliance")
        .joinpath("presets")
        .joinpath(f"{name}.toml")
        .read_text("utf-8")
    )


def load_preset(name: str) -> dict[str, Any]:
    """The raw table of a shipped preset (a fresh dict each call). Raises ValueError for an unknown name."""
    return tomllib.loads(_preset_text(name))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "windows":
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve_policies(value: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {**_DEFAULT_POLICIES, **{str(k).upper(): v for k, v in value.items()}}
    out: dict[str, Any] = {}
    for country, spec in merged.items():
        if isinstance(spec, str):
            out[country] = load_preset(spec)
        elif isinstance(spec, dict) and "extends" in spec:
            rest = {k: v for k, v in spec.items() if k != "extends"}
            out[country] = _merge(load_preset(str(spec["extends"])), rest)
        else:
            out[country] = spec
    return out


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name
