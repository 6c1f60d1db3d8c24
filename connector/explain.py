"""`qualicall explain`: the criterion-by-criterion trace of one call, from a call file or from the store.

From a file, the call is qualified again (pure engine) and the whole trace is shown. From the store,
the trace is rebuilt from the ledger (the evidence recorded when the call was decided), so it shows
what was actually written, even if the rules changed since.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import RenderableType

from connector.backtest import render_explanation
from connector.callfile import iter_calls
from connector.model import Call, Evidence, Result
from connector.rules import load_ruleset, qualify
from connector.store import Store


def explain_from_file(call_id: str, path: Path, rules: str, now: datetime) -> RenderableType | None:
    """Find the call in a .jsonl/.csv file, qualify it with `rules` at `now`, and render the trace."""
    for item in iter_calls(path):
        if isinstance(item, Call) and item.id == call_id:
            return render_explanation(item, qualify(item, load_ruleset(rules), now))
    return None


def _evidence(raw: dict[str, Any]) -> Evidence:
    return Evidence(
        criterion=str(raw["criterion"]),
        state=raw["state"],
        points=float(raw.get("points") or 0.0),
        source=str(raw.get("source") or ""),
        snippet=raw.get("snippet"),
        start=raw.get("start"),
        end=raw.get("end"),
    )


def explain_from_store(call_id: str, store: Store) -> RenderableType | None:
    """Render the decision recorded in the ledger for `call_id` (latest pipeline that decided it)."""
    row = store.ledger_row(None, call_id)
    if row is None:
        return None
    call = Call(
        id=call_id,
        occurred_at=row["occurred_at"],
        outcome=row["outcome"],
        direction=row["direction"],
        duration_s=row["duration_s"],
        owner=row["owner"],
        source=row["source"],
    )
    outputs = row["outputs"] or {}
    result = Result(
        call_id=call_id,
        status=row["status"],
        reason=row["reason"],
        next_step=row["next_step"],
        score=row["score"],
        ruleset=row["ruleset"],
        language=row["language"] or "",
        explanation=str(outputs.get("explanation", "")),
        evidence=tuple(_evidence(e) for e in row["evidence"] or ()),
        recontact_on=row["recontact_on"],
        variant=row["variant"],
    )
    return render_explanation(call, result)
