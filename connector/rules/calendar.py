"""Business-day arithmetic on the public-holiday calendar of a country (the `holidays` package).

Pure functions of their arguments; holiday tables are memoised per (country, year), which does not
change any result. Unknown countries fall back to the given default (FR when unspecified).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        table = holidays.country_holidays(country, years=year)
    except (NotImplementedError, KeyError, AttributeError):
        table = holidays.country_holidays("FR", years=year)
    return frozenset(table.keys())


def is_business_day(d: date, country: str) -> bool:
    """Monday–Friday and not a public holiday in `country`."""
    return d.weekday() < 5 and d not in _holidays(country, d.year)


def on_or_after(d: date, country: str) -> date:
    """`d` if it is a business day, else the next business day."""
    for _ in range(30):
        if is_business_day(d, country):
            return d
        d += timedelta(days=1)
    return d


def add_business_days(d: date, n: int, country: str) -> date:
    """The n-th business day after `d` (n ≥ 1); n ≤ 0 returns `on_or_after(d)`."""
    if n <= 0:
        return on_or_after(d, country)
    count = 0
    while count < n:
        d += timedelta(days=1)
        if is_business_day(d, country):
            count += 1
    return d


def business_day_before(d: date, country: str) -> date:
    """The last business day strictly before `d`."""
    d -= timedelta(days=1)
    for _ in range(30):
        if is_business_day(d, country):
            return d
        d -= timedelta(days=1)
    return d
