"""Presets (Canada, Belgium), settings validation, rule explanations and audit rows."""

from __future__ import annotations

from datetime import datetime

import pydantic
import pytest

from connector.compliance import (
    AUDIT_COLUMNS,
    ComplianceSettings,
    audit_csv_row,
    available_presets,
    explain_rule,
)
from connector.model import ComplianceNote
from tests.compliance.factory import SETTINGS, follow_up, make_call, only_note, run

NOW = datetime.fromisoformat("2026-03-01T12:00:00+00:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("phone", "due", "expected"),
    [
        # Toronto (EST, UTC-5 until 2026-03-08): weekdays 9:00-21:30, weekends 10:00-18:00.
        ("+1 416 555 0123", "2026-03-02T08:59:00-05:00", "2026-03-02T09:00:00-05:00"),
        ("+1 416 555 0123", "2026-03-02T09:00:00-05:00", "2026-03-02T09:00:00-05:00"),
        ("+1 416 555 0123", "2026-03-02T21:29:00-05:00", "2026-03-02T21:29:00-05:00"),
        ("+1 416 555 0123", "2026-03-02T21:30:00-05:00", "2026-03-03T09:00:00-05:00"),
        ("+1 416 555 0123", "2026-03-06T22:00:00-05:00", "2026-03-07T10:00:00-05:00"),  # Fri -> Sat 10:00
        ("+1 416 555 0123", "2026-03-07T17:59:00-05:00", "2026-03-07T17:59:00-05:00"),
        ("+1 416 555 0123", "2026-03-07T18:00:00-05:00", "2026-03-08T10:00:00-04:00"),  # Sun, after DST
        # Vancouver (PST): 9:00 in Toronto is 6:00 in Vancouver -> moved to 9:00 Pacific.
        ("+1 604 555 0123", "2026-03-02T09:00:00-05:00", "2026-03-02T09:00:00-08:00"),
        # Canada Day is not a calling restriction under the CRTC rules (no holidays in the preset).
        ("+1 416 555 0123", "2026-07-01T12:00:00-04:00", "2026-07-01T12:00:00-04:00"),
    ],
)
def test_canada_windows(phone: str, due: str, expected: str) -> None:
    call = make_call(consumer=True, country="CA", phone=phone, occurred_at=NOW)
    res = run(call, follow_up(at(due)), now=NOW)
    action, rule, new_due = only_note(res)
    assert new_due == at(expected)
    assert action == ("allowed" if due == expected else "moved")
    assert rule == "CA.UTR-III.window"


def test_canada_without_area_code_precision_needs_every_zone_open() -> None:
    """A Canadian consumer without phone: 9:00 Toronto is not 9:00 in Vancouver nor in St. John's."""
    call = make_call(consumer=True, country="CA", phone=None, occurred_at=NOW)
    settings = SETTINGS.model_copy(update={"block_unverifiable_phone": False})
    res = run(call, follow_up(at("2026-03-02T09:00:00-05:00")), settings=settings, now=NOW)
    action, _, new_due = only_note(res)
    assert action == "moved"
    assert new_due == at("2026-03-02T09:00:00-08:00")  # latest opening among the zones (Pacific)


def test_belgium_example_preset() -> None:
    call = make_call(consumer=True, country="BE", phone="+32 470 12 34 56", occurred_at=NOW)
    sat = at("2026-03-07T16:30:00+01:00")
    assert only_note(run(call, follow_up(sat), now=NOW))[:2] == ("allowed", "BE.company-policy.window")
    late = run(call, follow_up(at("2026-03-07T17:00:00+01:00")), now=NOW)
    assert only_note(late)[2] == at("2026-03-09T09:00:00+01:00")
    listed = run(call, follow_up(sat), optouts=["+32470123456"], now=NOW)
    assert listed.reason == "opted_out" and listed.compliance[0].rule == "BE.CDE-VI110.optout"


def test_unknown_country_falls_back_to_default_policy_in_the_phone_zone() -> None:
    call = make_call(consumer=False, country="DE", phone="+49 30 123456", occurred_at=NOW)
    res = run(call, follow_up(at("2026-03-02T09:30:00+01:00")), now=NOW)  # 9:30 Berlin
    assert only_note(res) == ("moved", "FR.company-policy.b2b_window", at("2026-03-02T10:00:00+01:00"))


def test_country_from_company_when_prospect_has_none() -> None:
    call = make_call(consumer=False, country=None, phone=None, company={"country": "CA"}, occurred_at=NOW)
    res = run(call, follow_up(at("2026-03-07T10:30:00-05:00")), now=NOW)  # Saturday morning
    assert only_note(res)[1] == "CA.company-policy.b2b_window"


