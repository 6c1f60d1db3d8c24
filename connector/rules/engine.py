"""The qualification engine: `qualify(call, ruleset, now) -> Result`.

A pure function of its arguments: no I/O, no clock reads, no global state changed; it never raises on
any valid `Call` (arbitrary text, 1 MB notes, empty fields, mixed languages). Steps:

1. language: the call's hint, else detected from its text;
2. signals: lexicon hits in the notes, the transcript (tagged rep / prospect) and fields;
3. criteria: each gets met / not met / unknown with the evidence that decided it and its points;
4. decision: the pack's `[[decisions]]` are tried in order, the first whose conditions hold gives the
   status, reason, next step, recontact date and follow-up kinds; its `score_min`/`score_max` clamp
   the weighted score;
5. follow-ups and the explanation paragraph, in the call's language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from enum import Enum

from connector.model import Call, Evidence, Result
from connector.rules.conditions import Facts as CondFacts
from connector.rules.conditions import holds
from connector.rules.evaluate import Facts, assess, extract, field_value
from connector.rules.explain import explanation
from connector.rules.followups import build_follow_ups, business_date_in, country_of
from connector.rules.ruleset import Decision, Ruleset


def _decide(ruleset: Ruleset, facts: CondFacts) -> Decision | None:
    for d in ruleset.decisions:
        if not all(holds(a, facts) for a in d.when):
            continue
        if d.any and not any(holds(a, facts) for a in d.any):
            continue
        if any(holds(a, facts) for a in d.unless):
            continue
        return d
    return None


class _Fields(Mapping[str, object]):
    """Read-only view of a call's fields by dotted path (resolved on access, nothing copied)."""

    def __init__(self, call: Call) -> None:
        self._call = call

    def __getitem__(self, path: str) -> object:
        value = field_value(self._call, path)
        return value.value if isinstance(value, Enum) else value

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _recontact(
    decision: Decision, facts: Facts, call_day: date, ruleset: Ruleset, country: str
) -> date | None:
    rec = decision.recontact
    if rec is None:
        return None
    if rec.startswith("months:"):
        return business_date_in(call_day, float(rec[7:]), country)
    for d in (facts.callback_date, facts.budget_date, facts.horizon_date):
        if d is not None and d > call_day:
            return business_date_in(d, 0, country)
    return business_date_in(call_day, ruleset.default_callback_months, country)


def qualify(call: Call, ruleset: Ruleset, now: datetime) -> Result:
    """Qualify one call under `ruleset`; `now` only bounds follow-up due dates (never in the past)."""
    call_day = call.occurred_at.date()
    found = extract(call, ruleset, call_day)
    lang = found.language  # the call's hint, else detected
    facts = assess(call, ruleset, found, call_day)
    states = {a.criterion.name: a.state for a in facts.assessments}
    score = max(0.0, min(100.0, sum(a.points for a in facts.assessments)))
    cond = CondFacts(
        outcome=call.outcome.value,
        signals=facts.signals,
        criteria=states,
        fields=_Fields(call),
        horizon=facts.horizon,
        callback=facts.callback,
        score=score,
        action=facts.action,
    )
    decision = _decide(ruleset, cond)
    country = country_of(call, ruleset)
    kinds: tuple[str, ...] = ()
    recontact: date | None = None
    if decision is None:
        status, reason, next_step = "nurture", None, "none"
    else:
        status, reason = decision.status, decision.reason
        next_step = facts.action or "none" if decision.next_step == "@action" else decision.next_step
        kinds = tuple((facts.action or "") if k == "@action" else k for k in decision.follow_ups)
        recontact = _recontact(decision, facts, call_day, ruleset, country)
        if decision.score_max is not None:
            score = min(score, decision.score_max)
        if decision.score_min is not None:
            score = max(score, decision.score_min)
    text_expl = explanation(lang, status, reason, next_step, score, facts.assessments, recontact)
    prospect = call.prospect.name if call.prospect and call.prospect.name else call.id
    company = call.company.name if call.company and call.company.name else "-"
    values = {"prospect": prospect, "company": company, "action": next_step, "reason": reason or "",
              "explanation": text_expl}  # fmt: skip
    follow_ups = build_follow_ups(call, ruleset, kinds, lang, now, recontact, facts.action_date, values)
    evidence = tuple(
        Evidence(a.criterion.name, a.state, a.points, a.source, a.snippet, a.start, a.end)  # type: ignore[arg-type]
        for a in facts.assessments
    )
    return Result(
        call_id=call.id,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        next_step=next_step,
        score=round(score, 1),
        ruleset=ruleset.version,
        language=lang,
        explanation=text_expl,
        evidence=evidence,
        follow_ups=follow_ups,
        recontact_on=recontact,
        do_not_call=bool(field_value(call, "prospect.do_not_call")) or reason == "opted_out",
    )
