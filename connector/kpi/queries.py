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

from connector.kpi.sqlfn import Period, epoch, period_start
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


def calls_in_scope(
    scope: Scope, alias: str, status: str | None = None
) -> tuple[Any, list[sa.ColumnElement[bool]]]:
    """An alias of the ledger and the conditions selecting the calls in scope (optionally one status)."""
    ledger = t.ledger.alias(alias)
    where: list[sa.ColumnElement[bool]] = [ledger.c.occurred_at <= scope.until]
    if scope.pipeline is not None:
        where.append(ledger.c.pipeline == scope.pipeline)
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


def pairs(scope: Scope, kind: str, *, status: str | None, window_s: int | None) -> sa.Select[Any]:
    """(outcome, call) pairs: same pipeline and prospect (or company when the outcome has no prospect),
    the call at or before the outcome and, when `window_s` is set, at most `window_s` seconds before it."""
    branches = []
    for match in ("prospect", "company"):
        ledger, lwhere = calls_in_scope(scope, f"l_{match}", status)
        out, owhere = _outcomes(scope, kind, f"o_{match}")
        ce = epoch(ledger.c.occurred_at, scope.dialect)
        oe = epoch(out.c.occurred_at, scope.dialect)
        if match == "prospect":
            on = sa.and_(out.c.pipeline == ledger.c.pipeline, out.c.prospect_id == ledger.c.prospect_id)
        else:
            on = sa.and_(
                out.c.pipeline == ledger.c.pipeline,
                out.c.prospect_id.is_(None),
                out.c.company_id == ledger.c.company_id,
            )
        conds = [*lwhere, *owhere, oe >= ce]
        if window_s is not None:
            conds.append(oe - ce <= window_s)
        branches.append(
            sa.select(
                out.c.pipeline.label("pipeline"),
                out.c.id.label("oid"),
                oe.label("oe"),
                out.c.amount.label("amount"),
                out.c.prospect_id.label("o_prospect"),
                out.c.company_id.label("o_company"),
                ledger.c.call_id.label("call_id"),
                ce.label("ce"),
            )
            .select_from(out.join(ledger, on))
            .where(*conds)
        )
    return sa.union_all(*branches).subquery().select()


def attributed(scope: Scope, kind: str, name: str) -> sa.CTE:
    """One row per attributed outcome: the latest qualified call before it (ties broken by call id)."""
    window = scope.window_s if kind == "meeting" else None
    p = pairs(scope, kind, status="qualified", window_s=window).subquery(f"{name}_pairs")
    rn = sa.func.row_number().over(
        partition_by=(p.c.pipeline, p.c.oid), order_by=(p.c.ce.desc(), p.c.call_id.desc())
    )
    ranked = sa.select(*p.c, rn.label("rn")).subquery(f"{name}_ranked")
    return sa.select(*[c for c in ranked.c if c.name != "rn"]).where(ranked.c.rn == 1).cte(name)


def per_call(source: sa.CTE, name: str) -> sa.CTE:
    """Attributed outcomes counted per call: (pipeline, call_id, n, amount)."""
    return (
        sa.select(
            source.c.pipeline,
            source.c.call_id,
            sa.func.count().label("n"),
            sa.func.coalesce(sa.func.sum(source.c.amount), 0.0).label("amount"),
        )
        .group_by(source.c.pipeline, source.c.call_id)
        .cte(name)
    )


def _dimension(ledger: Any, dim: str, scope: Scope) -> sa.ColumnElement[Any]:
    if dim == "period":
        return period_start(ledger.c.occurred_at, scope.period, scope.dialect)
    if dim == "rep":
        owner: sa.ColumnElement[Any] = ledger.c.owner
        return owner
    if dim == "team":
        if not scope.teams:
            return sa.null()
        return sa.case(
            {rep: team for rep, team in sorted(scope.teams.items())}, value=ledger.c.owner, else_=sa.null()
        )
    column: sa.ColumnElement[Any] = getattr(ledger.c, dim)
    return column


