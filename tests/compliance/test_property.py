"""Property: whatever the call, the follow-ups and the policy, no follow-up call is left outside the
policy's windows (in every time zone the prospect may be in, holidays included), none is moved earlier,
every follow-up call gets exactly one decision, and the consumer attempts cap holds for new calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.compliance import ComplianceSettings, ContactEvent, OptOutSet, apply_compliance
from connector.compliance.locate import resolve_target
from connector.compliance.settings import WEEKDAYS, WeekWindows
from connector.model import Call, FollowUp, Prospect, Result

ZONES = ["Europe/Paris", "America/Toronto", "Asia/Tokyo", "Pacific/Chatham", "America/St_Johns", "UTC"]
PHONES = [
    None,
    "06 12 34 56 78",
    "+262 262 12 34 56",
    "+1 416 555 0123",
    "+1 709 555 0123",
    "+49 30 123456",
    "bad",
]
START = datetime(2025, 12, 1, tzinfo=UTC)
HOLIDAYS = sorted(holidays.country_holidays("FR", subdiv="6AE", years=[2026, 2027]))
anywhen = st.integers(min_value=0, max_value=500 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
on_holidays = st.builds(
    lambda d, m: datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(minutes=m),
    st.sampled_from(HOLIDAYS),
    st.integers(min_value=-12 * 60, max_value=36 * 60),
)
instants = st.one_of(anywhen, on_holidays)


@st.composite
def day_windows(draw: st.DrawFn) -> list[str]:
    points = sorted(draw(st.sets(st.integers(min_value=0, max_value=24 * 4), max_size=6)))
    pairs = list(zip(points[0::2], points[1::2], strict=False))
    return [f"{a * 15 // 60:02d}:{a * 15 % 60:02d}-{b * 15 // 60:02d}:{b * 15 % 60:02d}" for a, b in pairs]


@st.composite
def week(draw: st.DrawFn) -> dict[str, list[str]]:
    return {day: draw(day_windows()) for day in WEEKDAYS}


@st.composite
def policies(draw: st.DrawFn) -> ComplianceSettings:
    fr: dict[str, Any] = {
        "extends": "france",
        "windows": draw(week()),
        "timezones": draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True)),
        "holiday_subdivisions": draw(st.sampled_from([[], ["6AE"], ["57", "67"]])),
        "consumer": {
            "max_attempts": draw(st.sampled_from([None, 1, 2, 4])),
            "refusal_cooldown_days": draw(st.sampled_from([None, 1, 60])),
            "consent_required_from": draw(st.sampled_from([None, date(2026, 8, 11)])),
        },
        "b2b": {
            "window": draw(st.sampled_from(["same", "none"]) | week()),
            "holidays": draw(st.booleans()),
        },
    }
    return ComplianceSettings.model_validate(
        {
            "policies": {"FR": fr, "CA": "canada"},
            "consent_to_other_hours": draw(st.sampled_from(["none", "consent_at"])),
            "block_unverifiable_phone": draw(st.booleans()),
        }
    )


@st.composite
def calls(draw: st.DrawFn) -> Call:
    prospect = Prospect(
        id="p",
        phone=draw(st.sampled_from(PHONES)),
        country=draw(st.sampled_from([None, "FR", "CA", "RE", "DE"])),
        consumer=draw(st.booleans()),
        do_not_call=draw(st.booleans().filter(lambda b: not b) | st.booleans()),
        consent_at=draw(st.none() | instants),
        contract_in_progress=draw(st.booleans()),
    )
    return Call(
        id="c",
        occurred_at=draw(instants),
        outcome=draw(st.sampled_from(["connected", "no_answer", "voicemail"])),
        direction=draw(st.sampled_from(["outbound", "inbound"])),
        prospect=prospect,
    )


@st.composite
def results(draw: st.DrawFn) -> Result:
    ups = tuple(
        FollowUp(
            f"k{i}",
            "callback",
            "s",
            "",
            draw(instants),
            type=draw(st.sampled_from(["call", "call", "email"])),
        )
        for i in range(draw(st.integers(min_value=0, max_value=4)))
    )
    reason = draw(st.sampled_from([None, "bad_timing", "no_need", "opted_out"]))
    return Result("c", "nurture", reason, "callback", 1.0, "r", "fr", "", follow_ups=ups)


histories = st.lists(
    st.builds(
        ContactEvent,
        occurred_at=instants,
        outcome=st.sampled_from(["connected", "no_answer"]),
        status=st.none(),
        reason=st.sampled_from([None, "no_need", "bad_timing"]),
        direction=st.sampled_from(["outbound", "inbound"]),
    ),
    max_size=6,
)


def _open(windows: WeekWindows, local: datetime) -> bool:
    t = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    return any(w.start <= t < w.end for w in windows.for_weekday(local.weekday()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), calls(), results(), histories, instants)
def test_no_follow_up_call_outside_the_windows(
    cfg: ComplianceSettings, call: Call, result: Result, history: list[ContactEvent], now: datetime
) -> None:
    out = apply_compliance(result, call, cfg, history, OptOutSet(["+33612345678"]), now)
    target = resolve_target(call, cfg)
    policy = target.policy
    assert call.prospect is not None
    consumer = call.prospect.consumer
    before = {f.key: f for f in result.follow_ups}
    noted = [n.follow_up_key for n in out.compliance if n.follow_up_key]
    assert sorted(noted) == sorted(f.key for f in result.follow_ups if f.type == "call")
    assert [f for f in out.follow_ups if f.type != "call"] == [
        f for f in result.follow_ups if f.type != "call"
    ]

    if consumer and cfg.consent_to_other_hours == "consent_at" and call.prospect.consent_at:
        windows: WeekWindows | None = None
        use_holidays = False
    elif consumer or policy.b2b.window == "same":
        windows, use_holidays = policy.windows, True
    elif policy.b2b.window == "none":
        windows, use_holidays = None, False
    else:
        assert isinstance(policy.b2b.window, WeekWindows)
        windows, use_holidays = policy.b2b.window, policy.b2b.holidays

    for f in out.follow_ups:
        if f.type != "call":
            continue
        assert f.due_at >= before[f.key].due_at
        if windows is None:
            continue
        for locale in target.locales:
            local = f.due_at.astimezone(locale.zone)
            assert _open(windows, local), (f.due_at, locale.zone)
            if use_holidays:
                for country, sub in locale.calendars:
                    assert local.date() not in holidays.country_holidays(country, subdiv=sub)

    cap = policy.consumer.max_attempts
    if consumer and cap is not None:
        zone = target.zone
        past = [e.occurred_at for e in history if e.direction != "inbound"]
        if call.direction == "outbound" and all(e.occurred_at != call.occurred_at for e in history):
            past.append(call.occurred_at)
        new = [f.due_at for f in out.follow_ups if f.type == "call"]
        days = [d.astimezone(zone).date() for d in past + new]
        period = policy.consumer.attempt_period_days
        for slot in new:
            d0 = slot.astimezone(zone).date()
            for shift in range(period):
                lo = d0 - timedelta(days=shift)
                assert sum(lo <= d < lo + timedelta(days=period) for d in days) <= cap
