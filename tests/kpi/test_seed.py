"""The seed example of the issue, built in a real SQLite store, must come out exactly."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from connector.kpi import KpiSettings
from connector.report.fmt import percent
from connector.store import Store
from tests.kpi.builders import funnel, seed_funnel


@pytest.fixture
def seeded(store: Store) -> Store:
    with store.engine.begin() as conn:
        seed_funnel(conn)
    return store


def test_seed_funnel_figures(seeded: Store, report: Callable[..., dict[str, Any]]) -> None:
    data = report()
    totals = data["totals"]
    assert funnel(totals) == (200, 60, 36, 10)
    assert totals["connected"] == 150
    rates = totals["rates"]
    assert rates["qualified_call_rate"]["value"] == pytest.approx(0.30)
    assert rates["post_qualification_conversion"]["value"] == pytest.approx(0.60)
    assert rates["opportunity_rate_per_meeting"]["value"] == pytest.approx(10 / 36)
    assert rates["opportunity_rate_per_qualified_call"]["value"] == pytest.approx(10 / 60)
    shown = [
        percent(rates[k]["value"])
        for k in (
            "qualified_call_rate",
            "post_qualification_conversion",
            "opportunity_rate_per_meeting",
            "opportunity_rate_per_qualified_call",
        )
    ]
    assert shown == ["30.0 %", "60.0 %", "27.8 %", "16.7 %"]
    assert [s["count"] for s in data["funnel"]] == [200, 150, 60, 36, 10]


def test_seed_lead_to_opportunity_delay(seeded: Store, report: Callable[..., dict[str, Any]]) -> None:
    # Opportunities 10+i days after the qualified call of p00i, whose first call was 5 days earlier:
    # delays 15..24 days -> median (19+20)/2 = 19.5, p90 at rank 0.9*9 = 8.1 -> 23 + 0.1 = 23.1.
    delay = report()["totals"]["lead_to_opportunity"]
    assert delay["count"] == 10
    assert delay["median_days"] == pytest.approx(19.5)
    assert delay["p90_days"] == pytest.approx(23.1)


def test_seed_cost_per_qualified_call(seeded: Store, report: Callable[..., dict[str, Any]]) -> None:
    # Talk time 150 connected calls x 240 s = 10 h, overhead 200 x 60 s = 3.333 h -> 13.333 h x 30 = 400;
    # 200 calls x 2 = 400. Fixed: 300 a month for every month from the first call's month (September)
    # to the report's end (31 December) = 4 x 300 = 1200. Cost per qualified call = 2000 / 60.
    settings = KpiSettings(
        cost_per_rep_hour=30, handling_overhead_s=60, cost_per_call=2, monthly_fixed={"dialer": 300}
    )
    data = report(settings=settings)
    assert [p["cost"]["fixed"] for p in data["periods"]] == pytest.approx([300, 300, 300, 300])
    assert data["totals"]["cost"]["variable"] == pytest.approx(800)
    assert data["totals"]["cost"]["total"] == pytest.approx(2000)
    assert data["totals"]["rates"]["cost_per_qualified_call"]["value"] == pytest.approx(2000 / 60)
    # per rep: variable costs only (fixed costs are not split between reps)
    assert data["slices"]["rep"][0]["rates"]["cost_per_qualified_call"]["value"] == pytest.approx(800 / 60)
    assert data["periods"][0]["period"] == "2026-09-01"


def test_seed_periods_add_up_and_empty_periods_have_no_rates(
    seeded: Store, report: Callable[..., dict[str, Any]]
) -> None:
    data = report(period="month")
    assert [p["period"] for p in data["periods"]] == ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]
    assert sum(p["calls_handled"] for p in data["periods"]) == 200
    assert sum(p["meetings_held"] for p in data["periods"]) == 36
    november = data["periods"][2]
    assert november["qualified"] == 0
    assert november["rates"]["post_qualification_conversion"] == {
        "value": None,
        "numerator": 0,
        "denominator": 0,
        "message": "no qualified calls yet",
    }
    json.dumps(data, allow_nan=False)  # the document is plain JSON


def test_seed_weeks_and_days(seeded: Store, report: Callable[..., dict[str, Any]]) -> None:
    weeks = report(period="week")["periods"]
    assert all(date.fromisoformat(p["period"]).weekday() == 0 for p in weeks)
    assert sum(p["calls_handled"] for p in weeks) == 200
    days = report(period="day")["periods"]
    assert sum(p["qualified"] for p in days) == 60
    assert len(days) == (date(2026, 12, 31) - date(2026, 9, 26)).days + 1  # empty days included
