"""Every KPI on small hand-computed data sets (real SQLite store), including empty periods."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.kpi import KpiSettings
from connector.store import Store
from connector.store import tables as t
from tests.kpi.builders import T0, call, insert, outcome

Report = Callable[..., dict[str, Any]]
DAY = timedelta(days=1)


def load(
    store: Store, calls: list[dict[str, Any]], events: Sequence[dict[str, Any]] = (), **tables: Any
) -> None:
    with store.engine.begin() as conn:
        insert(conn, t.ledger, calls)
        insert(conn, t.outcomes, events)
        for name, rows in tables.items():
            insert(conn, t.metadata.tables[name], rows)


def test_empty_store_says_so_instead_of_dividing_by_zero(store: Store, report: Report) -> None:
    data = report()
    totals = data["totals"]
    assert totals["calls_handled"] == 0
    assert data["messages"] == ["no calls handled yet"]
    for name, block in totals["rates"].items():
        assert block["value"] is None, name
        assert block["message"], name
    assert totals["rates"]["post_qualification_conversion"]["message"] == "no qualified calls yet"
    assert totals["rates"]["opportunity_rate_per_meeting"]["message"] == "no meetings held yet"
    assert totals["lead_to_opportunity"] == {
        "count": 0,
        "median_days": None,
        "p90_days": None,
        "message": "no opportunities yet",
    }
    assert [p["period"] for p in data["periods"]] == ["2026-12-01"]  # the current month, empty
    assert data["variants"]["mode"] == "none"
    assert data["signals"]["message"] == "no signals recorded yet"


def test_no_qualified_calls_yet(store: Store, report: Report) -> None:
    load(store, [call("a", T0), call("b", T0 + DAY, outcome="no_answer", duration_s=0)])
    data = report()
    assert data["messages"] == ["no qualified calls yet"]
    assert data["totals"]["rates"]["qualified_call_rate"]["value"] == 0.0
    assert data["totals"]["rates"]["connected_rate"]["value"] == 0.5
    assert data["totals"]["rates"]["cost_per_qualified_call"]["message"] == "no costs configured"


def test_meeting_goes_to_the_latest_qualified_call_within_the_window(store: Store, report: Report) -> None:
    calls = [
        call("q1", T0, status="qualified", prospect_id="p1", owner="alice"),
        call("q2", T0 + 2 * DAY, status="qualified", prospect_id="p1", owner="bob"),
        call("n1", T0 + 3 * DAY, status="nurture", prospect_id="p1", owner="carol"),
        call("q3", T0, status="qualified", prospect_id="p3", owner="alice"),
        call("q4", T0, status="qualified", prospect_id=None, company_id="co4", owner="alice"),
    ]
    events = [
        outcome("meeting", "m1", T0 + 5 * DAY, prospect_id="p1"),  # -> q2 (latest qualified), not n1
        outcome("meeting", "m3", T0 + 30 * DAY, prospect_id="p3"),  # exactly 30 days: inside
        outcome("meeting", "m3b", T0 + 30 * DAY + timedelta(seconds=1), prospect_id="p3"),  # outside
        outcome("meeting", "m4", T0 + DAY, company_id="co4"),  # no prospect: matched on the company
        outcome("meeting", "m5", T0 + DAY, prospect_id="p9", company_id="co4"),  # other prospect: no match
        outcome("opportunity", "o1", T0 + 90 * DAY, prospect_id="p1", amount=5000.0),  # no window for opps
    ]
    load(store, calls, events)
    data = report()
    assert data["totals"]["meetings_held"] == 3
    assert data["totals"]["opportunities"] == 1
    reps = {r["key"]: r for r in data["slices"]["rep"]}
    assert reps["bob"]["meetings_held"] == 1 and reps["bob"]["opportunities"] == 1
    assert reps["alice"]["meetings_held"] == 2  # m3 and m4
    assert reps["carol"]["meetings_held"] == 0
    assert reps["bob"]["opportunity_amount"] == 5000.0
    # lead -> opportunity: from the first call to p1 (q1 at T0) to o1 (T0 + 90 d)
    assert data["totals"]["lead_to_opportunity"]["median_days"] == pytest.approx(90.0)
    assert reps["bob"]["lead_to_opportunity"]["median_days"] == pytest.approx(90.0)


def test_attribution_to_the_second_ties_and_since(store: Store, report: Report) -> None:
    ms = timedelta(milliseconds=1)
    calls = [
        # same second: the greatest call id wins, whatever the fraction of a second
        call("qa", T0 + 900 * ms, status="qualified", prospect_id="p1", owner="alice"),
        call("qb", T0 + 100 * ms, status="qualified", prospect_id="p1", owner="bob"),
        # in the same second as the meeting but after it: still "at or before" to the second
        call("qc", T0 + DAY + 700 * ms, status="qualified", prospect_id="p2", owner="carol"),
        call("qd", T0, status="qualified", prospect_id="p3", owner="dave"),
    ]
    events = [
        outcome("meeting", "m1", T0 + DAY, prospect_id="p1"),
        outcome("meeting", "m2", T0 + DAY + 200 * ms, prospect_id="p2"),
        outcome("opportunity", "o3", T0 + 20 * DAY, prospect_id="p3", amount=10.0),
    ]
    load(store, calls, events)
    reps = {r["key"]: r for r in report()["slices"]["rep"]}
    assert (reps["bob"]["meetings_held"], reps["alice"]["meetings_held"]) == (1, 0)
    assert reps["carol"]["meetings_held"] == 1
    assert reps["dave"]["opportunities"] == 1
    # with `since` after the calls to p1 and p3, only m2 (to carol) has a qualified call in scope
    later = report(since=(T0 + DAY - timedelta(hours=1)).replace(tzinfo=UTC))
    assert later["totals"]["opportunities"] == 0 and later["totals"]["meetings_held"] == 1  # m2 only


def test_short_window_setting(store: Store, report: Report) -> None:
    load(
        store,
        [call("q", T0, status="qualified", prospect_id="p")],
        [outcome("meeting", "m", T0 + 8 * DAY, prospect_id="p")],
    )
    assert report()["totals"]["meetings_held"] == 1
    assert report(settings=KpiSettings(meeting_window_days=7))["totals"]["meetings_held"] == 0


def test_teams_sources_languages_rulesets(store: Store, report: Report) -> None:
    calls = [
        call("1", T0, owner="alice", status="qualified", source="webinar", language="fr", ruleset="bant-1"),
        call("2", T0, owner="bob", source="webinar", language="en", ruleset="bant-2"),
        call("3", T0, owner="carol", status="qualified", source=None, language="en", ruleset="bant-2"),
        call("4", T0, owner="bob", status="qualified", source="cold", language="en", ruleset="bant-2"),
    ]
    load(store, calls)
    data = report(settings=KpiSettings(teams={"alice": "north", "bob": "north"}))
    teams = {r["key"]: (r["calls_handled"], r["qualified"]) for r in data["slices"]["team"]}
    assert teams == {"north": (3, 2), None: (1, 1)}
    sources = {r["key"]: r["calls_handled"] for r in data["slices"]["source"]}
    assert sources == {"webinar": 2, None: 1, "cold": 1}
    langs = {r["key"]: r["rates"]["qualified_call_rate"]["value"] for r in data["slices"]["language"]}
    assert langs == {"fr": 1.0, "en": pytest.approx(2 / 3)}
    assert {r["key"]: r["qualified"] for r in data["slices"]["ruleset"]} == {"bant-1": 1, "bant-2": 2}


def test_since_and_pipeline_filters(store: Store, report: Report) -> None:
    load(store, [call("old", T0), call("new", T0 + 40 * DAY), call("other", T0 + 40 * DAY, pipeline="other")])
    assert report()["totals"]["calls_handled"] == 2
    assert report(pipeline=None)["totals"]["calls_handled"] == 3
    since = (T0 + 10 * DAY).replace(tzinfo=UTC)
    data = report(since=since)
    assert data["totals"]["calls_handled"] == 1
    assert data["range"]["since"] == "2026-10-11T08:00:00Z"


def test_period_amounts_and_rep_hours(store: Store, report: Report) -> None:
    # 2 calls of 1800 s talk + 2 x 900 s overhead = 1.5 h; x 40 = 60. November amount 3000 spread on
    # its 30 days; the report runs 1 Nov .. 15 Nov (now) = 15 days -> 1500. One qualified call.
    load(
        store,
        [
            call("a", datetime(2026, 11, 2), duration_s=1800, status="qualified"),
            call("b", datetime(2026, 11, 3), duration_s=1800),
        ],
    )
    settings = KpiSettings(cost_per_rep_hour=40, handling_overhead_s=900, period_amounts={"2026-11": 3000})
    data = report(settings=settings, now=datetime(2026, 11, 15, 18, 0, tzinfo=UTC))
    totals = data["totals"]
    assert totals["rep_hours"] == pytest.approx(1.5)
    assert totals["cost"]["variable"] == pytest.approx(60)
    assert totals["cost"]["fixed"] == pytest.approx(1500)
    assert totals["rates"]["cost_per_qualified_call"]["value"] == pytest.approx(1560)


def test_split_ab_comparison(store: Store, report: Report) -> None:
    # A: 100 calls, 30 qualified; B: 100 calls, 45 qualified. Pooled z-test: chi2 = z^2 = 4.8, p = 0.02846
    # (R: prop.test(c(30, 45), c(100, 100), correct = FALSE)).
    calls = [call(f"a{i}", T0, variant="A", status="qualified" if i < 30 else "nurture") for i in range(100)]
    calls += [call(f"b{i}", T0, variant="B", status="qualified" if i < 45 else "nurture") for i in range(100)]
    load(store, calls)
    section = report()["variants"]
    assert section["mode"] == "split" and section["control"] == "A"
    [comp] = section["comparisons"]
    rate = comp["kpis"]["qualified_call_rate"]
    assert (rate["control"]["n"], rate["control"]["x"], rate["variant"]["n"], rate["variant"]["x"]) == (
        100,
        30,
        100,
        45,
    )
    assert rate["difference"] == pytest.approx(0.15)
    assert rate["test"] == "z_test"
    assert rate["p_value"] == pytest.approx(0.02846, abs=5e-5)
    assert rate["significant"] is True
    assert rate["ci95"][0] < 0.15 < rate["ci95"][1] and rate["ci95"][0] > 0
    assert rate["verdict"].startswith("B is higher than A by 15.0 %")
    conv = comp["kpis"]["post_qualification_conversion"]
    assert conv["control"]["n"] == 30 and conv["variant"]["x"] == 0


def test_ab_small_sample_is_said_plainly(store: Store, report: Report) -> None:
    calls = [
        call(f"a{i}", T0, variant="control", status="qualified" if i < 2 else "nurture") for i in range(8)
    ]
    calls += [call(f"b{i}", T0, variant="new", status="qualified") for i in range(6)]
    load(store, calls)
    [comp] = report()["variants"]["comparisons"]
    rate = comp["kpis"]["qualified_call_rate"]
    assert comp["control"] == "control"
    assert rate["test"] == "fisher_exact"
    assert rate["sample_too_small"] is True and rate["significant"] is False
    assert "sample too small (8 and 6; at least 30 per variant needed)" in rate["verdict"]


def test_shadow_mode(store: Store, report: Report) -> None:
    calls = [
        call(f"c{i}", T0, variant="A", prospect_id=f"p{i}", status="qualified" if i < 4 else "nurture")
        for i in range(10)
    ]
    shadow = [
        {
            "pipeline": "main",
            "call_id": f"c{i}",
            "variant": "B",
            "ruleset": "champ-1",
            "status": "qualified" if i in (0, 1, 5, 6, 7) else "nurture",
            "reason": None,
            "next_step": "none",
            "score": 1.0,
            "decided_at": T0,
        }
        for i in range(10)
    ]
    meetings = [outcome("meeting", f"m{i}", T0 + DAY, prospect_id=f"p{i}") for i in (0, 5, 6)]
    load(store, calls, meetings, shadow_results=shadow)
    section = report()["variants"]
    assert section["mode"] == "shadow"
    arms = {a["name"]: a for a in section["arms"]}
    assert arms["A"] == {
        "name": "A",
        "calls": 10,
        "qualified": 4,
        "qualified_followed_by_meeting": 1,
        "agreement_with_control": 10,
    }
    # B agrees on c0, c1 (both qualified), c4, c8, c9 (both nurture) = 5;
    # it qualifies 5 calls, of which c0, c5, c6 were followed by a meeting.
    assert arms["B"] == {
        "name": "B",
        "calls": 10,
        "qualified": 5,
        "qualified_followed_by_meeting": 3,
        "agreement_with_control": 5,
    }
    [comp] = section["comparisons"]
    assert comp["values"]["agreement_rate"]["variant"] == pytest.approx(0.5)
    assert comp["kpis"]["post_qualification_conversion"]["variant"]["rate"] == pytest.approx(0.6)


def test_discourse_lift_per_language(store: Store, report: Report) -> None:
    # fr: 4 calls with evidence, 2 followed by a meeting (baseline 0.5). budget:met in 3 calls, 2 met ->
    # rate 2/3, lift 4/3; need:not_met in 1 call, 0 met -> lift 0 (under-represented). en: 1 call, none met.
    calls = [call(f"c{i}", T0, prospect_id=f"p{i}", language="fr") for i in range(4)]
    calls.append(call("e1", T0, prospect_id="pe", language="en"))
    signals = [
        {"pipeline": "main", "call_id": c, "signal": s, "phrase": ph, "language": lang}
        for c, s, ph, lang in [
            ("c0", "budget:met", "budget ok", "fr"),
            ("c0", "budget:met", "budget voté", "fr"),
            ("c1", "budget:met", "budget ok", "fr"),
            ("c2", "budget:met", "budget ok", "fr"),
            ("c3", "need:not_met", "", "fr"),
            ("e1", "need:met", "clear need", "en"),
        ]
    ]
    meetings = [outcome("meeting", f"m{i}", T0 + DAY, prospect_id=f"p{i}") for i in (0, 1)]
    load(store, calls, meetings, signals=signals)
    data = report(settings=KpiSettings(signal_min_calls=1))["signals"]["by_language"]
    fr = data["fr"]
    assert (fr["calls"], fr["calls_with_meeting"], fr["baseline_rate"]) == (4, 2, 0.5)
    [budget] = fr["signals"]
    assert (budget["signal"], budget["calls"], budget["calls_with_meeting"]) == ("budget:met", 3, 2)
    assert budget["lift"] == pytest.approx(4 / 3)
    assert [(e["signal"], e["lift"]) for e in fr["signals_under"]] == [("need:not_met", 0.0)]
    phrases = {e["phrase"]: (e["calls"], e["lift"]) for e in fr["phrases"]}
    assert phrases == {"budget voté": (1, pytest.approx(2.0)), "budget ok": (3, pytest.approx(4 / 3))}
    assert data["en"]["baseline_rate"] == 0.0 and data["en"]["signals"] == []
    # a threshold above the counts leaves nothing
    assert report(settings=KpiSettings(signal_min_calls=4))["signals"]["by_language"]["fr"]["signals"] == []


def test_discourse_respects_since(store: Store, report: Report) -> None:
    calls = [call("old", T0, prospect_id="p1"), call("new", T0 + 20 * DAY, prospect_id="p2")]
    signals = [
        {"pipeline": "main", "call_id": c, "signal": "need:met", "phrase": "", "language": "en"}
        for c in ("old", "new")
    ]
    load(store, calls, [outcome("meeting", "m", T0 + 21 * DAY, prospect_id="p2")], signals=signals)
    everything = report(settings=KpiSettings(signal_min_calls=1))["signals"]["by_language"]["en"]
    assert (everything["calls"], everything["calls_with_meeting"]) == (2, 1)
    recent = report(settings=KpiSettings(signal_min_calls=1), since=(T0 + 10 * DAY).replace(tzinfo=UTC))
    block = recent["signals"]["by_language"]["en"]
    assert (block["calls"], block["calls_with_meeting"], block["baseline_rate"]) == (1, 1, 1.0)
