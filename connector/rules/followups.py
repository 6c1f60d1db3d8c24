"""Follow-up tasks of a result: one per kind listed by the winning decision, from the pack's templates.

Keys are `"qc-" + sha256(f"{call.id}|{kind}").hexdigest()[:32]` (stable per call and kind: the
idempotency key). Due dates fall on business days of the prospect's (else company's, else the pack's
default) country, in the call's time zone, and never before `now`. Pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from connector.model import Call, FollowUp
from connector.rules.calendar import add_business_days, business_day_before, on_or_after
from connector.rules.ruleset import FollowUpTemplate, Ruleset


def follow_up_key(call_id: str, kind: str) -> str:
    """The idempotency key of the follow-up `kind` of call `call_id`."""
    return "qc-" + hashlib.sha256(f"{call_id}|{kind}".encode()).hexdigest()[:32]


def country_of(call: Call, ruleset: Ruleset) -> str:
    """Country whose business days apply: the prospect's, else the company's, else the pack default."""
    for c in (
        call.prospect.country if call.prospect else None,
        call.company.country if call.company else None,
    ):
        if c and len(c) == 2:
            return c.upper()
    return ruleset.default_country


class _Safe(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, fields: Mapping[str, str]) -> str:
    """`template` with `{placeholders}` filled; unknown ones stay as written; never raises."""
    try:
        return template.format_map(_Safe(fields)).strip()
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return template.strip()


def _fmt_date(d: date | None, lang: str) -> str:
    if d is None:
        return ""
    return d.strftime("%d/%m/%Y") if lang == "fr" else d.isoformat()


def due_date(
    tpl: FollowUpTemplate, call_day: date, country: str, recontact: date | None, action_date: date | None
) -> date:
    """The business day a task of template `tpl` is due, relative to the call day."""
    if tpl.due == "recontact" and recontact is not None:
        return on_or_after(recontact, country)
    if tpl.due == "before_action" and action_date is not None:
        before = business_day_before(action_date, country)
        if before > call_day:
            return before
        return add_business_days(call_day, 1, country) if action_date > call_day else call_day
    if tpl.due == "business_days":
        return add_business_days(call_day, max(tpl.due_days, 1), country)
    return add_business_days(call_day, 1, country)


def build_follow_ups(
    call: Call,
    ruleset: Ruleset,
    kinds: tuple[str, ...],
    lang: str,
    now: datetime,
    recontact: date | None,
    action_date: date | None,
    values: Mapping[str, str],
) -> tuple[FollowUp, ...]:
    """The follow-up tasks of `kinds` for `call` (unknown kinds are skipped)."""
    tz = call.occurred_at.tzinfo
    country = country_of(call, ruleset)
    call_day = call.occurred_at.date()
    out: list[FollowUp] = []
    for kind in kinds:
        tpl = ruleset.follow_ups.get(kind)
        if tpl is None:
            continue
        day = due_date(tpl, call_day, country, recontact, action_date)
        due = datetime.combine(day, time(tpl.hour), tzinfo=tz)
        if due < now:
            nxt = add_business_days(now.astimezone(tz).date(), 1, country)
            due = datetime.combine(nxt, time(tpl.hour), tzinfo=tz)
        fields = _Safe(values)
        fields["date"] = _fmt_date(recontact if tpl.due == "recontact" else action_date or day, lang)
        when = _fmt_date(action_date, lang)
        fields["date_suffix"] = ((" le " if lang == "fr" else " on ") + when) if when else ""
        out.append(
            FollowUp(
                key=follow_up_key(call.id, kind),
                kind=kind,
                subject=render(tpl.subject.get(lang, tpl.subject["en"]), fields),
                body=render(tpl.body.get(lang, tpl.body["en"]), fields),
                due_at=due,
                type=tpl.type,  # type: ignore[arg-type]
                priority=tpl.priority,  # type: ignore[arg-type]
                owner=call.owner,
                call_id=call.id,
                prospect_id=call.prospect.id if call.prospect else None,
                company_id=call.company.id if call.company else None,
            )
        )
    return tuple(out)


def business_date_in(call_day: date, months: float, country: str) -> date:
    """A business day about `months` months after `call_day`."""
    return on_or_after(call_day + timedelta(days=round(months * 30.44)), country)
