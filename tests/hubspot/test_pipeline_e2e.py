"""The real pipeline (connector/pipeline.py) over the HubSpot adapter and the fake: the first run writes
every call once and creates its tasks, a second run (after our writes bumped hs_lastmodifieddate)
writes nothing, an edited call is written again, and injected faults lose or duplicate nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.pipeline import Pipeline, RunResult, run_pipeline
from connector.rules import load_ruleset
from connector.store import Store, open_store
from tests.contract.harness_hubspot import HubSpotHarness, make_harness
from tests.hubspot.factory import make_calls


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield s
    s.engine.dispose()


def run(h: HubSpotHarness, store: Store) -> RunResult:
    pipeline = Pipeline(
        name="hs",
        adapter=h.adapter,
        store=store,
        mapping=h.adapter.mapping,
        ruleset=load_ruleset("bant"),
        clock=h.clock.datetime,
    )
    return run_pipeline(pipeline)


def test_two_runs_write_once_and_an_edit_is_written_again(tmp_path: Path, store: Store) -> None:
    with make_harness(tmp_path, fault_rate=0.1, seed=5) as h:
        ids = h.seed(make_calls(120))
        results = [run(h, store)]
        while results[-1].status != "ok" and len(results) < 5:  # a retriable failure resumes next run
            results.append(run(h, store))
        assert results[-1].status == "ok", results[-1].message
        assert h.fake.faults, "faults were injected"
        fields = [h.call_fields(i) for i in ids]
        assert all(f.get("qualicall_status") for f in fields)
        keys = h.fake.tasks_by_key()
        assert all(n == 1 for n in keys.values())
        tasks_after_first = sum(keys.values())

        h.fake.fault_rate = 0.0
        h.fake.writes.clear()
        h.clock.advance(60)
        second = run(h, store)
        assert second.status == "ok"
        assert second.stats.calls_read == 120  # our own writes bumped hs_lastmodifieddate ...
        assert second.stats.unchanged == 120  # ... and nothing is decided or written again
        assert not h.fake.writes
        assert sum(h.fake.tasks_by_key().values()) == tasks_after_first

        h.edit_notes(ids[7], "<p>Budget approved, the CFO wants a demo next Tuesday.</p>")
        h.clock.advance(60)
        third = run(h, store)
        assert third.status == "ok" and third.stats.decided == 1
        assert set(h.fake.writes) <= {int(ids[7])}
        assert all(n == 1 for n in h.fake.tasks_by_key().values())
