"""The variant comparison of the report (A/B tests of rules), split or shadow mode.

Split mode: each call was decided (and written) by one variant; every variant is compared with the
control on the proportion KPIs, counted per call: qualified-call rate (qualified / handled),
post-qualification conversion (qualified calls with an attributed held meeting / qualified calls),
opportunity rate per qualified call and per meeting (qualified calls with an opportunity / qualified
calls, resp. / qualified calls with a meeting). Cost per qualified call and the lead→opportunity median
are shown side by side without a test (not proportions).

Shadow mode: the control decided every call and the other variants only scored them (shadow_results).
On the same calls, each variant is compared on its qualified-call rate and on the share of the calls
it qualified that were followed by a held meeting within the meeting window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from connector.kpi.metrics import Counts
from connector.kpi.queries import Scope, calls_in_scope, followed_by_meeting
from connector.kpi.stats import compare
from connector.store import tables as t
from connector.variants import VariantSettings

SPLIT_KPIS = {
    "qualified_call_rate": ("qualified", "calls_handled"),
    "post_qualification_conversion": ("qualified_with_meeting", "qualified"),
    "opportunity_rate_per_qualified_call": ("qualified_with_opportunity", "qualified"),
    "opportunity_rate_per_meeting": ("meeting_and_opportunity", "qualified_with_meeting"),
}


def pick_control(names: Sequence[str], variants: VariantSettings | None) -> str:
    """The control arm: the A/B settings' control, else "control", "A" or "a" if present, else the first."""
    if variants is not None and variants.control in names:
        return variants.control
    for guess in ("control", "A", "a"):
        if guess in names:
            return guess
    return sorted(names)[0]


