"""The SQL behind the KPIs (SQLAlchemy Core; runs unchanged on SQLite and PostgreSQL).

Attribution (documented in docs/kpis.md): an outcome (meeting held, opportunity opened) belongs to the
*latest qualified call* of the same prospect (or, when the outcome has no prospect, of the same company)
that happened at or before it; meetings count only within the meeting window after that call. Each
outcome is attributed at most once, so slices add up to the totals.

Every function here returns rows already aggregated by the database: the Python side only ever sees
one row per group (cube cell, percentile anchor, signal), never one row per call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from connector.kpi.sqlfn import Period, epoch, period_start, unindexed
from connector.store import tables as t

DIMENSIONS = ("period", "rep", "team", "source", "language", "ruleset", "variant")
"""The slices of the report. `team` comes from `KpiSettings.teams` (rep -> team)."""

CUBE_DIMENSIONS = ("period", "rep", "source", "language", "ruleset", "variant")


@dataclass(frozen=True)
class Scope:
    """What the report covers: pipeline (None = all), calls in [since, until] (naive UTC), windows."""

    dialect: str
    pipeline: str | None
    since: datetime | None
    until: datetime
    period: Period
    window_s: int
    teams: Mapping[str, str] = field(default_factory=dict)
    company_outcomes: bool = True  # False when no outcome lacks a prospect: the company join is skipped


def calls_in_scope(
    scope: Scope, alias: str, status: str | None = None, *, joined: bool = False
) -> tuple[Any, list[sa.ColumnElement[bool]]]:
    """An alias of the ledger and the conditions selecting the calls in scope (optionally one status).

    `joined`: the ledger is looked up from outcomes (keep SQLite on the prospect index)."""
    ledger = t.ledger.alias(alias)
    where: list[sa.ColumnElement[bool]] = [ledger.c.occurred_at <= scope.until]
    if scope.pipeline is not None:
        pipeline = (
            ledger.c.pipeline
            if scope.since is not None and not joined
            else unindexed(ledger.c.pipeline, scope.dialect)
        )
        where.append(pipeline == scope.pipeline)
    if scope.since is not None:
        where.append(ledger.c.occurred_at >= scope.since)
    if status is not None:
        where.append(ledger.c.status == status)
    return ledger, where


def _outcomes(scope: Scope, kind: str, alias: str) -> tuple[Any, list[sa.ColumnElement[bool]]]:
    out = t.outcomes.alias(alias)
    where: list[sa.ColumnElement[bool]] = [out.c.kind == kind]
    if scope.pipeline is not None:
        where.append(out.c.pipeline == scope.pipeline)
    return out, where


def has_company_outcomes(conn: sa.Connection, pipeline: str | None) -> bool:
    """Whether any outcome (of `pipeline`, or of any) has no prospect, so company matching is needed."""
    out = t.outcomes
    query = sa.select(out.c.id).where(out.c.prospect_id.is_(None), out.c.company_id.is_not(None)).limit(1)
    if pipeline is not None:
        query = query.where(out.c.pipeline == pipeline)
    return conn.execute(query).first() is not None


def materialized(select: sa.Select[Any], name: str) -> sa.CTE:
    """`select` as a CTE computed once per statement (`AS MATERIALIZED`, SQLite >= 3.35, PostgreSQL >= 12):
    scanned sequentially once, then joined through a transient index instead of random reads."""
    return select.cte(name).prefix_with("MATERIALIZED")


def _latest_qualified(scope: Scope, out: Any, match: str, name: str) -> sa.ScalarSelect[Any]:
    """The call id of the latest qualified call in scope of the outcome `out`'s pipeline and prospect
    (`match` "prospect") or company ("company"), at or before it to the second; ties go to the greatest
    call id. Looked up per outcome on the ledger's (pipeline, status, prospect_id, occurred_at) index,
    resp. its (pipeline, company_id) index: a prospect or company has a few calls."""
    ledger, where = calls_in_scope(scope, name, joined=True)
    ce = epoch(ledger.c.occurred_at, scope.dialect)
    if match == "prospect":
        conds = [ledger.c.status == "qualified", ledger.c.prospect_id == out.c.prospect_id]
    else:
        conds = [
            unindexed(ledger.c.status, scope.dialect) == "qualified",
            ledger.c.company_id == out.c.company_id,
        ]
    return (
        sa.select(ledger.c.call_id)
        .where(
            ledger.c.pipeline == out.c.pipeline, *conds, *where, ce <= epoch(out.c.occurred_at, scope.dialect)
        )
        .order_by(ce.desc(), ledger.c.call_id.desc())
        .limit(1)
        .scalar_subquery()
    )


def attributed(scope: Scope, kind: str, name: str) -> sa.CTE:
    """One row per attributed outcome of `kind`: the outcome (oid, oe = epoch seconds, amount,
    o_prospect, o_company) and the latest qualified call in scope of its prospect (of its company when it
    has no prospect) at or before it (pipeline, call_id, ce = epoch seconds, cube dimensions). Meetings
    only within the meeting window after that call (an earlier call would be further away still).

    Driven from the outcomes: each looks up its call (`_latest_qualified`), then that call's row by
    primary key, so only attributed calls are read and given their dimensions."""
    out, owhere = _outcomes(scope, kind, f"{name}_o")
    prospect = _latest_qualified(scope, out, "prospect", f"{name}_lp")
    call_id: Any = (
        sa.case(
            (out.c.prospect_id.is_not(None), prospect),
            else_=_latest_qualified(scope, out, "company", f"{name}_lc"),
        )
        if scope.company_outcomes
        else prospect
    )
    latest = (
        sa.select(
            out.c.pipeline,
            out.c.id.label("oid"),
            epoch(out.c.occurred_at, scope.dialect).label("oe"),
            out.c.amount,
            out.c.prospect_id.label("o_prospect"),
            out.c.company_id.label("o_company"),
            call_id.label("call_id"),
        )
        .where(*owhere)
        .subquery(f"{name}_latest")
    )
    ledger = t.ledger.alias(f"{name}_l")
    ce = epoch(ledger.c.occurred_at, scope.dialect)
    query = sa.select(
        latest.c.oid,
        latest.c.oe,
        latest.c.amount,
        latest.c.o_prospect,
        latest.c.o_company,
        ledger.c.pipeline,
        ledger.c.call_id,
        ce.label("ce"),
        *[_dimension(ledger, d, scope).label(d) for d in CUBE_DIMENSIONS],
    ).select_from(
        latest.join(
            ledger, sa.and_(ledger.c.pipeline == latest.c.pipeline, ledger.c.call_id == latest.c.call_id)
        )
    )
    if kind == "meeting":
        query = query.where(latest.c.oe - ce <= scope.window_s)
    return query.cte(name)


def _dimension(ledger: Any, dim: str, scope: Scope) -> sa.ColumnElement[Any]:
    if dim == "period":
        return period_start(ledger.c.occurred_at, scope.period, scope.dialect)
    if dim == "rep":
        owner: sa.ColumnElement[Any] = ledger.c.owner
        return owner
    if dim == "team":
        return _team(ledger.c.owner, scope)
    column: sa.ColumnElement[Any] = getattr(ledger.c, dim)
    return column


def _team(owner: Any, scope: Scope) -> sa.ColumnElement[Any]:
    """The team of the rep `owner` (`KpiSettings.teams`), NULL when unknown."""
    if not scope.teams:
        return sa.null()
    return sa.case({rep: team for rep, team in sorted(scope.teams.items())}, value=owner, else_=sa.null())


def cube(conn: sa.Connection, scope: Scope) -> Sequence[Any]:
    """Call counts per cell of (period, rep, source, language, ruleset, variant): one pass over the ledger.

    Columns: the six dimensions, handled, connected, qualified, talk_s.
    """
    ledger, where = calls_in_scope(scope, "l")
    dims = [_dimension(ledger, d, scope).label(d) for d in CUBE_DIMENSIONS]
    query = (
        sa.select(
            *dims,
            sa.func.count().label("handled"),
            _count_if(ledger.c.outcome == "connected").label("connected"),
            _count_if(ledger.c.status == "qualified").label("qualified"),
            sa.func.coalesce(sa.func.sum(ledger.c.duration_s), 0).label("talk_s"),
        )
        .where(*where)
        .group_by(*dims)
    )
    return conn.execute(query).all()


def _count_if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def _outcome_cube(meetings: sa.CTE, opps: sa.CTE) -> sa.Select[Any]:
    """The attributed outcomes (`attributed` CTEs) per cell of the cube dimensions."""
    keys = [meetings.c.pipeline, meetings.c.call_id, *[meetings.c[d] for d in CUBE_DIMENSIONS]]
    okeys = [opps.c.pipeline, opps.c.call_id, *[opps.c[d] for d in CUBE_DIMENSIONS]]
    both = sa.union_all(
        sa.select(*keys, sa.literal(1).label("m"), sa.literal(0).label("o"), sa.literal(0.0).label("amount")),
        sa.select(*okeys, sa.literal(0), sa.literal(1), sa.func.coalesce(opps.c.amount, 0.0)),
    ).subquery("both_outcomes")
    per = (
        sa.select(
            *[both.c[d] for d in CUBE_DIMENSIONS],
            sa.func.sum(both.c.m).label("m"),
            sa.func.sum(both.c.o).label("o"),
            sa.func.sum(both.c.amount).label("amount"),
        )
        .group_by(both.c.pipeline, both.c.call_id, *[both.c[d] for d in CUBE_DIMENSIONS])
        .subquery("per_call")
    )
    dims = [per.c[d] for d in CUBE_DIMENSIONS]
    return sa.select(
        *dims,
        sa.func.sum(per.c.m).label("meetings"),
        _count_if(per.c.m > 0).label("qualified_with_meeting"),
        sa.func.sum(per.c.o).label("opportunities"),
        _count_if(per.c.o > 0).label("qualified_with_opportunity"),
        _count_if(sa.and_(per.c.m > 0, per.c.o > 0)).label("meeting_and_opportunity"),
        sa.func.sum(per.c.amount).label("amount"),
    ).group_by(*dims)


def outcome_cube(conn: sa.Connection, scope: Scope) -> Sequence[Any]:
    """Attributed outcomes per cell of the cube dimensions (only cells that have some).

    Columns: the six dimensions, meetings, qualified_with_meeting, opportunities,
    qualified_with_opportunity, meeting_and_opportunity, amount.
    """
    meetings = attributed(scope, "meeting", "att_m")
    opps = attributed(scope, "opportunity", "att_o")
    return conn.execute(_outcome_cube(meetings, opps)).all()


def _first_call(scope: Scope, outer: Any, column: str) -> sa.ScalarSelect[Any]:
    first = t.ledger.alias(f"first_{column}")
    return (
        sa.select(sa.func.min(first.c.occurred_at))
        .where(
            unindexed(first.c.pipeline, scope.dialect) == outer.c.pipeline,
            first.c[f"{column}_id"] == outer.c[f"o_{column}"],
        )
        .scalar_subquery()
    )


def delay_anchors(conn: sa.Connection, scope: Scope) -> Sequence[Any]:
    """Lead→opportunity delays (days) at the ranks needed for the median and p90, for every slice.

    One row per (dimension, key, rank): columns dim, key, n (delays in the group), rn (1-based rank),
    days. For a group of n delays, ranks (n-1)//2+1, n//2+1, 9(n-1)//10+1 and (9(n-1)+9)//10+1 are
    returned; `metrics.percentile_from_anchors` interpolates linearly between them.
    """
    att = attributed(scope, "opportunity", "att_d")
    return conn.execute(sa.union_all(*_delay_parts(scope, att))).all()


def _delay_parts(scope: Scope, att: sa.CTE) -> list[sa.Select[Any]]:
    """The selects of `delay_anchors` (one per dimension) over attributed opportunities `att`."""
    first = sa.case(
        (att.c.o_prospect.is_not(None), _first_call(scope, att, "prospect")),
        else_=_first_call(scope, att, "company"),
    )
    delays = (
        sa.select(
            ((att.c.oe - epoch(first, scope.dialect)) / sa.literal(86400.0)).label("days"),
            *[(_team(att.c.rep, scope) if d == "team" else att.c[d]).label(d) for d in DIMENSIONS],
        )
        .where(first.is_not(None))
        .cte("delays")
    )
    parts = []
    for dim in ("total", *DIMENSIONS):
        key: sa.ColumnElement[Any] = (
            sa.cast(sa.literal("total"), sa.String) if dim == "total" else sa.cast(delays.c[dim], sa.String)
        )
        ranked = sa.select(
            sa.literal(dim).label("dim"),
            key.label("key"),
            delays.c.days,
            sa.func.row_number().over(partition_by=key, order_by=delays.c.days).label("rn"),
            sa.func.count().over(partition_by=key).label("n"),
        ).subquery(f"r_{dim}")
        n = ranked.c.n
        anchors = sa.or_(
            ranked.c.rn == (n - 1) // 2 + 1,
            ranked.c.rn == n // 2 + 1,
            ranked.c.rn == (9 * (n - 1)) // 10 + 1,
            ranked.c.rn == (9 * (n - 1) + 9) // 10 + 1,
        )
        parts.append(
            sa.select(ranked.c.dim, ranked.c.key, ranked.c.n, ranked.c.rn, ranked.c.days).where(anchors)
        )
    return parts


_DELAY_COLUMNS = ("dim", "key", "n", "rn", "days")
_CUBE_COLUMNS = (
    *CUBE_DIMENSIONS,
    "meetings",
    "qualified_with_meeting",
    "opportunities",
    "qualified_with_opportunity",
    "meeting_and_opportunity",
    "amount",
)


def outcomes_and_delays(conn: sa.Connection, scope: Scope) -> tuple[list[Any], list[Any]]:
    """`outcome_cube` and `delay_anchors` in one statement: the opportunities are attributed once for
    both. The two row shapes travel in one UNION ALL, each padded with NULLs for the other's columns and
    told apart by `part`."""
    meetings = attributed(scope, "meeting", "att_m")
    opps = attributed(scope, "opportunity", "att_o")
    cube_rows = _outcome_cube(meetings, opps).subquery("outcome_cells")
    branches: list[sa.Select[Any]] = [
        sa.select(
            sa.literal("cube").label("part"),
            *[cube_rows.c[c] for c in _CUBE_COLUMNS],
            *[sa.null().label(c) for c in _DELAY_COLUMNS],
        )
    ]
    for part in _delay_parts(scope, opps):
        sub = part.subquery()
        padding: list[Any] = [sa.null() for _ in _CUBE_COLUMNS]
        branches.append(sa.select(sa.literal("delay"), *padding, *[sub.c[c] for c in _DELAY_COLUMNS]))
    cells: list[Any] = []
    anchors: list[Any] = []
    for row in conn.execute(sa.union_all(*branches)):
        (cells if row.part == "cube" else anchors).append(row)
    return cells, anchors


def followed_by_meeting(scope: Scope, name: str) -> sa.CTE:
    """Calls in scope (any status) followed by a held meeting of the same prospect/company within the
    meeting window: distinct (pipeline, call_id), materialized. Driven from the meetings, each looking
    up the calls of its prospect (company) on the ledger's index. Used by the discourse analysis and
    the shadow A/B comparison."""
    branches = []
    for match in ("prospect", "company") if scope.company_outcomes else ("prospect",):
        ledger, where = calls_in_scope(scope, f"{name}_l_{match}", joined=True)
        out, owhere = _outcomes(scope, "meeting", f"{name}_o_{match}")
        ce = epoch(ledger.c.occurred_at, scope.dialect)
        oe = epoch(out.c.occurred_at, scope.dialect)
        lpipe = unindexed(ledger.c.pipeline, scope.dialect)
        if match == "prospect":
            on = sa.and_(lpipe == out.c.pipeline, ledger.c.prospect_id == out.c.prospect_id)
        else:
            on = sa.and_(
                lpipe == out.c.pipeline, out.c.prospect_id.is_(None), ledger.c.company_id == out.c.company_id
            )
        branches.append(
            sa.select(ledger.c.pipeline, ledger.c.call_id)
            .select_from(out.join(ledger, on))
            .where(*where, *owhere, oe >= ce, oe - ce <= scope.window_s)
        )
    both = branches[0] if len(branches) == 1 else sa.union_all(*branches).subquery(f"{name}_u").select()
    return materialized(both.distinct(), name)
