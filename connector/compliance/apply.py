"""`apply_compliance`: the compliance decision for every follow-up call of a result. Pure.

For each follow-up whose type is "call" (other follow-ups pass through untouched), in order of due time:

1. Objection (any prospect): the CRM's do_not_call, an objection the engine found in the call (reason
   opted_out or do_not_call), or - consumers only - the number on the opposition list (unless the
   policy exempts a contract in progress). Every follow-up call is blocked and the result becomes
   disqualified / opted_out with do_not_call=True, so the pipeline writes the flag back to the CRM.
   A consumer whose number cannot be checked against the list is blocked too (not marked opted out)
   when `block_unverifiable_phone` is set.
2. Earliest lawful time, from max(due_at, now) when the due time itself is not lawful: consumers wait
   out the refusal cool-down and the attempts cap (the current call and the follow-ups already planned
   count as attempts); then the next open calling window in the prospect's time zone(s), skipping
   holidays. Professionals only get the company window policy. Recorded express consent to other hours
   (settings.consent_to_other_hours = "consent_at") lifts days and hours for that consumer.
3. Consent: from the policy's cut-off date (FR: 2026-08-11), a consumer call at the chosen time needs
   `consent_at` no later than that time, unless a contract is in progress and the policy exempts it.

A follow-up kept at its due time gets an "allowed" note, one given a new time a "moved" note (with the
new due_at), one dropped a "blocked" note. When the prospect objected, a note with an empty
`follow_up_key` records the decision about the prospect itself. Notes replace `result.compliance`,
except "blocked" notes about follow-ups no longer in the result, which are kept: applying again to the
output is stable (same follow-ups, status and blocked notes; a moved follow-up is then "allowed").
Notes are ordered: the prospect note first, then by follow-up key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from connector.compliance.calendar import Schedule
from connector.compliance.history import (
    ContactEvent,
    cap_release,
    is_attempt,
    is_refusal,
    refusal_release,
)
from connector.compliance.locate import Target, resolve_target
from connector.compliance.optout import OptOutList
from connector.compliance.rules import rule_id
from connector.compliance.settings import ComplianceSettings
from connector.model import Call, ComplianceNote, Direction, FollowUp, Result

_MAX_ROUNDS = 200


@dataclass(frozen=True, slots=True)
class _Objection:
    topic: str
    detail: str
    opted_out: bool


def apply_compliance(
    result: Result,
    call: Call,
    settings: ComplianceSettings,
    history: Sequence[ContactEvent],
    optouts: OptOutList,
    now: datetime,
) -> Result:
    """Return a new `Result` whose follow-up calls are lawful under `settings`, with one
    `ComplianceNote` per decision (see the module docstring for the order of checks).

    `history` holds earlier calls to the same prospect or number (the current call may be included;
    an event at the call's exact time is not counted twice); `optouts` answers "is this E.164 number
    on the opposition list"; `now` (aware) is the decision time - no clock is read.
    """
    if not settings.enabled:
        return result
    target = resolve_target(call, settings)
    present = {f.key for f in result.follow_ups}
    notes: list[ComplianceNote] = [
        n
        for n in result.compliance
        if n.action == "blocked" and n.follow_up_key and n.follow_up_key not in present
    ]
    objection = _objection(result, call, target, settings, optouts)
    if objection is not None:
        rule = _rule(target, objection.topic)
        kept = []
        for f in result.follow_ups:
            if f.type == "call":
                notes.append(ComplianceNote(f.key, "blocked", rule, objection.detail))
            else:
                kept.append(f)
        if not objection.opted_out:
            return replace(result, follow_ups=tuple(kept), compliance=_ordered(notes))
        notes.append(ComplianceNote("", "blocked", rule, objection.detail + "; do-not-call set"))
        return replace(
            result,
            status="disqualified",
            reason="opted_out",
            do_not_call=True,
            next_step="none" if result.next_step == "callback" else result.next_step,
            follow_ups=tuple(kept),
            compliance=_ordered(notes),
        )

    attempts, refusals = _history(result, call, history, settings)
    decided: dict[str, FollowUp | None] = {}
    for f in sorted((f for f in result.follow_ups if f.type == "call"), key=lambda f: (f.due_at, f.key)):
        note = _decide(f, call, target, settings, attempts, refusals, now)
        notes.append(note)
        if note.action == "blocked" or note.due_at is None:
            decided[f.key] = None
        else:
            decided[f.key] = replace(f, due_at=note.due_at) if note.action == "moved" else f
            attempts.append(note.due_at)
    follow_ups = []
    for f in result.follow_ups:
        if f.type != "call":
            follow_ups.append(f)
        elif (kept_f := decided.get(f.key)) is not None:
            follow_ups.append(kept_f)
    return replace(result, follow_ups=tuple(follow_ups), compliance=_ordered(notes))


def _ordered(notes: list[ComplianceNote]) -> tuple[ComplianceNote, ...]:
    return tuple(sorted(notes, key=lambda n: n.follow_up_key))


def _rule(target: Target, topic: str) -> str:
    policy = target.policy
    return rule_id(policy.rule_prefix, topic, policy.references.get(topic))


def _contract_exempt(call: Call, settings: ComplianceSettings, policy_flag: bool) -> bool:
    return bool(
        settings.contract_in_progress_exemption
        and policy_flag
        and call.prospect is not None
        and call.prospect.contract_in_progress
    )


def _objection(
    result: Result, call: Call, target: Target, settings: ComplianceSettings, optouts: OptOutList
) -> _Objection | None:
    """CRM flag first, then the opposition list, then the call itself: a second application to the
    output (whose do_not_call is now set) names the same rule."""
    if call.prospect is not None and call.prospect.do_not_call:
        return _Objection("objection", "the prospect is marked do-not-call in the CRM", True)
    listed = _optout(call, target, settings, optouts)
    if listed is not None and listed.opted_out:
        return listed
    if result.do_not_call or result.reason == "opted_out":
        return _Objection("objection", "the prospect objected to further calls during the call", True)
    return listed


def _optout(
    call: Call, target: Target, settings: ComplianceSettings, optouts: OptOutList
) -> _Objection | None:
    rules = target.policy.consumer
    if not target.consumer or not rules.optout_list:
        return None
    if _contract_exempt(call, settings, rules.optout_exempts_contract):
        return None
    if target.phone is None:
        if settings.block_unverifiable_phone:
            return _Objection("optout", "no usable phone number to check against the opposition list", False)
        return None
    if target.phone in optouts:
        return _Objection("optout", f"{target.phone} is on the opposition list", True)
    return None


def _history(
    result: Result, call: Call, history: Sequence[ContactEvent], settings: ComplianceSettings
) -> tuple[list[datetime], list[datetime]]:
    events = list(history)
    if all(e.occurred_at != call.occurred_at for e in events):
        direction = "inbound" if call.direction == Direction.inbound else "outbound"
        events.append(
            ContactEvent(call.occurred_at, call.outcome.value, result.status, result.reason, direction)
        )
    attempts = [e.occurred_at for e in events if is_attempt(e)]
    refusals = [e.occurred_at for e in events if is_refusal(e, settings.refusal_reasons)]
    return attempts, refusals


def _schedule(call: Call, target: Target, settings: ComplianceSettings) -> tuple[Schedule, str]:
    policy = target.policy
    prospect = call.prospect
    if target.consumer:
        if settings.consent_to_other_hours == "consent_at" and prospect and prospect.consent_at:
            return Schedule(None, target.locales), "consent_other_hours"
        return Schedule(policy.windows, target.locales), "window"
    b2b = policy.b2b
    if b2b.window == "none":
        return Schedule(None, target.locales), "no_restriction"
    if b2b.window == "same":
        return Schedule(policy.windows, target.locales), "b2b_window"
    return Schedule(b2b.window, target.locales, use_holidays=b2b.holidays), "b2b_window"


def _decide(
    f: FollowUp,
    call: Call,
    target: Target,
    settings: ComplianceSettings,
    attempts: list[datetime],
    refusals: list[datetime],
    now: datetime,
) -> ComplianceNote:
    policy = target.policy
    rules = policy.consumer
    schedule, window_topic = _schedule(call, target, settings)
    zone = target.zone
    floor: datetime | None = None
    cap = rules.max_attempts if target.consumer else None
    if target.consumer and rules.refusal_cooldown_days is not None:
        released = refusal_release(refusals, rules.refusal_cooldown_days, zone)
        floor = released[1] if released else None

    def cap_at(t: datetime) -> datetime | None:
        return None if cap is None else cap_release(t, attempts, cap, rules.attempt_period_days, zone)

    due = f.due_at
    problems: list[str] = []
    if floor is not None and due < floor:
        problems.append("refusal")
    if cap_at(due) is not None:
        problems.append("cap")
    closure = schedule.closure(due)
    if closure is not None:
        problems.append("holiday" if closure == "holiday" and target.consumer else window_topic)

    if not problems:
        slot: datetime | None = due
    else:
        start = max(due, now, floor) if floor is not None else max(due, now)
        slot = _earliest(start, start + timedelta(days=settings.search_horizon_days), schedule, cap_at)
    if slot is None:
        detail = f"no lawful slot within {settings.search_horizon_days} days ({', '.join(problems)})"
        return ComplianceNote(f.key, "blocked", _rule(target, "no_slot"), detail)

    consent_note = _consent(f, call, target, settings, slot)
    if consent_note is not None:
        return consent_note
    where = target.zone_names
    if not problems:
        return ComplianceNote(f.key, "allowed", _rule(target, window_topic), f"allowed ({where})", due)
    local = slot.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
    was = due.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
    why = ", ".join(p if p != "b2b_window" else f"b2b {closure or 'window'}" for p in problems)
    detail = f"due {was} not allowed ({why}); moved to {local} ({where})"
    return ComplianceNote(f.key, "moved", _rule(target, problems[0]), detail, slot)


def _earliest(
    start: datetime, until: datetime, schedule: Schedule, cap_at: Callable[[datetime], datetime | None]
) -> datetime | None:
    t = start
    for _ in range(_MAX_ROUNDS):
        opened = schedule.next_open(t, until)
        if opened is None:
            return None
        release = cap_at(opened)
        if release is None:
            return opened
        if release > until:
            return None
        t = max(release, opened)
    return None


def _consent(
    f: FollowUp, call: Call, target: Target, settings: ComplianceSettings, slot: datetime
) -> ComplianceNote | None:
    rules = target.policy.consumer
    cutoff = rules.consent_required_from
    if not target.consumer or cutoff is None or slot.astimezone(target.zone).date() < cutoff:
        return None
    prospect = call.prospect
    if prospect is not None and prospect.consent_at is not None and prospect.consent_at <= slot:
        return None
    if _contract_exempt(call, settings, rules.consent_exempts_contract):
        return None
    detail = f"no recorded prior consent for a consumer call on or after {cutoff.isoformat()}"
    return ComplianceNote(f.key, "blocked", _rule(target, "consent"), detail)
