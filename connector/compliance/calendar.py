"""Calling windows in local time: is an instant open, and when is the next open instant.

Pure: every function takes the instants it reasons about; nothing reads the clock. Holiday calendars
come from the `holidays` package (cached per country and subdivision); time zones from `zoneinfo`.

When a prospect may be in several time zones (a Canadian number without area-code precision, a policy
with several zones), an instant is open only when it is open in every one of them (conservative).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from connector.compliance.settings import WeekWindows

Closure = Literal["holiday", "window"]
_UTC = ZoneInfo("UTC")


@lru_cache(maxsize=64)
def _calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


def is_holiday(day: date, country: str, subdivision: str | None = None) -> bool:
    """True when `day` is a public holiday of `country` (and `subdivision`), per the `holidays` package."""
    return day in _calendar(country, subdivision)


@dataclass(frozen=True, slots=True)
class Locale:
    """Where the prospect may be: a time zone and the holiday calendars, as (country, subdivision) pairs,
    that apply there (a day is closed when it is a holiday in any of them)."""

    zone: ZoneInfo
    calendars: tuple[tuple[str, str | None], ...] = ()

    def holiday(self, day: date) -> bool:
        """True when `day` is a holiday in one of this locale's calendars."""
        return any(is_holiday(day, country, sub) for country, sub in self.calendars)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Windows (None: always open) applied in every locale, with each locale's holidays when
    `use_holidays` is true."""

    windows: WeekWindows | None
    locales: tuple[Locale, ...]
    use_holidays: bool = True

    def closure(self, instant: datetime) -> Closure | None:
        """Why `instant` (aware) is closed ("holiday" before "window"), or None when it is open."""
        if self.windows is None:
            return None
        reason: Closure | None = None
        for locale in self.locales:
            local = instant.astimezone(locale.zone)
            if self.use_holidays and locale.holiday(local.date()):
                return "holiday"
            if not _in_windows(self.windows, local):
                reason = "window"
        return reason

    def is_open(self, instant: datetime) -> bool:
        """True when a call at `instant` (aware) is within the windows in every locale."""
        return self.closure(instant) is None

    def next_open(self, start: datetime, until: datetime) -> datetime | None:
        """The earliest open instant >= `start` and <= `until`, or None when there is none."""
        if self.is_open(start):
            return start
        if self.windows is None:  # pragma: no cover - always open, handled above
            return start
        streams = [_window_starts(self.windows, loc.zone, start, until) for loc in self.locales]
        for candidate in heapq.merge(*streams):
            if candidate > until:
                return None
            if candidate > start and self.is_open(candidate):
                return candidate
        return None


def _in_windows(windows: WeekWindows, local: datetime) -> bool:
    micros = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    return any(
        w.start * 60_000_000 <= micros < w.end * 60_000_000 for w in windows.for_weekday(local.weekday())
    )


def _window_starts(
    windows: WeekWindows, zone: ZoneInfo, start: datetime, until: datetime
) -> Iterator[datetime]:
    """Every window start and local midnight in `zone` (where an opening can begin: a holiday ends at
    midnight) from the local day before `start` to the day after `until`, as UTC instants, in order."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = until.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        minutes = {0} | {w.start for w in windows.for_weekday(day.weekday())}
        instants = [
            datetime.combine(day, time(m // 60, m % 60), tzinfo=zone).astimezone(_UTC)
            for m in minutes
            if m < 24 * 60
        ]
        yield from sorted(instants)
        day += timedelta(days=1)
