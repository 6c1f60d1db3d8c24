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


_COUNTS = ("n_phrase", "m_phrase", "n_signal", "m_signal", "n_call", "m_call")


def _row(language: Any, signal: Any, phrase: Any, counts: dict[str, Any]) -> sa.Select[Any]:
    """A select of the shape of `_groups`' rows: key columns, then every count (0 when not given)."""
    return sa.select(
        language.label("language"),
        signal.label("signal"),
        phrase.label("phrase"),
        *[counts.get(c, sa.literal(0)).label(c) for c in _COUNTS],
    )


def _indexed_counts(scope: Scope) -> list[sa.Select[Any]]:
    """`n_phrase`, `n_signal`, `n_call` over every signal row of the pipeline (the scope without
    `since`: signals are recorded with the decision of a call, so they never predate the ledger), three
    aggregates each read in the order of a covering index (no sort); grouped by pipeline too, as calls
    are distinct per pipeline (the rows of one key add up)."""
    parts = []
    for name, keys in (("n_phrase", ("signal", "phrase")), ("n_signal", ("signal",)), ("n_call", ())):
        sig = t.signals.alias(f"sg_{name}")
        counted = sa.func.count() if name == "n_phrase" else sa.func.count(sa.distinct(sig.c.call_id))
        signal, phrase = (sig.c[k] if k in keys else sa.null() for k in ("signal", "phrase"))
        query = _row(sa.func.coalesce(sig.c.language, "unknown"), signal, phrase, {name: counted})
        if scope.pipeline is not None:  # on the index's rows, not through the primary key
            query = query.where(unindexed(sig.c.pipeline, scope.dialect) == scope.pipeline)
        parts.append(query.group_by(sig.c.language, *[sig.c[k] for k in keys], sig.c.pipeline))
    return parts


def _call_counts(calls: Any, name: str, prefix: str) -> sa.Select[Any]:
    """`<prefix>_phrase`, `<prefix>_signal`, `<prefix>_call` over the signal rows of `calls` (distinct
    pipeline, call_id), each call's rows looked up by primary key. One window (row number and previous
    signal per call, in the signals' key order) flags the first row of each call and of each
    (call, signal) (rows of one signal are adjacent in this order); one GROUP BY adds them up."""
    sig = t.signals.alias(f"sg_{name}")
    rows = (
        sa.select(sig.c.pipeline, sig.c.call_id, sig.c.language, sig.c.signal, sig.c.phrase)
        .select_from(
            calls.join(sig, sa.and_(sig.c.pipeline == calls.c.pipeline, sig.c.call_id == calls.c.call_id))
        )
        .subquery(f"{name}_rows")
    )
    partition = (rows.c.pipeline, rows.c.call_id)
    order = (rows.c.signal, rows.c.phrase)
    in_call = sa.func.row_number().over(partition_by=partition, order_by=order)
    previous = sa.func.lag(rows.c.signal).over(partition_by=partition, order_by=order)
    flagged = sa.select(
        sa.func.coalesce(rows.c.language, "unknown").label("language"),
        rows.c.signal,
        rows.c.phrase,
        sa.case((in_call == 1, 1), else_=0).label("first_in_call"),
        sa.case((previous == rows.c.signal, 0), else_=1).label("first_in_signal"),
    ).subquery(f"{name}_flagged")
    f = flagged.c
    counts = {
        f"{prefix}_phrase": sa.func.count(),
        f"{prefix}_signal": sa.func.sum(f.first_in_signal),
        f"{prefix}_call": sa.func.sum(f.first_in_call),
    }
    return _row(f.language, f.signal, f.phrase, counts).group_by(f.language, f.signal, f.phrase)


def _groups(conn: sa.Connection, scope: Scope) -> list[Any]:
    """The counts behind the analysis, per (language, signal, phrase), in one statement: rows per phrase
    (`n_phrase`), distinct calls per signal (`n_signal`) and per language (`n_call`) of the calls in
    scope, and the same (`m_*`) of those followed by a meeting. Several rows may carry one key, each with
    the six count columns (0 where it has none): the figures are their sums. Rows of per-signal or
    per-language counts alone have no phrase, resp. no signal.

    Without `since`, the counts of all calls come from covering indexes (`_indexed_counts`); with it,
    from the signals of the calls in the range (`_call_counts`). The calls followed by a meeting (a
    fraction of them) always go through `_call_counts`."""
    if scope.since is None:
        parts = _indexed_counts(scope)
    else:
        ledger, where = calls_in_scope(scope, "sig_scope")
        scoped = sa.select(ledger.c.pipeline, ledger.c.call_id).where(*where).subquery("sig_scoped")
        parts = [_call_counts(scoped, "scoped", "n")]
    parts.append(_call_counts(followed_by_meeting(scope, "sig_followed"), "hit", "m"))
    return list(conn.execute(sa.union_all(*parts)).all())


def _ranked(entries: list[dict[str, Any]], top: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mine = [e for e in entries if e["lift"] is not None]
    over = sorted((e for e in mine if e["lift"] > 1), key=lambda e: (-e["lift"], -e["calls"], e["signal"]))
    under = sorted((e for e in mine if e["lift"] < 1), key=lambda e: (e["lift"], -e["calls"], e["signal"]))
    return over[:top], under[:top]


def discourse(conn: sa.Connection, scope: Scope, *, min_calls: int, top: int) -> dict[str, Any]:
    """Per language: baseline counts and the top over- and under-represented signals and phrases.

    The database returns a few rows per (language, signal, phrase) (see `_groups`); the figures are
    their sums (no row per call or per signal row reaches Python)."""
    bases: dict[str, list[int]] = {}
    signals: dict[tuple[str, str], list[int]] = {}
    phrase_counts: dict[tuple[str, str, str], list[int]] = {}
    for r in _groups(conn, scope):
        language = str(r.language)
        base = bases.setdefault(language, [0, 0])
        base[0] += int(r.n_call or 0)
        base[1] += int(r.m_call or 0)
        if r.signal is None:
            continue
        sig = signals.setdefault((language, str(r.signal)), [0, 0])
        sig[0] += int(r.n_signal or 0)
        sig[1] += int(r.m_signal or 0)
        if r.phrase:
            counts = phrase_counts.setdefault((language, str(r.signal), str(r.phrase)), [0, 0])
            counts[0] += int(r.n_phrase or 0)
            counts[1] += int(r.m_phrase or 0)
    # Listed in key order, as ties in the ranking keep it (the rows come in no particular order).
    signals = dict(sorted(signals.items()))
    phrases = [(*key, n, m) for key, (n, m) in sorted(phrase_counts.items()) if n >= min_calls]
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
