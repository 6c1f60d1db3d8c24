"""Pure KPI arithmetic: rates without division by zero, percentiles, the calendar of periods, costs.

Nothing here touches the database; every function is a pure function of its arguments.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from connector.kpi.settings import KpiSettings
from connector.kpi.sqlfn import Period

EMPTY_MESSAGES = {
    "calls_handled": "no calls handled yet",
    "connected": "no connected calls yet",
    "qualified": "no qualified calls yet",
    "meetings_held": "no meetings held yet",
}
NO_COSTS = "no costs configured"


@dataclass
class Counts:
    """Additive counts of one slice (sum of cube cells). Every field adds up across slices."""

    calls_handled: int = 0
    connected: int = 0
    qualified: int = 0
    talk_s: int = 0
    meetings_held: int = 0
    qualified_with_meeting: int = 0
    opportunities: int = 0
    qualified_with_opportunity: int = 0
    meeting_and_opportunity: int = 0
    opportunity_amount: float = 0.0

    def add(self, other: Counts) -> None:
        """Add `other` into self, field by field (spelled out: called once per cube cell and slice)."""
        self.calls_handled += other.calls_handled
        self.connected += other.connected
        self.qualified += other.qualified
        self.talk_s += other.talk_s
        self.meetings_held += other.meetings_held
        self.qualified_with_meeting += other.qualified_with_meeting
        self.opportunities += other.opportunities
        self.qualified_with_opportunity += other.qualified_with_opportunity
        self.meeting_and_opportunity += other.meeting_and_opportunity
        self.opportunity_amount += other.opportunity_amount


_ADDED = (
    "calls_handled",
    "connected",
    "qualified",
    "talk_s",
    "meetings_held",
    "qualified_with_meeting",
    "opportunities",
    "qualified_with_opportunity",
    "meeting_and_opportunity",
    "opportunity_amount",
)
if tuple(f.name for f in fields(Counts)) != _ADDED:  # pragma: no cover - guards `Counts.add`
    raise RuntimeError("Counts.add must add every field of Counts")


def rate(numerator: float, denominator: float, empty: str) -> dict[str, Any]:
    """A ratio as {value, numerator, denominator, message}: value None and `empty` when denominator is 0."""
    if denominator == 0:
        return {"value": None, "numerator": numerator, "denominator": denominator, "message": empty}
    return {
        "value": numerator / denominator,
        "numerator": numerator,
        "denominator": denominator,
        "message": None,
    }


def has_costs(settings: KpiSettings) -> bool:
    """Whether any cost is configured (otherwise the cost per qualified call says so instead of 0)."""
    return bool(
        settings.cost_per_rep_hour
        or settings.cost_per_call
        or any(settings.monthly_fixed.values())
        or any(settings.period_amounts.values())
    )


def rep_hours(counts: Counts, settings: KpiSettings) -> float:
    """Rep time in hours: talk time plus `handling_overhead_s` per call handled."""
    return (counts.talk_s + settings.handling_overhead_s * counts.calls_handled) / 3600.0


def variable_cost(counts: Counts, settings: KpiSettings) -> float:
    """Cost that follows activity: rep hours × cost per rep-hour + calls handled × cost per call."""
    return (
        rep_hours(counts, settings) * settings.cost_per_rep_hour
        + counts.calls_handled * settings.cost_per_call
    )


def metrics(counts: Counts, settings: KpiSettings, fixed_cost: float | None) -> dict[str, Any]:
    """The KPI block of one slice. `fixed_cost` None: the slice carries no fixed costs (rep, source…)."""
    var = variable_cost(counts, settings)
    total = var + (fixed_cost or 0.0)
    cost: dict[str, Any] = {
        "variable": var,
        "fixed": fixed_cost,
        "total": total if fixed_cost is not None else None,
    }
    charged = total if fixed_cost is not None else var
    priced = has_costs(settings)
    return {
        "calls_handled": counts.calls_handled,
        "connected": counts.connected,
        "qualified": counts.qualified,
        "meetings_held": counts.meetings_held,
        "qualified_with_meeting": counts.qualified_with_meeting,
        "opportunities": counts.opportunities,
        "qualified_with_opportunity": counts.qualified_with_opportunity,
        "opportunity_amount": counts.opportunity_amount,
        "rep_hours": rep_hours(counts, settings),
        "cost": cost,
        "rates": {
            "connected_rate": rate(counts.connected, counts.calls_handled, EMPTY_MESSAGES["calls_handled"]),
            "qualified_call_rate": rate(
                counts.qualified, counts.calls_handled, EMPTY_MESSAGES["calls_handled"]
            ),
            "qualified_per_connected": rate(counts.qualified, counts.connected, EMPTY_MESSAGES["connected"]),
            "post_qualification_conversion": rate(
                counts.meetings_held, counts.qualified, EMPTY_MESSAGES["qualified"]
            ),
            "opportunity_rate_per_qualified_call": rate(
                counts.opportunities, counts.qualified, EMPTY_MESSAGES["qualified"]
            ),
            "opportunity_rate_per_meeting": rate(
                counts.opportunities, counts.meetings_held, EMPTY_MESSAGES["meetings_held"]
            ),
            "cost_per_qualified_call": (
                rate(charged, counts.qualified, EMPTY_MESSAGES["qualified"])
                if priced
                else {"value": None, "numerator": 0.0, "denominator": counts.qualified, "message": NO_COSTS}
            ),
        },
    }


def percentile_from_anchors(n: int, values: Mapping[int, float], p: float) -> float:
    """The p-quantile (0..1, linear interpolation, like numpy's default) of n sorted values.

    `values` maps 1-based ranks to values and must hold ranks floor(p(n-1))+1 and ceil(p(n-1))+1.
    """
    pos = p * (n - 1)
    lo = int(pos)
    hi = lo if pos == lo else lo + 1
    low, high = values[lo + 1], values[hi + 1]
    return low + (high - low) * (pos - lo)


def delay_block(n: int, values: Mapping[int, float]) -> dict[str, Any]:
    """The lead→opportunity delay block: count, median and p90 in days (None + message when n is 0)."""
    if n == 0:
        return {"count": 0, "median_days": None, "p90_days": None, "message": "no opportunities yet"}
    return {
        "count": n,
        "median_days": percentile_from_anchors(n, values, 0.5),
        "p90_days": percentile_from_anchors(n, values, 0.9),
        "message": None,
    }


def truncate(day: date, period: Period) -> date:
    """First day of the day/week (Monday)/month containing `day`."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_start(start: date, period: Period) -> date:
    """The first day of the period after the one starting on `start`."""
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_starts(first: date, last: date, period: Period) -> list[date]:
    """Every period start from the period containing `first` to the one containing `last` (inclusive)."""
    out: list[date] = []
    current = truncate(first, period)
    end = truncate(last, period)
    while current <= end:
        out.append(current)
        current = next_start(current, period)
    return out


def fixed_cost(start: date, end: date, settings: KpiSettings) -> float:
    """Fixed costs accrued on the days [start, end): each monthly amount (and each `period_amounts`
    month) is spread evenly over the days of its calendar month."""
    monthly = sum(settings.monthly_fixed.values())
    total = 0.0
    month = start.replace(day=1)
    while month < end:
        nxt = next_start(month, "month")
        days_in = calendar.monthrange(month.year, month.month)[1]
        overlap = (min(nxt, end) - max(month, start)).days
        amount = monthly + settings.period_amounts.get(f"{month:%Y-%m}", 0.0)
        total += amount * overlap / days_in
        month = nxt
    return total


def sum_counts(items: Iterable[Counts]) -> Counts:
    """The sum of several Counts."""
    out = Counts()
    for item in items:
        out.add(item)
    return out
