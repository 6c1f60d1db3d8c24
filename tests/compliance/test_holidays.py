"""French public holidays (holidays package): national days, Alsace-Moselle, overseas departments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from connector.compliance.calendar import is_holiday
from connector.model import Call
from tests.compliance.factory import ALSACE, PARIS, SETTINGS, follow_up, make_call, only_note, paris, run

NOW = paris("2026-01-02 12:00")


def consumer(**kw: Any) -> Call:
    return make_call(consumer=True, consent_at=paris("2025-12-01 00:00"), occurred_at=NOW, **kw)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2026-05-01", "1 May"),
        ("2026-07-14", "14 July"),
        ("2026-05-14", "Ascension"),
        ("2026-05-25", "Whit Monday"),
        ("2026-11-11", "11 November"),
        ("2026-12-25", "25 December"),
    ],
)
def test_national_holidays_are_closed(day: str, name: str) -> None:
    due = paris(f"{day} 11:00")
    assert due.weekday() < 5, name  # all fall on a weekday in 2026
    res = run(consumer(), follow_up(due), now=NOW)
    action, rule, new_due = only_note(res)
    assert (action, rule) == ("moved", "FR.D223-9.holiday")
    assert new_due is not None and new_due.astimezone(PARIS).date() > due.date()


@pytest.mark.parametrize(("settings", "closed"), [(SETTINGS, False), (ALSACE, True)])
def test_26_december_only_in_alsace_moselle(settings: object, closed: bool) -> None:
    due = paris("2025-12-26 11:00")  # a Friday (26 December 2026 is a Saturday)
    res = run(consumer(), follow_up(due), settings=settings, now=paris("2025-12-01 12:00"))  # type: ignore[arg-type]
    action, rule, new_due = only_note(res)
    if closed:
        assert (action, rule) == ("moved", "FR.D223-9.holiday")
        assert new_due == paris("2025-12-29 10:00")
    else:
        assert (action, new_due) == ("allowed", due)


def test_good_friday_in_moselle_only() -> None:
    assert is_holiday(paris("2026-04-03 00:00").date(), "FR", "57")
    assert not is_holiday(paris("2026-04-03 00:00").date(), "FR", None)


def test_overseas_department_holiday() -> None:
    """20 December (abolition of slavery) is a holiday in La Réunion, not in Paris (a Monday in 2027)."""
    due_local = "2027-12-20T11:00:00+04:00"
    reunion = consumer(phone="+262 262 12 34 56")
    res = run(reunion, follow_up(datetime.fromisoformat(due_local)), now=NOW)
    assert only_note(res)[:2] == ("moved", "FR.D223-9.holiday")
    metro = run(consumer(), follow_up(paris("2027-12-20 11:00")), now=NOW)
    assert only_note(metro)[0] == "allowed"
