"""Discourse analysis: signals and phrases over-represented in calls followed by a held meeting.

For each language: N calls with evidence, M of them followed by a held meeting of the same prospect
(or company) within the meeting window (any status). For a signal (or a phrase) seen in n of those
calls, m of which were followed by a meeting: meeting rate m/n, baseline M/N, lift = (m/n) / (M/N).
Lift > 1: over-represented in calls that led to a meeting. Signals seen in fewer than
`signal_min_calls` calls are left out (too few to mean anything). All counting is done in SQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from connector.kpi.queries import Scope, calls_in_scope, followed_by_meeting
from connector.kpi.sqlfn import unindexed
from connector.store import tables as t


def _rows(scope: Scope) -> sa.Subquery:
    """Signal rows of the calls in scope, each with a `hit` flag (1 = followed by a meeting).

    Without `since`, every signal row of the pipeline is taken as it is (signals are recorded with the
    decision of a call, so they never predate the ledger); with `since`, they are joined to the ledger
    to keep only the calls in the range."""
    followed = followed_by_meeting(scope, "sig_followed")
    sig = t.signals.alias("sg")
    hit = sa.case((followed.c.call_id.is_not(None), 1), else_=0)
    source: Any = sig.outerjoin(
        followed, sa.and_(followed.c.pipeline == sig.c.pipeline, followed.c.call_id == sig.c.call_id)
    )
    conds: list[sa.ColumnElement[bool]] = []
    if scope.pipeline is not None:
        conds.append(unindexed(sig.c.pipeline, scope.dialect) == scope.pipeline)  # scan, not index order
    if scope.since is not None:
        scoped, swhere = calls_in_scope(scope, "ls")
        source = source.join(
            scoped, sa.and_(scoped.c.pipeline == sig.c.pipeline, scoped.c.call_id == sig.c.call_id)
        )
        conds.extend(swhere)
    # Inlined (not materialized) in each aggregate: grouped by a prefix of the signals' primary key
    # (pipeline, call_id, signal, phrase), SQLite reads it in index order instead of sorting 1.5M rows.
    return (
        sa.select(
            sig.c.pipeline,
            sig.c.call_id,
            sa.func.coalesce(sig.c.language, "unknown").label("language"),
            sig.c.signal,
            sig.c.phrase,
            hit.label("hit"),
        )
        .select_from(source)
        .where(*conds)
        .subquery("sigrows")
    )


def _entry(
    language: str, signal: str, phrase: str | None, n: int, m: int, base: tuple[int, int]
) -> dict[str, Any]:
    calls, with_meeting = base
    baseline = with_meeting / calls if calls else None
    rate = m / n if n else None
    lift = None if not baseline or rate is None else rate / baseline
    return {
        "language": language,
        "signal": signal,
        "phrase": phrase,
        "calls": n,
        "calls_with_meeting": m,
        "calls_without_meeting": n - m,
        "meeting_rate": rate,
        "baseline_rate": baseline,
        "lift": lift,
    }


def discourse(conn: sa.Connection, scope: Scope, *, min_calls: int, top: int) -> dict[str, Any]:
    """Per language: baseline counts and the top over- and under-represented signals and phrases."""
    rows = _rows(scope)
    per_call = (
        sa.select(
            rows.c.pipeline,
            rows.c.call_id,
            sa.func.max(rows.c.language).label("language"),
            sa.func.max(rows.c.hit).label("hit"),
        )
        .group_by(rows.c.pipeline, rows.c.call_id)
        .subquery("percall")
    )
    base_q = sa.select(
        sa.literal("base").label("kind"),
        per_call.c.language,
        sa.null().label("signal"),
        sa.null().label("phrase"),
        sa.func.count().label("n"),
        sa.func.sum(per_call.c.hit).label("m"),
    ).group_by(per_call.c.language)
    per_signal = (
        sa.select(
            rows.c.pipeline,
            rows.c.call_id,
            sa.func.max(rows.c.language).label("language"),
            rows.c.signal,
            sa.func.max(rows.c.hit).label("hit"),
        )
        .group_by(rows.c.pipeline, rows.c.call_id, rows.c.signal)
        .subquery("persignal")
    )
    signal_q = (
        sa.select(
            sa.literal("signals"),
            per_signal.c.language,
            per_signal.c.signal,
            sa.null(),
            sa.func.count(),
            sa.func.sum(per_signal.c.hit),
        )
        .group_by(per_signal.c.language, per_signal.c.signal)
        .having(sa.func.count() >= min_calls)
    )
    phrase_q = (
        sa.select(
            sa.literal("phrases"),
            rows.c.language,
            rows.c.signal,
            rows.c.phrase,
            sa.func.count(),
            sa.func.sum(rows.c.hit),
        )
        .where(rows.c.phrase != "")
        .group_by(rows.c.language, rows.c.signal, rows.c.phrase)
        .having(sa.func.count() >= min_calls)
    )
    result = conn.execute(sa.union_all(base_q, signal_q, phrase_q)).all()
    bases = {str(r.language): (int(r.n), int(r.m or 0)) for r in result if r.kind == "base"}
    out: dict[str, Any] = {}
    for language, base in sorted(bases.items()):
        out[language] = {
            "calls": base[0],
            "calls_with_meeting": base[1],
            "baseline_rate": base[1] / base[0] if base[0] else None,
            "signals": [],
            "phrases": [],
        }
    for key in ("signals", "phrases"):
        entries = [
            _entry(str(r.language), str(r.signal), r.phrase, int(r.n), int(r.m or 0), bases[str(r.language)])
            for r in result
            if r.kind == key
        ]
        for language, block in out.items():
            mine = [e for e in entries if e["language"] == language and e["lift"] is not None]
            over = sorted(
                (e for e in mine if e["lift"] > 1), key=lambda e: (-e["lift"], -e["calls"], e["signal"])
            )
            under = sorted(
                (e for e in mine if e["lift"] < 1), key=lambda e: (e["lift"], -e["calls"], e["signal"])
            )
            block[key] = over[:top]
            block[f"{key}_under"] = under[:top]
    return {
        "min_calls": min_calls,
        "message": None if out else "no signals recorded yet",
        "by_language": out,
    }
