"""Reading calls: keyset paging across timestamp ties and the search cap, exact cursors, resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.contract.harness_hubspot import make_harness
from tests.fakes.hubspot import iso


def _seed_ties(h: Any, n: int, same_ts_ms: int) -> list[str]:
    ids = []
    for i in range(n):
        ids.append(
            str(
                h.fake.create(
                    "calls",
                    {"hs_timestamp": "2026-11-01T09:00:00Z", "hs_call_body": f"tie {i}"},
                    modified_ms=same_ts_ms,
                )
            )
        )
    return ids


def _read_all(adapter: Any, cursor: Any = None) -> tuple[list[str], list[Any]]:
    ids: list[str] = []
    cursors: list[Any] = []
    for page in adapter.iter_pages(cursor):
        ids.extend(r.id for r in page.records)
        cursors.append(page.cursor)
    return ids, cursors


def test_no_call_missed_across_the_cap_and_timestamp_ties(tmp_path: Path) -> None:
    with make_harness(tmp_path, connection={"page_size": 20, "read_batch": 40}, search_cap=50) as h:
        now = h.fake.now_ms()
        before = [
            str(h.fake.create("calls", {"hs_call_body": f"b{i}"}, modified_ms=now - 5000 + i))
            for i in range(33)
        ]
        ties = _seed_ties(h, 137, now - 1000)  # 137 calls share one timestamp: > cap (50) and > a page
        after = [
            str(h.fake.create("calls", {"hs_call_body": f"a{i}"}, modified_ms=now - 500 + i // 3))
            for i in range(61)
        ]
        ids, cursors = _read_all(h.adapter)
        expected = before + ties + after
        assert sorted(ids, key=int) == sorted(expected, key=int)
        assert len(ids) == len(set(ids)), "a call was yielded twice in one run"
        assert not h.fake.rejected
        # yielded in ascending (modified_at, id) order
        stamps = [(h.fake.objects["calls"][int(i)]["updated"], int(i)) for i in ids]
        assert stamps == sorted(stamps)
        # the last cursor is exact: nothing is yielded again from it
        assert _read_all(h.adapter, cursors[-1])[0] == []


def test_resume_from_any_page_cursor_yields_exactly_the_rest(tmp_path: Path) -> None:
    with make_harness(tmp_path, connection={"page_size": 7, "read_batch": 7}, search_cap=50) as h:
        now = h.fake.now_ms()
        for i in range(60):
            h.fake.create("calls", {"hs_call_body": f"x{i}"}, modified_ms=now - 1000 + i // 4)
        ids, cursors = _read_all(h.adapter)
        assert len(ids) == 60
        for index, cursor in enumerate(cursors[:-1]):
            rest, _ = _read_all(h.adapter, cursor)
            consumed = sum(1 for _ in ids[: ids.index(rest[0])]) if rest else len(ids)
            assert rest == ids[consumed:], f"resume from page {index}"
            assert set(rest).isdisjoint(ids[:consumed])


def test_changed_call_comes_back_after_the_cursor(tmp_path: Path) -> None:
    from tests.hubspot.factory import make_calls

    with make_harness(tmp_path) as h:
        crm_ids = h.seed(make_calls(3))
        _, cursors = _read_all(h.adapter)
        h.edit_notes(crm_ids[0], "<p>new notes</p>")
        again = [r for p in h.adapter.iter_pages(cursors[-1]) for r in p.records]
        assert [r.id for r in again] == [crm_ids[0]]
        assert again[0].fields["hs_call_body"] == "<p>new notes</p>"
        assert h.adapter.mapping.to_call(again[0]).notes == "new notes"


def test_related_records_and_associations_are_batched(tmp_path: Path) -> None:
    from tests.hubspot.factory import make_calls

    with make_harness(tmp_path) as h:
        crm_ids = h.seed(make_calls(250, prospects=10))
        records = [r for p in h.adapter.iter_pages(None) for r in p.records]
        assert [r.id for r in records] == crm_ids
        assert all(r.prospect and r.prospect["email"] for r in records)
        assert all(set(r.associations) == {"contact", "company"} for r in records)
        sent = h.adapter.transport.stats
        assert sent["calls.search"] == 2  # 250 calls, 200 per page
        assert sent["associations.calls.contacts"] == 1  # one v4 read for ≤ 1000 calls
        assert sent["contacts.read"] == 3  # 250 distinct contacts / 100


def test_real_cap_with_more_than_10000_calls_on_one_timestamp(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        stamp = h.fake.now_ms() - 10_000
        with h.fake.lock:
            for i in range(10_050):
                record_id = h.fake.new_id()
                h.fake.objects["calls"][record_id] = {
                    "properties": {
                        "hs_object_id": str(record_id),
                        "hs_lastmodifieddate": iso(stamp),
                        "hs_createdate": iso(stamp),
                        "hs_call_body": str(i),
                    },
                    "created": stamp,
                    "updated": stamp,
                }
        ids, _ = _read_all(h.adapter)
        assert len(ids) == 10_050 and len(set(ids)) == 10_050
        assert not h.fake.rejected


def test_recent_changes_wait_for_the_search_index_to_settle(tmp_path: Path) -> None:
    from tests.hubspot.factory import make_calls

    with make_harness(tmp_path, connection={"settle_seconds": 30}) as h:
        old = h.seed(make_calls(2))
        h.clock.advance(60)
        new = h.seed(make_calls(1))
        ids, cursors = _read_all(h.adapter)
        assert ids == old  # the call changed 1 ms ago is left to the next run
        h.clock.advance(31)
        assert _read_all(h.adapter, cursors[-1])[0] == new
