"""Earlier contacts with a prospect, and the consumer frequency rules computed from them.

What counts (documented in docs/compliance.md):

- an **attempt** is every outbound call to the prospect or number, whatever its outcome (connected, no
  answer, voicemail, busy, wrong number ...): the law counts calls *and attempts*. Inbound calls are not
  attempts.
- a **refusal during a call** is a connected call (either direction) whose result reason is one of the
  settings' `refusal_reasons` (default no_need, no_budget, competitor_locked_in, opted_out). "Call me in
  three months" (bad_timing) is not a refusal.

Both rules work on calendar days in the prospect's time zone: at most `max_attempts` attempts within
any `period` consecutive calendar days, and no call before `cooldown` full calendar days have elapsed
after the day of the last refusal. Pure functions of their arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class ContactEvent:
    """One earlier call to the same prospect (by id) or the same normalised number.

    `outcome` is a `connector.model.Outcome` value; `status`/`reason` are the result recorded for that
    call, when it was qualified; `direction` is "outbound" (default) or "inbound".
    """

    occurred_at: datetime
    outcome: str
    status: str | None = None
    reason: str | None = None
    direction: str = "outbound"

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> ContactEvent:
        """Build from a store row with keys occurred_at (aware), outcome and optionally status, reason,
        direction (default "outbound"); other keys are ignored."""
        return cls(
            occurred_at=row["occurred_at"],
            outcome=str(row["outcome"]),
            status=row.get("status"),
            reason=row.get("reason"),
            direction=str(row.get("direction") or "outbound"),
        )


def is_attempt(event: ContactEvent) -> bool:
    """An outbound call, whatever its outcome."""
    return event.direction != "inbound"


def is_refusal(event: ContactEvent, refusal_reasons: Iterable[str]) -> bool:
    """A connected call whose reason says the prospect refused."""
    return event.outcome == "connected" and event.reason is not None and event.reason in set(refusal_reasons)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant local `day` begins in `zone`."""
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def refusal_release(
    refusals: Iterable[datetime], cooldown_days: int, zone: ZoneInfo
) -> tuple[datetime, datetime] | None:
    """(last refusal, first instant a call is allowed again) or None when there was no refusal.

    A refusal on local day D allows calls from the start of day D + cooldown + 1 (cooldown full days)."""
    latest = max(refusals, default=None)
    if latest is None:
        return None
    day = latest.astimezone(zone).date() + timedelta(days=cooldown_days + 1)
    return latest, local_midnight(day, zone)


def cap_release(
    at: datetime, attempts: Sequence[datetime], max_attempts: int, period_days: int, zone: ZoneInfo
) -> datetime | None:
    """None when one more attempt at `at` keeps every run of `period_days` consecutive local calendar
    days at or under `max_attempts` attempts; otherwise the next local midnight at which the count may
    have dropped (the caller re-checks, since `attempts` may include planned future calls)."""
    day = at.astimezone(zone).date()
    days = sorted(a.astimezone(zone).date() for a in attempts)
    near = [d for d in days if abs((d - day).days) < period_days]
    for first in range(-(period_days - 1), 1):
        lo = day + timedelta(days=first)
        hi = lo + timedelta(days=period_days - 1)
        if sum(1 for d in near if lo <= d <= hi) + 1 > max_attempts:
            break
    else:
        return None
    releases = [d + timedelta(days=period_days) for d in near if d + timedelta(days=period_days) > day]
    return local_midnight(min(releases), zone)
