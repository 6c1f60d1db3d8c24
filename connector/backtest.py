"""Offline backtest output: one JSON-ready record per qualified call, and the explain trace.

`result_record(call, result)` is one output line of `qualicall qualify` (id, status, reason,
next_step, score, recontact_on, language, ruleset, explanation, evidence[], follow_ups[]); it only
contains JSON types (dates as ISO strings). `render_explanation(call, result)` is the
criterion-by-criterion trace `qualicall explain` prints (a rich renderable). Both are pure.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from connector.model import Call, Result

_STATE_STYLE = {"met": "green", "not_met": "red", "unknown": "dim"}
_SNIPPET_MAX = 90


def result_record(call: Call, result: Result) -> dict[str, Any]:
    """The output line of `qualicall qualify` for one call (JSON-serialisable)."""
    return {
        "id": call.id,
        "status": result.status,
        "reason": result.reason,
        "next_step": result.next_step,
        "score": result.score,
        "recontact_on": result.recontact_on.isoformat() if result.recontact_on else None,
        "language": result.language,
        "ruleset": result.ruleset,
        "explanation": result.explanation,
        "evidence": [e.as_dict() for e in result.evidence],
        "follow_ups": [f.as_dict() for f in result.follow_ups],
    }


def _short(text: str | None) -> str:
    if not text:
        return ""
    one = " ".join(text.split())
    return one if len(one) <= _SNIPPET_MAX else one[: _SNIPPET_MAX - 1] + "…"


def render_explanation(call: Call, result: Result) -> RenderableType:
    """Criterion-by-criterion trace of one result: header, evidence table, follow-ups, explanation."""
    head = Text()
    head.append(f"{call.id}", style="bold")
    head.append(f"  {call.occurred_at.isoformat()}  outcome={call.outcome.value}  ")
    head.append(f"{result.status}", style="bold green" if result.status == "qualified" else "bold yellow")
    if result.reason:
        head.append(f" / {result.reason}", style="yellow")
    head.append(f"  next={result.next_step}  score={result.score:g}  lang={result.language}")
    head.append(f"  {result.ruleset}")
    if result.recontact_on:
        head.append(f"  recontact={result.recontact_on.isoformat()}")
    table = Table(show_header=True, header_style="bold", expand=False)
    for col in ("criterion", "state", "points", "source", "offsets", "evidence"):
        table.add_column(col)
    for e in result.evidence:
        offsets = f"{e.start}–{e.end}" if e.start is not None and e.end is not None else ""
        table.add_row(
            e.criterion,
            Text(e.state, style=_STATE_STYLE.get(e.state, "")),
            f"{e.points:g}",
            e.source,
            offsets,
            _short(e.snippet),
        )
    parts: list[RenderableType] = [head, table]
    if result.follow_ups:
        fu = Table(show_header=True, header_style="bold", title="follow-ups", expand=False)
        for col in ("kind", "due", "type", "priority", "subject", "key"):
            fu.add_column(col)
        for f in result.follow_ups:
            fu.add_row(f.kind, f.due_at.isoformat(), f.type, f.priority, _short(f.subject), f.key)
        parts.append(fu)
    parts.append(Text(result.explanation))
    return Group(*parts)
