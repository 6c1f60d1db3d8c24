"""Pure pagination state for reading calls through HubSpot's search API (no I/O).

HubSpot search sorts on one property only, pages with an offset (`after`) and stops at 10,000 results
per query. So this module never pages with `after`: every request is a fresh query anchored on the
exact position reached, a `Position(ts_ms, id)` = (hs_lastmodifieddate in epoch ms, hs_object_id):

- "range" mode: (ts == pos.ts AND id > pos.id) OR ts > pos.ts, sorted by hs_lastmodifieddate
  ascending. A full page may end in the middle of a timestamp: only records strictly older than the
  page's last timestamp are emitted (their timestamps are complete), and the next query starts right
  after them. A full page holding one single timestamp switches to "tie" mode.
- "tie" mode: ts == T AND id > pos.id, sorted by hs_object_id ascending: exact keyset paging through
  any number of calls sharing one timestamp (more than 10,000 included). A short page returns to range.

Every query is bounded above by `upper_ms` (the closed range [position, upper]), so calls modified
while a run is in progress are left to the next run instead of racing the search index.
Emitted records are in ascending (ts, id) order; the cursor after them is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Mode = Literal["range", "tie"]
TS = "hs_lastmodifieddate"
ID = "hs_object_id"
START = -1


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """(modified time in epoch ms, numeric object id) of the last record read; START = before all."""

    ts: int = START
    id: int = START

    def to_cursor(self) -> dict[str, Any]:
        """The JSON cursor: {"modified_at": ISO-8601 with ms, "id": hs_object_id as text}."""
        if self.ts == START:
            return {}
        return {"modified_at": ms_to_iso(self.ts), "id": str(self.id) if self.id != START else ""}

    @classmethod
    def from_cursor(cls, cursor: dict[str, Any] | None) -> Position:
        """Read a cursor written by `to_cursor` (or None / {} for the beginning)."""
        if not cursor or not cursor.get("modified_at"):
            return cls()
        raw_id = str(cursor.get("id") or "")
        return cls(iso_to_ms(str(cursor["modified_at"])), int(raw_id) if raw_id.isdigit() else START)


@dataclass(frozen=True, slots=True)
class Row:
    """One search result reduced to what paging needs (the raw object rides along)."""

    ts: int
    id: int
    raw: Any


@dataclass(frozen=True, slots=True)
class Step:
    """What to do after one search page: emit `rows`, continue from `position` in `mode`, or stop."""

    rows: tuple[Row, ...]
    position: Position
    mode: Mode
    done: bool


def ms_to_iso(ms: int) -> str:
    """Epoch ms → HubSpot's ISO form, e.g. 2026-11-26T09:00:00.123Z."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def iso_to_ms(text: str) -> int:
    """ISO-8601 (Z or offset) or epoch-ms text → epoch ms."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def _f(prop: str, op: str, value: int) -> dict[str, str]:
    return {"propertyName": prop, "operator": op, "value": str(value)}


def search_body(
    position: Position,
    mode: Mode,
    *,
    limit: int,
    properties: Sequence[str],
    upper_ms: int,
    ts_prop: str = TS,
    extra: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """The search request body (HubSpot JSON names) for the next page from `position`.

    `ts_prop` is the ordering timestamp (hs_lastmodifieddate for calls; another datetime property,
    e.g. a meeting's start time, for other objects). `extra` filters are added to every filter group.
    """
    below = _f(ts_prop, "LTE", upper_ms)
    if mode == "tie":
        groups = [[_f(ts_prop, "EQ", position.ts), _f(ID, "GT", position.id), below]]
        sort = ID
    elif position.ts == START:
        groups = [[below]]
        sort = ts_prop
    else:
        groups = [
            [_f(ts_prop, "EQ", position.ts), _f(ID, "GT", position.id), below],
            [_f(ts_prop, "GT", position.ts), below],
        ]
        sort = ts_prop
    return {
        "filterGroups": [{"filters": [*g, *extra]} for g in groups],
        "sorts": [sort],
        "properties": list(dict.fromkeys([ts_prop, ID, *properties])),
        "limit": limit,
        "after": "0",
    }


def step(position: Position, mode: Mode, rows: Sequence[Row], limit: int) -> Step:
    """Advance the paging state over one page of `rows` (as returned for `search_body(position, mode)`)."""
    ordered = tuple(sorted(rows, key=lambda r: (r.ts, r.id)))
    if mode == "tie":
        if not ordered:
            return Step((), position, "range", False)
        last = ordered[-1]
        full = len(rows) >= limit
        return Step(ordered, Position(last.ts, last.id), "tie" if full else "range", False)
    if len(rows) < limit:
        end = Position(ordered[-1].ts, ordered[-1].id) if ordered else position
        return Step(ordered, end, "range", True)
    last_ts = ordered[-1].ts
    complete = tuple(r for r in ordered if r.ts < last_ts)
    if complete:
        return Step(complete, Position(complete[-1].ts, complete[-1].id), "range", False)
    start_id = position.id if position.ts == last_ts else START
    return Step((), Position(last_ts, start_id), "tie", False)