def cube(conn: sa.Connection, scope: Scope) -> Sequence[Any]:
    """Counts per cell of (period, rep, source, language, ruleset, variant), one pass over the ledger.

    Columns: the six dimensions, handled, connected, qualified, talk_s, meetings, qualified_with_meeting,
    opportunities, qualified_with_opportunity, meeting_and_opportunity, amount.
    """
    meetings = per_call(attributed(scope, "meeting", "att_m"), "pc_m")
    opps = per_call(attributed(scope, "opportunity", "att_o"), "pc_o")
    ledger, where = calls_in_scope(scope, "l")
    dims = [_dimension(ledger, d, scope).label(d) for d in CUBE_DIMENSIONS]
    qualified = ledger.c.status == "qualified"
    has_m = sa.and_(qualified, meetings.c.n > 0)
    has_o = sa.and_(qualified, opps.c.n > 0)

    def flag(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    query = (
        sa.select(
            *dims,
            sa.func.count().label("handled"),
            flag(ledger.c.outcome == "connected").label("connected"),
            flag(qualified).label("qualified"),
            sa.func.coalesce(sa.func.sum(ledger.c.duration_s), 0).label("talk_s"),
            sa.func.coalesce(sa.func.sum(meetings.c.n), 0).label("meetings"),
            flag(has_m).label("qualified_with_meeting"),
            sa.func.coalesce(sa.func.sum(opps.c.n), 0).label("opportunities"),
            flag(has_o).label("qualified_with_opportunity"),
            flag(sa.and_(has_m, has_o)).label("meeting_and_opportunity"),
            sa.func.coalesce(sa.func.sum(opps.c.amount), 0.0).label("amount"),
        )
        .select_from(
            ledger.outerjoin(
                meetings,
                sa.and_(meetings.c.pipeline == ledger.c.pipeline, meetings.c.call_id == ledger.c.call_id),
            ).outerjoin(
                opps, sa.and_(opps.c.pipeline == ledger.c.pipeline, opps.c.call_id == ledger.c.call_id)
            )
        )
        .where(*where)
        .group_by(*dims)
    )
    return conn.execute(query).all()


def _first_call(scope: Scope, outer: Any, column: str) -> sa.ScalarSelect[Any]:
    first = t.ledger.alias(f"first_{column}")
    return (
        sa.select(sa.func.min(first.c.occurred_at))
        .where(first.c.pipeline == outer.c.pipeline, first.c[f"{column}_id"] == outer.c[f"o_{column}"])
        .scalar_subquery()
    )


def delay_anchors(conn: sa.Connection, scope: Scope) -> Sequence[Any]:
    """Lead→opportunity delays (days) at the ranks needed for the median and p90, for every slice.

    One row per (dimension, key, rank): columns dim, key, n (delays in the group), rn (1-based rank),
    days. For a group of n delays, ranks (n-1)//2+1, n//2+1, 9(n-1)//10+1 and (9(n-1)+9)//10+1 are
    returned; `metrics.percentile_from_anchors` interpolates linearly between them.
    """
    att = attributed(scope, "opportunity", "att_d")
    first = sa.case(
        (att.c.o_prospect.is_not(None), _first_call(scope, att, "prospect")),
        else_=_first_call(scope, att, "company"),
    )
    lead = (
        sa.select(att.c.pipeline, att.c.call_id, att.c.oe, epoch(first, scope.dialect).label("fe"))
        .select_from(att)
        .cte("leads")
    )
    ledger = t.ledger.alias("ld")
    delays = (
        sa.select(
            ((lead.c.oe - lead.c.fe) / sa.literal(86400.0)).label("days"),
            *[_dimension(ledger, d, scope).label(d) for d in DIMENSIONS],
        )
        .select_from(
            lead.join(
                ledger, sa.and_(ledger.c.pipeline == lead.c.pipeline, ledger.c.call_id == lead.c.call_id)
            )
        )
        .where(lead.c.fe.is_not(None))
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
    return conn.execute(sa.union_all(*parts)).all()


def followed_by_meeting(scope: Scope, name: str) -> sa.CTE:
    """Calls in scope (any status) followed by a held meeting of the same prospect/company within the
    meeting window: distinct (pipeline, call_id). Used by the discourse analysis and shadow A/B tests."""
    p = pairs(scope, "meeting", status=None, window_s=scope.window_s).subquery(f"{name}_pairs")
    return sa.select(p.c.pipeline, p.c.call_id).distinct().cte(name)
