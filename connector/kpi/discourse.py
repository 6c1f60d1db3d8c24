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


def _groups(conn: sa.Connection, scope: Scope) -> list[Any]:
    """One pass over the signal rows, one sort: per (language, signal, phrase) the phrase counts and the
    parts of the per-signal and per-call counts (a row counts for its signal, resp. its call, only when
    it is the first row of that (call, signal), resp. call, in key order), so that adding up the groups
    gives distinct calls per signal and per language."""
    rows = _rows(scope)
    # One window (one ordering of the rows of each call, the signals' key order): the first row of a call
    # has row number 1; the first row of a (call, signal) is the one whose predecessor in the call has
    # another signal, or none (rows of one signal are adjacent in this order).
    partition = (rows.c.pipeline, rows.c.call_id)
    order = (rows.c.signal, rows.c.phrase)
    in_call = sa.func.row_number().over(partition_by=partition, order_by=order)
    previous = sa.func.lag(rows.c.signal).over(partition_by=partition, order_by=order)
    flagged = sa.select(
        rows.c.language,
        rows.c.signal,
        rows.c.phrase,
        rows.c.hit,
        sa.case((in_call == 1, 1), else_=0).label("first_in_call"),
        sa.case((previous == rows.c.signal, 0), else_=1).label("first_in_signal"),
    ).subquery("flagged")
    f = flagged.c
    query = sa.select(
        f.language,
        f.signal,
        f.phrase,
        sa.func.count().label("n_phrase"),
        sa.func.sum(f.hit).label("m_phrase"),
        sa.func.sum(f.first_in_signal).label("n_signal"),
        sa.func.sum(f.first_in_signal * f.hit).label("m_signal"),
        sa.func.sum(f.first_in_call).label("n_call"),
        sa.func.sum(f.first_in_call * f.hit).label("m_call"),
    ).group_by(f.language, f.signal, f.phrase)
    return list(conn.execute(query).all())


def _ranked(entries: list[dict[str, Any]], top: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mine = [e for e in entries if e["lift"] is not None]
    over = sorted((e for e in mine if e["lift"] > 1), key=lambda e: (-e["lift"], -e["calls"], e["signal"]))
    under = sorted((e for e in mine if e["lift"] < 1), key=lambda e: (e["lift"], -e["calls"], e["signal"]))
    return over[:top], under[:top]


def discourse(conn: sa.Connection, scope: Scope, *, min_calls: int, top: int) -> dict[str, Any]:
    """Per language: baseline counts and the top over- and under-represented signals and phrases.

    The database returns one row per (language, signal, phrase); the per-signal and per-language
    figures are sums of those groups (no row per call or per signal row reaches Python)."""
    bases: dict[str, list[int]] = {}
    signals: dict[tuple[str, str], list[int]] = {}
    phrases: list[tuple[str, str, str, int, int]] = []
    for r in _groups(conn, scope):
        language, signal, phrase = str(r.language), str(r.signal), str(r.phrase)
        base = bases.setdefault(language, [0, 0])
        base[0] += int(r.n_call or 0)
        base[1] += int(r.m_call or 0)
        sig = signals.setdefault((language, signal), [0, 0])
        sig[0] += int(r.n_signal or 0)
        sig[1] += int(r.m_signal or 0)
        if phrase and int(r.n_phrase) >= min_calls:
            phrases.append((language, signal, phrase, int(r.n_phrase), int(r.m_phrase or 0)))
    out: dict[str, Any] = {}
    for language, (calls, hits) in sorted(bases.items()):
        base_pair = (calls, hits)
        sig_entries = [
            _entry(language, signal, None, n, m, base_pair)
            for (lang, signal), (n, m) in signals.items()
            if lang == language and n >= min_calls
        ]
        phrase_entries = [_entry(*p, base_pair) for p in phrases if p[0] == language]
        block: dict[str, Any] = {
            "calls": calls,
            "calls_with_meeting": hits,
            "baseline_rate": hits / calls if calls else None,
        }
        block["signals"], block["signals_under"] = _ranked(sig_entries, top)
        block["phrases"], block["phrases_under"] = _ranked(phrase_entries, top)
        out[language] = block
    return {
        "min_calls": min_calls,
        "message": None if out else "no signals recorded yet",
        "by_language": out,
    }
