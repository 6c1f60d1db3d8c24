"""The pure keyset paging (adapters/hubspot/_paging.py) against an in-memory model of HubSpot search."""

from __future__ import annotations

import random
from typing import Any

import pytest

from adapters.hubspot import _paging
from adapters.hubspot._paging import Position, Row


def _search(records: list[tuple[int, int]], body: dict[str, Any], rng: random.Random) -> list[Row]:
    """HubSpot-like search: OR of AND filters, one sort, ties in no particular order, first page only."""

    def value(rec: tuple[int, int], prop: str) -> int:
        return rec[0] if prop == _paging.TS else rec[1]

    def match(rec: tuple[int, int], f: dict[str, str]) -> bool:
        v, x = value(rec, f["propertyName"]), int(f["value"])
        return {"EQ": v == x, "GT": v > x, "LTE": v <= x}[f["operator"]]

    hits = [r for r in records if any(all(match(r, f) for f in g["filters"]) for g in body["filterGroups"])]
    rng.shuffle(hits)  # ties come back in any order
    hits.sort(key=lambda r: value(r, body["sorts"][0]))
    return [Row(ts, i, None) for ts, i in hits[: body["limit"]]]


@pytest.mark.parametrize("seed", range(40))
def test_every_record_once_in_order_whatever_the_ties_and_page_size(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(1, 400)
    distinct = rng.choice([1, 2, 5, 50, n])  # from "all on one timestamp" to "all distinct"
    records = [(1000 + rng.randrange(distinct), 10_000 + i) for i in range(n)]
    limit = rng.choice([1, 2, 3, 7, 20, 200])
    upper = max(ts for ts, _ in records)
    position, requests = Position(), 0
    mode: _paging.Mode = "range"
    out: list[tuple[int, int]] = []
    while True:
        body = _paging.search_body(position, mode, limit=limit, properties=[], upper_ms=upper)
        step = _paging.step(position, mode, _search(records, body, rng), limit)
        requests += 1
        out.extend((r.ts, r.id) for r in step.rows)
        assert all((r.ts, r.id) <= (step.position.ts, step.position.id) for r in step.rows)
        position, mode = step.position, step.mode
        if step.done:
            break
        assert requests < 10 * n + 10, "paging does not progress"
    assert out == sorted(records)
    # resuming from the final position finds nothing new
    body = _paging.search_body(position, "range", limit=limit, properties=[], upper_ms=upper)
    assert _paging.step(position, "range", _search(records, body, rng), limit).rows == ()


def test_cursor_round_trip() -> None:
    pos = Position(1_790_000_000_123, 4567)
    cursor = pos.to_cursor()
    assert cursor == {"modified_at": "2026-09-21T14:13:20.123Z", "id": "4567"}
    assert Position.from_cursor(cursor) == pos
    assert Position.from_cursor(None) == Position() and Position().to_cursor() == {}
