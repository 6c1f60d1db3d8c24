"""French calling days and hours (D.223-9) in Europe/Paris: every weekday, every boundary, both DST days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.compliance.factory import PARIS, follow_up, make_call, only_note, paris, run

BOUNDARIES = [
    ("09:59", False),
    ("10:00", True),
    ("12:59", True),
    ("13:00", False),
    ("13:59", False),
    ("14:00", True),
    ("19:59", True),
    ("20:00", False),
]
# Week of 2026-03-02 (no holiday): Monday..Sunday.
WEEK = [
    ("2026-03-02", True),
    ("2026-03-03", True),
    ("2026-03-04", True),
    ("2026-03-05", True),
    ("2026-03-06", True),
    ("2026-03-07", False),
    ("2026-03-08", False),
]
CASES = [
    (f"{day} {hhmm}", open_day and open_hour) for day, open_day in WEEK for hhmm, open_hour in BOUNDARIES
]
# DST: 2026-03-29 (Sunday, CET -> CEST) and 2026-10-25 (Sunday, CEST -> CET); the Mondays after them.
CASES += [
    (f"{day} {hhmm}", open_hour and day.endswith(("30", "26")))
    for day in ("2026-03-29", "2026-03-30", "2026-10-25", "2026-10-26")
    for hhmm, open_hour in BOUNDARIES
]


@pytest.mark.parametrize(("wall", "allowed"), CASES)
def test_consumer_window_boundaries(wall: str, allowed: bool) -> None:
    due = paris(wall)
    call = make_call(
        consumer=True, consent_at=paris("2026-01-01 00:00"), occurred_at=paris("2026-03-01 12:00")
    )
    res = run(call, follow_up(due), now=paris("2026-03-01 12:00"))
    action, rule, new_due = only_note(res)
    assert new_due is not None
    if allowed:
        assert (action, rule, new_due) == ("allowed", "FR.D223-9.window", due)
    else:
        assert action == "moved" and rule == "FR.D223-9.window"
        assert new_due > due
        local = new_due.astimezone(PARIS)
        assert local.weekday() < 5 and local.strftime("%H:%M") in ("10:00", "14:00")
    assert res.follow_ups[0].due_at == new_due


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-03-02 20:00", "2026-03-03 10:00"),  # evening -> next morning
        ("2026-03-02 13:00", "2026-03-02 14:00"),  # lunch break -> 14:00
        ("2026-03-02 07:30", "2026-03-02 10:00"),
        ("2026-03-06 19:59:30", "2026-03-06 19:59:30"),  # still inside [14:00, 20:00)
        ("2026-03-06 20:00", "2026-03-09 10:00"),  # Friday evening -> Monday
        ("2026-03-28 12:00", "2026-03-30 10:00"),  # Saturday before spring DST -> Monday CEST
        ("2026-03-29 02:30", "2026-03-30 10:00"),  # inside the non-existent hour
        ("2026-10-24 12:00", "2026-10-26 10:00"),  # Saturday before autumn DST -> Monday CET
        ("2026-10-25 02:30", "2026-10-26 10:00"),  # ambiguous hour on the autumn change
    ],
)
def test_next_slot(due: str, expected: str) -> None:
    call = make_call(
        consumer=True, consent_at=paris("2026-01-01 00:00"), occurred_at=paris("2026-03-01 12:00")
    )
    res = run(call, follow_up(paris(due)), now=paris("2026-03-01 12:00"))
    assert res.follow_ups[0].due_at == paris(expected)
    assert res.follow_ups[0].due_at.astimezone(PARIS).utcoffset() == paris(expected).utcoffset()


def test_dst_offsets_are_real_wall_clock() -> None:
    """10:00 on the Monday after each change is 08:00 UTC in summer time and 09:00 UTC in winter time."""
    call = make_call(
        consumer=True, consent_at=paris("2026-01-01 00:00"), occurred_at=paris("2026-03-01 12:00")
    )
    spring = (
        run(call, follow_up(paris("2026-03-29 12:00")), now=paris("2026-03-01 12:00")).follow_ups[0].due_at
    )
    autumn = (
        run(call, follow_up(paris("2026-10-25 12:00")), now=paris("2026-03-01 12:00")).follow_ups[0].due_at
    )
    assert spring.astimezone(PARIS).utcoffset() == timedelta(hours=2)
    assert spring == datetime.fromisoformat("2026-03-30T08:00:00+00:00")
    assert autumn == datetime.fromisoformat("2026-10-26T09:00:00+00:00")


def test_prospect_in_another_zone_uses_its_local_hours() -> None:
    """A Réunion number (UTC+4): 10:00 in Saint-Denis is 07:00 in Paris."""
    call = make_call(
        consumer=True, consent_at=paris("2026-01-01 00:00"), phone="+262 262 12 34 56", country="FR"
    )
    due = datetime.fromisoformat("2026-03-03T07:00:00+01:00")  # 10:00 in Réunion
    action, rule, _ = only_note(run(call, follow_up(due), now=paris("2026-03-01 12:00")))
    assert (action, rule) == ("allowed", "FR.D223-9.window")
    paris_ten = run(call, follow_up(paris("2026-03-03 17:30")), now=paris("2026-03-01 12:00"))
    assert only_note(paris_ten)[0] == "moved"  # 20:30 in Réunion
