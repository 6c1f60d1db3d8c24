"""Builders shared by the compliance tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connector.compliance import ComplianceSettings, ContactEvent, OptOutSet, apply_compliance
from connector.model import Call, Company, FollowUp, Prospect, Result

PARIS = ZoneInfo("Europe/Paris")
SETTINGS = ComplianceSettings.model_validate({"policies": {"BE": "belgium", "CA": "canada"}})
ALSACE = ComplianceSettings.model_validate(
    {"policies": {"FR": {"extends": "france", "holiday_subdivisions": ["67"]}}}
)


def paris(text: str) -> datetime:
    """A wall-clock time in Paris, e.g. paris("2026-03-30 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def make_call(
    *,
    occurred_at: datetime | None = None,
    outcome: str = "connected",
    direction: str = "outbound",
    company: dict[str, Any] | None = None,
    **prospect: Any,
) -> Call:
    fields: dict[str, Any] = {"id": "p1", "phone": "+33 6 12 34 56 78", "country": "FR", "consumer": False}
    fields.update(prospect)
    return Call(
        id="c1",
        occurred_at=occurred_at or paris("2026-03-02 11:00"),
        outcome=outcome,
        direction=direction,
        prospect=Prospect(**fields),
        company=Company(**company) if company else None,
    )


def follow_up(due: datetime, key: str = "c1:callback", type_: str = "call") -> FollowUp:
    return FollowUp(key=key, kind="callback", subject="Call back", body="", due_at=due, type=type_)  # type: ignore[arg-type]


def make_result(
    *follow_ups: FollowUp,
    status: str = "nurture",
    reason: str | None = "bad_timing",
    next_step: str = "callback",
) -> Result:
    return Result(
        call_id="c1",
        status=status,  # type: ignore[arg-type]
        reason=reason,
        next_step=next_step,
        score=50.0,
        ruleset="default@1",
        language="fr",
        explanation="",
        follow_ups=tuple(follow_ups),
    )


def run(
    call: Call,
    *follow_ups: FollowUp,
    settings: ComplianceSettings = SETTINGS,
    history: Sequence[ContactEvent] = (),
    optouts: Sequence[str] = (),
    now: datetime | None = None,
    **result: Any,
) -> Result:
    return apply_compliance(
        make_result(*follow_ups, **result),
        call,
        settings,
        history,
        OptOutSet(optouts),
        now or call.occurred_at,
    )


def only_note(res: Result) -> tuple[str, str, datetime | None]:
    assert len(res.compliance) == 1, res.compliance
    note = res.compliance[0]
    return note.action, note.rule, note.due_at
