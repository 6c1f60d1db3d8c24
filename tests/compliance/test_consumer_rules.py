"""Consumer rules: prior consent from 2026-08-11, 4 attempts per 30 days, 60 days after a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.compliance import ComplianceSettings, ContactEvent
from tests.compliance.factory import PARIS, follow_up, make_call, only_note, paris, run

CONSENT = paris("2026-01-10 09:00")


@pytest.mark.parametrize(
    ("due", "consent_at", "contract", "expected"),
    [
        ("2026-08-10 11:00", None, False, "allowed"),  # before the cut-off: no consent needed
        ("2026-08-10 11:00", CONSENT, False, "allowed"),
        ("2026-08-11 11:00", None, False, "blocked"),  # from the cut-off day on
        ("2026-08-11 11:00", CONSENT, False, "allowed"),
        ("2026-09-01 11:00", None, True, "allowed"),  # contract in progress: exempt
        ("2026-09-01 11:00", paris("2026-09-02 09:00"), False, "blocked"),  # consent after the call
        ("2026-08-10 19:59", None, False, "allowed"),
    ],
)
def test_consent_cutoff(due: str, consent_at: object, contract: bool, expected: str) -> None:
    call = make_call(
        consumer=True,
        consent_at=consent_at,
        contract_in_progress=contract,
        occurred_at=paris("2026-07-20 11:00"),
    )
    res = run(call, follow_up(paris(due)), now=paris("2026-07-20 11:00"))
    action, rule, _ = only_note(res)
    assert action == expected
    if expected == "blocked":
        assert rule == "FR.L223-1.consent" and res.follow_ups == ()


def test_moved_across_the_cutoff_needs_consent() -> None:
    """Due Friday 2026-08-07 20:30: the next slot is Monday 08-10 10:00 (before the cut-off) -> allowed;
    due Monday 08-10 20:30: next slot 08-11 10:00 -> blocked without consent."""
    call = make_call(consumer=True, occurred_at=paris("2026-07-20 11:00"))
    ok = run(call, follow_up(paris("2026-08-07 20:30")), now=paris("2026-07-20 11:00"))
    assert only_note(ok) == ("moved", "FR.D223-9.window", paris("2026-08-10 10:00"))
    late = run(call, follow_up(paris("2026-08-10 20:30")), now=paris("2026-07-20 11:00"))
    assert only_note(late)[:2] == ("blocked", "FR.L223-1.consent")


def test_consent_is_not_required_for_professionals() -> None:
    call = make_call(consumer=False, occurred_at=paris("2026-09-01 11:00"))
    res = run(call, follow_up(paris("2026-09-02 11:00")))
    assert only_note(res)[:2] == ("allowed", "FR.company-policy.b2b_window")


def attempts(*walls: str, outcome: str = "no_answer", reason: str | None = None) -> list[ContactEvent]:
    return [ContactEvent(paris(w), outcome, None, reason) for w in walls]


@pytest.mark.parametrize(
    ("history", "due", "expected_action", "expected_due"),
    [
        # 3 earlier attempts + the current call (03-20) = 4 in 30 days: next allowed when the first expires.
        (
            attempts("2026-03-02 10:00", "2026-03-09 10:00", "2026-03-16 10:00"),
            "2026-03-23 11:00",
            "moved",
            "2026-04-01 10:00",
        ),
        # 2 earlier + current = 3: one more is fine.
        (attempts("2026-03-09 10:00", "2026-03-16 10:00"), "2026-03-23 11:00", "allowed", "2026-03-23 11:00"),
        # Attempts older than 30 calendar days do not count.
        (
            attempts("2026-02-10 10:00", "2026-02-11 10:00", "2026-02-12 10:00"),
            "2026-03-23 11:00",
            "allowed",
            "2026-03-23 11:00",
        ),
        # Inbound calls are not attempts.
        (
            [
                ContactEvent(paris(w), "connected", direction="inbound")
                for w in ("2026-03-02 10:00", "2026-03-09 10:00", "2026-03-16 10:00")
            ],
            "2026-03-23 11:00",
            "allowed",
            "2026-03-23 11:00",
        ),
    ],
)
def test_four_attempts_in_thirty_days(
    history: list[ContactEvent], due: str, expected_action: str, expected_due: str
) -> None:
    call = make_call(
        consumer=True,
        consent_at=paris("2026-01-01 00:00"),
        outcome="no_answer",
        occurred_at=paris("2026-03-20 10:00"),
    )
    res = run(
        call,
        follow_up(paris(due)),
        history=history,
        now=paris("2026-03-20 10:05"),
        status="unreached",
        reason=None,
    )
    action, rule, new_due = only_note(res)
    assert action == expected_action
    assert new_due == paris(expected_due)
    if action == "moved":
        assert rule == "FR.D223-9.cap"
        # The cap holds: no 30-day run contains more than 4 attempts once the follow-up is made.
        days = sorted([e.occurred_at for e in history] + [call.occurred_at, new_due])
        assert all((days[i + 4] - days[i]) >= timedelta(days=29) for i in range(len(days) - 4))


def test_current_call_in_history_is_not_counted_twice() -> None:
    call = make_call(
        consumer=True,
        consent_at=paris("2026-01-01 00:00"),
        outcome="no_answer",
        occurred_at=paris("2026-03-20 10:00"),
    )
    history = attempts("2026-03-09 10:00", "2026-03-16 10:00", "2026-03-20 10:00")
    res = run(call, follow_up(paris("2026-03-23 11:00")), history=history, status="unreached", reason=None)
    assert only_note(res)[0] == "allowed"


def test_two_follow_ups_share_the_cap() -> None:
    call = make_call(
        consumer=True,
        consent_at=paris("2026-01-01 00:00"),
        outcome="no_answer",
        occurred_at=paris("2026-03-20 10:00"),
    )
    history = attempts("2026-03-09 10:00", "2026-03-16 10:00")
    res = run(
        call,
        follow_up(paris("2026-03-23 11:00"), "k1"),
        follow_up(paris("2026-03-24 11:00"), "k2"),
        history=history,
        status="unreached",
        reason=None,
    )
    first, second = res.compliance
    assert (first.action, second.action) == ("allowed", "moved")
    assert second.rule == "FR.D223-9.cap"
    assert second.due_at == paris("2026-04-08 10:00")  # 03-09 leaves the 30-day run on 04-08


@pytest.mark.parametrize(
    ("refused_on", "due", "expected"),
    [
        (
            "2026-03-02 11:00",
            "2026-04-30 11:00",
            "2026-05-04 10:00",
        ),  # 60 full days after 03-02 -> from 05-02
        ("2026-03-02 11:00", "2026-05-04 11:00", "2026-05-04 11:00"),  # (05-02/03 weekend) allowed as is
        ("2026-03-02 11:00", "2026-03-10 11:00", "2026-05-04 10:00"),
    ],
)
def test_sixty_days_after_a_refusal(refused_on: str, due: str, expected: str) -> None:
    call = make_call(
        consumer=True,
        consent_at=paris("2026-01-01 00:00"),
        occurred_at=paris("2026-03-09 11:00"),
        outcome="no_answer",
    )
    history = attempts(refused_on, outcome="connected", reason="no_need")
    res = run(
        call,
        follow_up(paris(due)),
        history=history,
        status="unreached",
        reason=None,
        now=paris("2026-03-09 11:05"),
    )
    action, rule, new_due = only_note(res)
    assert new_due == paris(expected)
    assert action == ("allowed" if due == expected else "moved")
    if action == "moved":
        assert rule == "FR.D223-9.refusal"


def test_refusal_in_the_current_call_starts_the_cooldown() -> None:
    call = make_call(
        consumer=True, consent_at=paris("2026-01-01 00:00"), occurred_at=paris("2026-03-02 11:00")
    )
    res = run(call, follow_up(paris("2026-03-09 11:00")), status="disqualified", reason="no_need")
    action, rule, new_due = only_note(res)
    assert (action, rule) == ("moved", "FR.D223-9.refusal")
    assert new_due is not None and new_due.astimezone(PARIS).date().isoformat() == "2026-05-04"


def test_bad_timing_is_not_a_refusal_and_b2b_has_no_caps() -> None:
    history = attempts("2026-03-02 11:00", outcome="connected", reason="bad_timing")
    consumer = make_call(
        consumer=True, consent_at=paris("2026-01-01 00:00"), occurred_at=paris("2026-03-03 11:00")
    )
    assert only_note(run(consumer, follow_up(paris("2026-03-10 11:00")), history=history))[0] == "allowed"
    many = attempts(*(f"2026-03-0{d} 11:00" for d in range(2, 7)), outcome="connected", reason="no_need")
    b2b = make_call(consumer=False, occurred_at=paris("2026-03-06 12:00"))
    assert only_note(run(b2b, follow_up(paris("2026-03-10 11:00")), history=many))[0] == "allowed"


def test_consent_to_other_hours() -> None:
    settings = ComplianceSettings(consent_to_other_hours="consent_at")
    with_consent = make_call(consumer=True, consent_at=paris("2026-01-01 00:00"))
    sunday = paris("2026-03-08 21:00")
    res = run(with_consent, follow_up(sunday), settings=settings)
    assert only_note(res) == ("allowed", "FR.D223-9.consent_other_hours", sunday)
    without = make_call(consumer=True)
    assert only_note(run(without, follow_up(sunday), settings=settings))[0] == "moved"
    assert only_note(run(with_consent, follow_up(sunday)))[0] == "moved"  # default "none"


def test_contact_event_from_store_row() -> None:
    row = {
        "call_id": "x",
        "occurred_at": paris("2026-03-02 11:00"),
        "outcome": "connected",
        "status": None,
        "reason": "no_need",
    }
    event = ContactEvent.from_mapping(row)
    assert event == ContactEvent(paris("2026-03-02 11:00"), "connected", None, "no_need", "outbound")
    inbound = ContactEvent.from_mapping({**row, "direction": "inbound"})
    assert inbound.direction == "inbound"
