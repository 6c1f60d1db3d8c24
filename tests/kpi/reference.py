"""The discourse analysis computed from scratch in Python, row by row, on generated data, for tests that
check the SQL (index-ordered counts, calls followed by a meeting, several pipelines, `since`) against it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.kpi import KpiSettings, compute_report
from connector.kpi.discourse import _entry, _ranked
from connector.store import tables as t
from tests.kpi.builders import NOW, T0, call, insert, outcome

SIGNALS = ("budget:met", "need:met", "need:not_met", "timing:met")
PHRASES = ("", "budget ok", "clear need", "on verra", "demo mardi")
EPOCH = datetime(1970, 1, 1)


def discourse_data(seed: int) -> dict[str, list[dict[str, Any]]]:
    """Calls of two pipelines (the same call ids in both), several signals and phrases per call, a few
    rows without language, signals of calls missing from the ledger, meetings of prospects and of
    companies, inside and outside the meeting window."""
    rng = random.Random(seed)
    calls: list[dict[str, Any]] = []
    signals: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for pipeline in ("main", "other"):
        for i in range(120):
            call_id = f"c{i:03d}"
            at = T0 + timedelta(hours=rng.randrange(24 * 60), seconds=rng.randrange(60))
            language = rng.choice(("fr", "en", None))
            prospect = f"p{rng.randrange(40)}" if rng.random() < 0.9 else None
            company = f"co{rng.randrange(15)}"
            if i < 110:  # the last ten have signals but no ledger row
                calls.append(
                    call(
                        call_id,
                        at,
                        pipeline=pipeline,
                        language=language,
                        prospect_id=prospect,
                        company_id=company,
                    )
                )
            for signal in rng.sample(SIGNALS, rng.randrange(4)):
                for phrase in rng.sample(PHRASES, rng.randrange(1, 3)):
                    signals.append(
                        {
                            "pipeline": pipeline,
                            "call_id": call_id,
                            "signal": signal,
                            "phrase": phrase,
                            "language": language,
                        }
                    )
        for j in range(50):
            at = T0 + timedelta(hours=rng.randrange(24 * 75), seconds=rng.randrange(60))
            if rng.random() < 0.8:
                events.append(
                    outcome("meeting", f"m{j}", at, pipeline=pipeline, prospect_id=f"p{rng.randrange(40)}")
                )
            else:
                events.append(
                    outcome("meeting", f"m{j}", at, pipeline=pipeline, company_id=f"co{rng.randrange(15)}")
                )
    return {"calls": calls, "signals": signals, "events": events}


def _epoch(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(seconds=1)


def _followed(call: dict[str, Any], meetings: list[dict[str, Any]], window_s: int) -> bool:
    ce = _epoch(call["occurred_at"])
    for m in meetings:
        if m["pipeline"] != call["pipeline"]:
            continue
        if m["prospect_id"] is not None:
            same = m["prospect_id"] == call["prospect_id"]
        else:
            same = m["company_id"] is not None and m["company_id"] == call["company_id"]
        if same and 0 <= _epoch(m["occurred_at"]) - ce <= window_s:
            return True
    return False


def reference_discourse(
    data: dict[str, list[dict[str, Any]]],
    *,
    pipeline: str | None,
    since: datetime | None,
    until: datetime,
    window_s: int,
    min_calls: int,
    top: int,
) -> dict[str, Any]:
    """The `signals` section of the report, counted call by call (naive UTC datetimes)."""
    in_scope = {
        (c["pipeline"], c["call_id"]): c
        for c in data["calls"]
        if (pipeline is None or c["pipeline"] == pipeline)
        and c["occurred_at"] <= until
        and (since is None or c["occurred_at"] >= since)
    }
    meetings = [e for e in data["events"] if e["kind"] == "meeting"]
    followed = {key for key, c in in_scope.items() if _followed(c, meetings, window_s)}
    rows = [
        r
        for r in data["signals"]
        if (pipeline is None or r["pipeline"] == pipeline)
        and (since is None or (r["pipeline"], r["call_id"]) in in_scope)
    ]
    calls: dict[str, set[tuple[str, str]]] = {}
    by_signal: dict[tuple[str, str], set[tuple[str, str]]] = {}
    by_phrase: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
    for r in rows:
        key = (r["pipeline"], r["call_id"])
        language = r["language"] or "unknown"
        calls.setdefault(language, set()).add(key)
        by_signal.setdefault((language, r["signal"]), set()).add(key)
        if r["phrase"]:
            by_phrase.setdefault((language, r["signal"], r["phrase"]), set()).add(key)
    out: dict[str, Any] = {}
    for language, keys in sorted(calls.items()):
        base = (len(keys), len(keys & followed))
        signals = [
            _entry(language, signal, None, len(ks), len(ks & followed), base)
            for (lang, signal), ks in sorted(by_signal.items())
            if lang == language and len(ks) >= min_calls
        ]
        phrases = [
            _entry(language, signal, phrase, len(ks), len(ks & followed), base)
            for (lang, signal, phrase), ks in sorted(by_phrase.items())
            if lang == language and len(ks) >= min_calls
        ]
        block: dict[str, Any] = {
            "calls": base[0],
            "calls_with_meeting": base[1],
            "baseline_rate": base[1] / base[0] if base[0] else None,
        }
        block["signals"], block["signals_under"] = _ranked(signals, top)
        block["phrases"], block["phrases_under"] = _ranked(phrases, top)
        out[language] = block
    return {"min_calls": min_calls, "message": None if out else "no signals recorded yet", "by_language": out}


SINCES = (None, datetime(2026, 10, 20))


def load_discourse_data(conn: sa.Connection, data: dict[str, list[dict[str, Any]]]) -> None:
    """Insert generated calls, signals and meetings."""
    insert(conn, t.ledger, data["calls"])
    insert(conn, t.signals, data["signals"])
    insert(conn, t.outcomes, data["events"])


def check_against_reference(conn: sa.Connection, data: dict[str, list[dict[str, Any]]]) -> None:
    """The report's signals section for each pipeline choice and `since` equals the reference's."""
    settings = KpiSettings(signal_min_calls=2, top_signals=50, meeting_window_days=12)
    for pipeline in ("main", None):
        for since in SINCES:
            got = compute_report(
                conn,
                pipeline=pipeline,
                settings=settings,
                now=NOW,
                since=None if since is None else since.replace(tzinfo=NOW.tzinfo),
            )["signals"]
            want = reference_discourse(
                data,
                pipeline=pipeline,
                since=since,
                until=NOW.replace(tzinfo=None),
                window_s=12 * 86400,
                min_calls=2,
                top=50,
            )
            assert got == want, (pipeline, since)