def test_b2b_company_policy_variants() -> None:
    none = ComplianceSettings.model_validate(
        {"policies": {"FR": {"extends": "france", "b2b": {"window": "none"}}}}
    )
    call = make_call(consumer=False, occurred_at=NOW)
    sunday_night = at("2026-03-08T22:00:00+01:00")
    assert only_note(run(call, follow_up(sunday_night), settings=none)) == (
        "allowed",
        "FR.company-policy.no_restriction",
        sunday_night,
    )
    custom = ComplianceSettings.model_validate(
        {
            "policies": {
                "FR": {"extends": "france", "b2b": {"window": {"mon": ["08:00-18:00"]}, "holidays": False}}
            }
        }
    )
    easter_monday = at("2026-04-06T08:30:00+02:00")
    assert only_note(run(call, follow_up(easter_monday), settings=custom))[0] == "allowed"
    tuesday = run(call, follow_up(at("2026-04-07T09:00:00+02:00")), settings=custom)
    assert only_note(tuesday)[2] == at("2026-04-13T08:00:00+02:00")
    same = run(call, follow_up(easter_monday))
    assert only_note(same)[:2] == ("moved", "FR.company-policy.b2b_window")
    assert "b2b holiday" in same.compliance[0].detail


def test_policy_that_never_opens_blocks() -> None:
    closed = ComplianceSettings.model_validate({"policies": {"FR": {"extends": "france", "windows": {}}}})
    res = run(make_call(consumer=False), follow_up(at("2026-03-02T11:00:00+01:00")), settings=closed)
    assert res.follow_ups == () and only_note(res)[:2] == ("blocked", "FR.no_slot")


def test_presets_and_settings_validation() -> None:
    assert available_presets() == ("belgium", "canada", "france")
    assert ComplianceSettings().policies["FR"].consumer.max_attempts == 4
    with pytest.raises(pydantic.ValidationError) as err:
        ComplianceSettings.model_validate(
            {
                "default_country": "FR",
                "policies": {
                    "FR": {
                        "extends": "france",
                        "windows": {"tue": ["14:00-10:00"]},
                        "timezones": ["Mars/Olympus"],
                    }
                },
            }
        )
    text = str(err.value)
    assert "Mars/Olympus" in text and "end after it starts" in text  # both problems reported at once
    with pytest.raises(pydantic.ValidationError, match="overlap"):
        ComplianceSettings.model_validate(
            {"policies": {"FR": {"extends": "france", "windows": {"mon": ["10:00-13:00", "12:00-14:00"]}}}}
        )
    with pytest.raises(pydantic.ValidationError, match="unknown compliance preset"):
        ComplianceSettings.model_validate({"policies": {"BE": "belgique"}})
    with pytest.raises(pydantic.ValidationError, match="default_country"):
        ComplianceSettings.model_validate({"default_country": "CA"})
    with pytest.raises(pydantic.ValidationError, match="extra"):
        ComplianceSettings.model_validate({"policy": {}})
    alsace = ComplianceSettings.model_validate(
        {"policies": {"FR": {"extends": "france", "holiday_subdivisions": ["68"]}}}
    )
    assert alsace.policies["FR"].subdivision("68") == "6AE"


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("FR.D223-9.window", "calling days and hours"),
        ("FR.L223-1.consent", "prior consent"),
        ("FR.D223-9.cap", "at most N times"),
        ("FR.no_slot", "No lawful time slot"),
        ("CA.UTR-III.window", "reference UTR-III"),
        ("garbage", "unknown compliance rule"),
        ("FR.D223-9.nope", "unknown compliance rule"),
    ],
)
def test_explain_rule(rule: str, fragment: str) -> None:
    assert fragment in explain_rule(rule)


def test_audit_row_columns_are_stable() -> None:
    note = ComplianceNote(
        "c1:callback", "moved", "FR.D223-9.window", "moved", at("2026-03-09T10:00:00+01:00")
    )
    row = audit_csv_row(note, "c1", at("2026-03-07T12:00:00+01:00"))
    assert (
        tuple(row)
        == AUDIT_COLUMNS
        == (
            "decided_at",
            "call_id",
            "follow_up_key",
            "action",
            "rule",
            "rule_text",
            "detail",
            "due_at",
        )
    )
    assert row["decided_at"] == "2026-03-07T11:00:00Z" and row["due_at"] == "2026-03-09T09:00:00Z"
    assert row["rule_text"].startswith("Calls are allowed only")
    blocked = audit_csv_row(ComplianceNote("", "blocked", "FR.L223-1.objection"), "c1", NOW)
    assert blocked["due_at"] == "" and blocked["follow_up_key"] == ""