def shadow_rows(conn: sa.Connection, scope: Scope) -> list[dict[str, Any]]:
    """Per arm of a shadow test: calls scored, qualified, qualified and followed by a meeting, agreement
    with the written decision. The control arm (the ledger) is restricted to calls that have shadow rows."""
    followed = followed_by_meeting(scope, "fm_shadow")
    ledger, where = calls_in_scope(scope, "ls")
    shadow = t.shadow_results.alias("s")
    join_on = sa.and_(shadow.c.pipeline == ledger.c.pipeline, shadow.c.call_id == ledger.c.call_id)
    fjoin = sa.and_(followed.c.pipeline == ledger.c.pipeline, followed.c.call_id == ledger.c.call_id)

    def total(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    hit = followed.c.call_id.is_not(None)
    variants_q = (
        sa.select(
            shadow.c.variant.label("name"),
            sa.func.count().label("calls"),
            total(shadow.c.status == "qualified").label("qualified"),
            total(sa.and_(shadow.c.status == "qualified", hit)).label("qualified_followed"),
            total(shadow.c.status == ledger.c.status).label("agreement"),
        )
        .select_from(ledger.join(shadow, join_on).outerjoin(followed, fjoin))
        .where(*where)
        .group_by(shadow.c.variant)
    )
    rows = [dict(r._mapping) for r in conn.execute(variants_q)]
    if not rows:
        return []
    scored = sa.select(shadow.c.pipeline, shadow.c.call_id).distinct().subquery("scored")
    control_q = (
        sa.select(
            sa.func.max(ledger.c.variant).label("name"),
            sa.func.count().label("calls"),
            total(ledger.c.status == "qualified").label("qualified"),
            total(sa.and_(ledger.c.status == "qualified", hit)).label("qualified_followed"),
            sa.func.count().label("agreement"),
        )
        .select_from(
            ledger.join(
                scored, sa.and_(scored.c.pipeline == ledger.c.pipeline, scored.c.call_id == ledger.c.call_id)
            ).outerjoin(followed, fjoin)
        )
        .where(*where)
    )
    control = dict(conn.execute(control_q).one()._mapping)
    return [control, *rows]


def _value_delta(control: float | None, variant: float | None) -> dict[str, Any]:
    diff = None if control is None or variant is None else variant - control
    return {"control": control, "variant": variant, "difference": diff}


def split_section(
    arms: Mapping[str, Counts],
    arm_metrics: Mapping[str, Mapping[str, Any]],
    variants: VariantSettings | None,
    min_sample: int,
) -> dict[str, Any]:
    """The comparison of split-mode arms (counts and report blocks per variant name)."""
    names = list(arms)
    control = pick_control(names, variants)
    comparisons = []
    for name in names:
        if name == control:
            continue
        a, b = arms[control], arms[name]
        kpis = {
            kpi: compare(
                getattr(a, x),
                getattr(a, n),
                getattr(b, x),
                getattr(b, n),
                min_sample=min_sample,
                names=(control, name),
            )
            for kpi, (x, n) in SPLIT_KPIS.items()
        }
        ma, mb = arm_metrics[control], arm_metrics[name]
        comparisons.append(
            {
                "control": control,
                "variant": name,
                "kpis": kpis,
                "values": {
                    "cost_per_qualified_call": _value_delta(
                        ma["rates"]["cost_per_qualified_call"]["value"],
                        mb["rates"]["cost_per_qualified_call"]["value"],
                    ),
                    "lead_to_opportunity_median_days": _value_delta(
                        ma["lead_to_opportunity"]["median_days"], mb["lead_to_opportunity"]["median_days"]
                    ),
                },
            }
        )
    message = None
    if variants is not None and variants.unit == "prospect":
        message = (
            "variants are assigned per prospect while KPIs count calls: calls of one prospect are "
            "correlated, so p-values are optimistic"
        )
    return {
        "mode": "split",
        "control": control,
        "arms": [{"name": n, **dict(arm_metrics[n])} for n in names],
        "comparisons": comparisons,
        "message": message,
    }


def shadow_section(
    rows: Sequence[Mapping[str, Any]], variants: VariantSettings | None, min_sample: int
) -> dict[str, Any]:
    """The comparison of shadow-mode arms (rows from `shadow_rows`, control first)."""
    control_row = rows[0]
    control = str(control_row["name"] or (variants.control if variants else "control"))
    arms: list[dict[str, Any]] = [
        {
            "name": control if i == 0 else str(r["name"]),
            "calls": int(r["calls"]),
            "qualified": int(r["qualified"]),
            "qualified_followed_by_meeting": int(r["qualified_followed"]),
            "agreement_with_control": int(r["agreement"]),
        }
        for i, r in enumerate(rows)
    ]
    comparisons = []
    c = arms[0]
    for arm in arms[1:]:
        names = (control, arm["name"])
        comparisons.append(
            {
                "control": control,
                "variant": arm["name"],
                "kpis": {
                    "qualified_call_rate": compare(
                        c["qualified"],
                        c["calls"],
                        arm["qualified"],
                        arm["calls"],
                        min_sample=min_sample,
                        names=names,
                    ),
                    "post_qualification_conversion": compare(
                        c["qualified_followed_by_meeting"],
                        c["qualified"],
                        arm["qualified_followed_by_meeting"],
                        arm["qualified"],
                        min_sample=min_sample,
                        names=names,
                    ),
                },
                "values": {
                    "agreement_rate": {
                        "control": 1.0 if c["calls"] else None,
                        "variant": arm["agreement_with_control"] / arm["calls"] if arm["calls"] else None,
                        "difference": None,
                    }
                },
            }
        )
    return {
        "mode": "shadow",
        "control": control,
        "arms": arms,
        "comparisons": comparisons,
        "message": (
            "shadow mode: every variant scored the same calls and only the control was written; "
            "post-qualification conversion here is the share of the calls a variant qualified that were "
            "followed by a held meeting. The tests treat the arms as independent "
            "(conservative for paired data)."
        ),
    }


def no_variants() -> dict[str, Any]:
    """The section when the calls in scope carry fewer than two variants."""
    return {
        "mode": "none",
        "control": None,
        "arms": [],
        "comparisons": [],
        "message": "no A/B test in these calls (fewer than two variants recorded)",
    }
