"""Row builders for the KPI tests: ledger, outcomes, signals and shadow rows inserted with SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.store import tables as t

PIPE = "main"
T0 = datetime(2026, 10, 1, 8, 0)  # naive UTC, as stored
NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)


def call(call_id: str, at: datetime, **over: Any) -> dict[str, Any]:
    """A ledger row with sensible defaults (connected, nurture, 240 s, owner alice)."""
    row: dict[str, Any] = {
        "pipeline": PIPE,
        "call_id": call_id,
        "fingerprint": "f",
        "ruleset": "bant-1",
        "variant": None,
        "status": "nurture",
        "reason": None,
        "next_step": "none",
        "score": 50.0,
        "language": "fr",
        "occurred_at": at,
        "outcome": "connected",
        "duration_s": 240,
        "owner": "alice",
        "source": "outbound",
        "prospect_id": None,
        "company_id": None,
        "phone": None,
        "consumer": False,
        "recontact_on": None,
        "outputs": {},
        "evidence": [],
        "state": "applied",
        "decided_at": at,
        "applied_at": at,
    }
    row.update(over)
    return row


def outcome(kind: str, oid: str, at: datetime, **over: Any) -> dict[str, Any]:
    """An outcomes row (meeting held or opportunity opened)."""
    row: dict[str, Any] = {"pipeline": PIPE, "kind": kind, "id": oid, "occurred_at": at}
    row.update({"prospect_id": None, "company_id": None, "amount": None})
    row.update(over)
    return row


def insert(conn: sa.Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows (no-op when empty)."""
    rows = list(rows)
    if rows:
        conn.execute(sa.insert(table), rows)


def funnel(totals: Mapping[str, Any]) -> tuple[Any, ...]:
    """(calls handled, qualified, meetings held, opportunities) of a report's totals."""
    return (totals["calls_handled"], totals["qualified"], totals["meetings_held"], totals["opportunities"])


def seed_funnel(conn: sa.Connection) -> None:
    """The seed example: 200 calls handled, 60 qualified, 36 meetings held, 10 opportunities.

    Calls c000..c199 every 11 hours from T0 (October and November 2026), one prospect each (p000..);
    c000..c149 connected (240 s), c150..c199 unanswered (0 s); c000..c059 qualified. Meetings 3 days after
    the calls of p000..p035, opportunities 10+i days after the calls of p000..p009. c190..c199 are earlier
    unanswered calls to p000..p009 (the first call to the lead: 5 days before the qualified call).
    Distractors that must not count: a meeting after a nurture call, a meeting 45 days after a qualified
    call (outside the 30-day window), a meeting before a qualified call, an opportunity of a prospect that
    was never qualified.
    """
    calls = []
    for i in range(200):
        at = T0 + timedelta(hours=11 * i)
        over: dict[str, Any] = {"prospect_id": f"p{i:03d}"}
        if i >= 150:
            over.update(outcome="no_answer", duration_s=0, status="unreached")
        if i < 60:
            over.update(status="qualified", next_step="meeting", score=80.0)
        if i >= 190:
            j = i - 190
            over.update(prospect_id=f"p{j:03d}")
            at = T0 + timedelta(hours=11 * j) - timedelta(days=5)
        calls.append(call(f"c{i:03d}", at, **over))
    insert(conn, t.ledger, calls)
    at_of = {c["call_id"]: c["occurred_at"] for c in calls}
    events = [
        outcome("meeting", f"m{i:03d}", at_of[f"c{i:03d}"] + timedelta(days=3), prospect_id=f"p{i:03d}")
        for i in range(36)
    ]
    events += [
        outcome(
            "opportunity",
            f"o{i:03d}",
            at_of[f"c{i:03d}"] + timedelta(days=10 + i),
            prospect_id=f"p{i:03d}",
            amount=1000.0 * (i + 1),
        )
        for i in range(10)
    ]
    events += [
        outcome("meeting", "x-nurture", at_of["c100"] + timedelta(days=2), prospect_id="p100"),
        outcome("meeting", "x-late", at_of["c040"] + timedelta(days=45), prospect_id="p040"),
        outcome("meeting", "x-before", at_of["c050"] - timedelta(days=1), prospect_id="p050"),
        outcome("opportunity", "x-opp", at_of["c120"] + timedelta(days=9), prospect_id="p120"),
    ]
    insert(conn, t.outcomes, events)
