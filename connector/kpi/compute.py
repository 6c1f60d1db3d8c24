"""`compute_report`: the whole KPI report as the stable JSON document described in docs/report-json.md.

The database does the counting (a GROUP BY pass over the ledger into cube cells, another over the
attributed outcomes, window functions for the delay percentiles, GROUP BY for signals); this module
only adds up the cells of each slice (a few thousand at most, never one per call) and lays out the
document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.kpi import abtest
from connector.kpi.discourse import discourse
from connector.kpi.metrics import (
    Counts,
    delay_block,
    fixed_cost,
    metrics,
    next_start,
    period_starts,
    sum_counts,
)
from connector.kpi.queries import (
    CUBE_DIMENSIONS,
    Scope,
    cube,
    has_company_outcomes,
    outcomes_and_delays,
)
from connector.kpi.settings import KpiSettings
from connector.kpi.sqlfn import Period
from connector.store.tables import utc_naive
from connector.variants import VariantSettings

SCHEMA = "qualicall.report/1"
FUNNEL = (
    ("calls_handled", "Calls handled"),
    ("connected", "Connected"),
    ("qualified", "Qualified"),
    ("meetings_held", "Meetings held"),
    ("opportunities", "Opportunities opened"),
)
_CALL_COLUMNS = {
    "calls_handled": "handled",
    "connected": "connected",
    "qualified": "qualified",
    "talk_s": "talk_s",
}
_OUTCOME_COLUMNS = {
    "meetings_held": "meetings",
    "qualified_with_meeting": "qualified_with_meeting",
    "opportunities": "opportunities",
    "qualified_with_opportunity": "qualified_with_opportunity",
    "meeting_and_opportunity": "meeting_and_opportunity",
}


def _cells(call_rows: Iterable[Any], outcome_rows: Iterable[Any]) -> list[tuple[dict[str, Any], Counts]]:
    """Merge the two cubes (calls, attributed outcomes) into (dimensions, Counts) cells."""
    cells: dict[tuple[Any, ...], Counts] = {}
    for row in call_rows:
        m = row._mapping
        counts = cells.setdefault(tuple(m[d] for d in CUBE_DIMENSIONS), Counts())
        for name, col in _CALL_COLUMNS.items():
            setattr(counts, name, int(m[col] or 0))
    for row in outcome_rows:
        m = row._mapping
        counts = cells.setdefault(tuple(m[d] for d in CUBE_DIMENSIONS), Counts())
        for name, col in _OUTCOME_COLUMNS.items():
            setattr(counts, name, int(m[col] or 0))
        counts.opportunity_amount = float(m["amount"] or 0.0)
    return [(dict(zip(CUBE_DIMENSIONS, key, strict=True)), counts) for key, counts in cells.items()]


def _group(cells: Sequence[tuple[dict[str, Any], Counts]], key: Any) -> dict[Any, Counts]:
    groups: dict[Any, Counts] = defaultdict(Counts)
    for dims, counts in cells:
        groups[key(dims)].add(counts)
    return dict(groups)


def _delays(rows: Iterable[Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    anchors: dict[tuple[str, str | None], tuple[int, dict[int, float]]] = {}
    for row in rows:
        key = (str(row.dim), None if row.key is None else str(row.key))
        _, values = anchors.setdefault(key, (int(row.n), {}))
        values[int(row.rn)] = float(row.days)
    return {key: delay_block(n, values) for key, (n, values) in anchors.items()}


def _delay(
    delays: Mapping[tuple[str, str | None], dict[str, Any]], dim: str, key: str | None
) -> dict[str, Any]:
    return delays.get((dim, key)) or delay_block(0, {})


def _funnel(counts: Counts) -> list[dict[str, Any]]:
    stages = []
    previous: int | None = None
    for name, label in FUNNEL:
        value = int(getattr(counts, name))
        stages.append(
            {
                "stage": name,
                "label": label,
                "count": value,
                "of_previous": None if not previous else value / previous,
            }
        )
        previous = value
    return stages


def _slice_rows(
    groups: Mapping[Any, Counts],
    dim: str,
    settings: KpiSettings,
    delays: Mapping[tuple[str, str | None], dict[str, Any]],
) -> list[dict[str, Any]]:
    rows = []
    for key, counts in groups.items():
        block = metrics(counts, settings, None)
        block["lead_to_opportunity"] = _delay(delays, dim, key)
        rows.append({"key": key, **block})
    rows.sort(key=lambda r: (-r["calls_handled"], "" if r["key"] is None else str(r["key"])))
    return rows


def _cost_window(start: date, period: Period, first_day: date, last_day: date) -> tuple[date, date]:
    return max(start, first_day), min(next_start(start, period), last_day + timedelta(days=1))


def compute_report(
    conn: sa.Connection,
    *,
    pipeline: str | None,
    settings: KpiSettings | None,
    now: datetime,
    period: Period = "month",
    since: datetime | None = None,
    variants: VariantSettings | None = None,
) -> dict[str, Any]:
    """The KPI report of the calls of `pipeline` (None: all pipelines) from `since` (None: the first call)
    up to `now`, sliced by `period`, as a JSON-serialisable dict (schema "qualicall.report/1").

    `settings` None means the defaults. `variants`, when given, names the control of the A/B test;
    without it the control is guessed ("control", "A", else the first name). Reads only.
    """
    settings = settings or KpiSettings()
    own_connection = _can_read_apart(conn)
    scope = Scope(
        dialect=conn.dialect.name,
        pipeline=pipeline,
        since=None if since is None else utc_naive(since),
        until=utc_naive(now),
        period=period,
        window_s=settings.meeting_window_days * 86400,
        teams=dict(settings.teams),
        company_outcomes=has_company_outcomes(conn, pipeline),
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        signals = pool.submit(_discourse_apart, conn.engine, scope, settings) if own_connection else None
        cells = pool.submit(_cube_apart, conn.engine, scope) if own_connection else None
        body = _report_body(conn, scope, settings, variants, cells.result if cells else None)
        body["signals"] = (
            signals.result()
            if signals is not None
            else discourse(conn, scope, min_calls=settings.signal_min_calls, top=settings.top_signals)
        )
    return body


def _can_read_apart(conn: sa.Connection) -> bool:
    """Whether a second connection sees what `conn` sees: no transaction open on `conn` (so no
    uncommitted writes of its own) and a database that is not private to one connection."""
    url = conn.engine.url
    private = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    return not conn.in_transaction() and not private


def _discourse_apart(engine: sa.Engine, scope: Scope, settings: KpiSettings) -> dict[str, Any]:
    """The discourse analysis on its own connection, so that it runs beside the other queries (the
    database works outside Python's GIL; on a 2-core machine the report takes about the longer of the two)."""
    with engine.connect() as other:
        return discourse(other, scope, min_calls=settings.signal_min_calls, top=settings.top_signals)


def _cube_apart(engine: sa.Engine, scope: Scope) -> Sequence[Any]:
    """The call cube on its own connection (see `_discourse_apart`)."""
    with engine.connect() as other:
        return cube(other, scope)


def _report_body(
    conn: sa.Connection,
    scope: Scope,
    settings: KpiSettings,
    variants: VariantSettings | None,
    cube_rows: Callable[[], Sequence[Any]] | None,
) -> dict[str, Any]:
    """Everything in the report but the discourse analysis; `cube_rows` waits for a cube computed
    elsewhere (None: compute it on `conn`)."""
    pipeline, period = scope.pipeline, scope.period
    outcome_rows, delay_rows = outcomes_and_delays(conn, scope)
    cells = _cells(cube_rows() if cube_rows is not None else cube(conn, scope), outcome_rows)
    delays = _delays(delay_rows)
    totals = sum_counts(c for _, c in cells)

    today = scope.until.date()
    keys = sorted(str(d["period"]) for d, _ in cells if d["period"] is not None)
    first_day = (
        scope.since.date() if scope.since is not None else (date.fromisoformat(keys[0]) if keys else today)
    )
    by_period = _group(cells, lambda d: d["period"])
    periods = []
    fixed_total = 0.0
    for start in period_starts(first_day, today, period):
        key = start.isoformat()
        lo, hi = _cost_window(start, period, first_day, today)
        fixed = fixed_cost(lo, hi, settings)
        fixed_total += fixed
        block = metrics(by_period.get(key, Counts()), settings, fixed)
        block["lead_to_opportunity"] = _delay(delays, "period", key)
        periods.append({"period": key, "start": key, "end": next_start(start, period).isoformat(), **block})

    total_block = metrics(totals, settings, fixed_total)
    total_block["lead_to_opportunity"] = _delay(delays, "total", "total")

    slices = {
        "rep": _slice_rows(_group(cells, lambda d: d["rep"]), "rep", settings, delays),
        "team": _slice_rows(
            _group(cells, lambda d: settings.teams.get(d["rep"]) if d["rep"] is not None else None),
            "team",
            settings,
            delays,
        ),
    }
    for dim in ("source", "language", "ruleset", "variant"):
        slices[dim] = _slice_rows(_group(cells, lambda d, dim=dim: d[dim]), dim, settings, delays)

    shadow = abtest.shadow_rows(conn, scope)
    arm_rows = {r["key"]: r for r in slices["variant"] if r["key"] is not None}
    if shadow:
        variant_section = abtest.shadow_section(shadow, variants, settings.ab_min_sample)
    elif len(arm_rows) >= 2:
        arms = _group(cells, lambda d: d["variant"])
        variant_section = abtest.split_section(
            {k: arms[k] for k in sorted(arm_rows)}, arm_rows, variants, settings.ab_min_sample
        )
    else:
        variant_section = abtest.no_variants()

    messages = []
    if totals.calls_handled == 0:
        messages.append("no calls handled yet")
    elif totals.qualified == 0:
        messages.append("no qualified calls yet")
    return {
        "schema": SCHEMA,
        "generated_at": scope.until.isoformat() + "Z",
        "pipeline": pipeline,
        "period": period,
        "range": {
            "since": None if scope.since is None else scope.since.isoformat() + "Z",
            "until": scope.until.isoformat() + "Z",
            "first_period": periods[0]["period"] if periods else None,
            "last_period": periods[-1]["period"] if periods else None,
        },
        "settings": {
            "meeting_window_days": settings.meeting_window_days,
            "currency": settings.currency,
            "ab_min_sample": settings.ab_min_sample,
            "signal_min_calls": settings.signal_min_calls,
        },
        "totals": total_block,
        "funnel": _funnel(totals),
        "periods": periods,
        "slices": slices,
        "variants": variant_section,
        "messages": messages,
    }
