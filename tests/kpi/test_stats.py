"""A/B statistics against published reference values, and the pure KPI arithmetic."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from connector.kpi import KpiSettings
from connector.kpi.metrics import Counts, fixed_cost, metrics, percentile_from_anchors, period_starts, rate
from connector.kpi.stats import compare, fisher_exact, newcombe_interval, z_test


def test_fisher_exact_tea_tasting() -> None:
    # Fisher's lady tasting tea: [[3, 1], [1, 3]], two-sided p = 17/35.
    assert fisher_exact(3, 4, 1, 4) == pytest.approx(17 / 35)
    assert fisher_exact(0, 5, 5, 5) == pytest.approx(2 / 252)  # the two extreme tables of C(10, 5)


def test_z_test_matches_r_prop_test() -> None:
    # R: prop.test(c(45, 60), c(100, 100), correct = FALSE) -> X-squared = 4.5113, p = 0.03367
    z, p = z_test(45, 100, 60, 100)
    assert z * z == pytest.approx(4.5113, abs=1e-4)
    assert p == pytest.approx(0.03367, abs=5e-5)
    assert z_test(0, 10, 0, 10) == (0.0, 1.0)


def test_newcombe_interval_reference_example() -> None:
    # Newcombe (1998), example 56/70 vs 48/80, method 10: 0.0524 to 0.3339 (for p1 - p2).
    low, high = newcombe_interval(48, 80, 56, 70)
    assert low == pytest.approx(0.0524, abs=1e-4)
    assert high == pytest.approx(0.3339, abs=1e-4)


def test_compare_without_data() -> None:
    out = compare(0, 0, 3, 10, min_sample=5, names=("A", "B"))
    assert out["p_value"] is None and out["verdict"] == "no data for A yet: no comparison possible"


def test_compare_not_significant() -> None:
    out = compare(50, 100, 52, 100, min_sample=30, names=("A", "B"))
    assert out["significant"] is False and out["sample_too_small"] is False
    assert out["verdict"].startswith("no significant difference (p = ")


def test_rate_never_divides_by_zero() -> None:
    assert rate(3, 0, "no qualified calls yet") == {
        "value": None,
        "numerator": 3,
        "denominator": 0,
        "message": "no qualified calls yet",
    }
    assert rate(1, 4, "x")["value"] == 0.25


def test_percentiles_interpolate_like_numpy() -> None:
    values = {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}
    assert percentile_from_anchors(4, values, 0.5) == pytest.approx(2.5)
    assert percentile_from_anchors(4, values, 0.9) == pytest.approx(3.7)
    assert percentile_from_anchors(1, {1: 7.0}, 0.9) == 7.0


def test_fixed_cost_spreads_months_over_their_days() -> None:
    settings = KpiSettings(monthly_fixed={"tools": 310}, period_amounts={"2026-02": 280})
    assert fixed_cost(date(2026, 1, 1), date(2026, 1, 11), settings) == pytest.approx(100)  # 10/31 of 310
    # February 2026: (310 + 280) over 28 days, 7 days -> 147.5
    assert fixed_cost(date(2026, 2, 1), date(2026, 2, 8), settings) == pytest.approx(147.5)
    assert fixed_cost(date(2026, 1, 1), date(2026, 3, 1), settings) == pytest.approx(310 * 2 + 280)


def test_period_calendar() -> None:
    assert period_starts(date(2026, 11, 30), date(2027, 1, 2), "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]
    assert period_starts(date(2026, 11, 26), date(2026, 12, 8), "week") == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]


def test_metrics_block_hand_computed() -> None:
    counts = Counts(calls_handled=10, connected=8, qualified=4, talk_s=3600, meetings_held=2, opportunities=1)
    block = metrics(counts, KpiSettings(cost_per_call=5), fixed_cost=30.0)
    assert block["cost"] == {"variable": 50.0, "fixed": 30.0, "total": 80.0}
    assert block["rates"]["cost_per_qualified_call"]["value"] == 20.0
    assert block["rates"]["qualified_per_connected"]["value"] == 0.5
    assert block["rates"]["opportunity_rate_per_meeting"]["value"] == 0.5


def test_settings_are_validated() -> None:
    with pytest.raises(ValidationError, match="YYYY-MM"):
        KpiSettings(period_amounts={"2026-13": 1.0})
    with pytest.raises(ValidationError, match=">= 0"):
        KpiSettings(monthly_fixed={"tools": -1.0})
    with pytest.raises(ValidationError):
        KpiSettings(unknown_key=1)  # type: ignore[call-arg]
