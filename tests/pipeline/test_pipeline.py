"""The pipeline end to end on the embedded CRM and a real SQLite store: idempotency, crash safety,
per-record failures, dry run, budget stops and leases."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.base import Adapter, FieldWrite, Page, RecordError, TaskCreate, WriteOutcome
from adapters.local import LocalAdapter, LocalCRM
from connector.errors import BudgetExhaustedError, RetriableError
from connector.mapping import Mapping
from connector.model import Outcome
from connector.pipeline import Pipeline, run_pipeline
from connector.rules import load_ruleset
from connector.store import Store, open_store
from tests.conftest import FakeClock
from tests.factories import make_calls


class Wrapped(Adapter):
    """Delegates to a real adapter; lets a test inject a fault at a chosen call."""

    name = "wrapped"

    def __init__(self, inner: LocalAdapter) -> None:
        super().__init__(inner.mapping)
        self.inner = inner
        self.max_write_batch = inner.max_write_batch  # type: ignore[misc]
        self.update_calls = 0
        self.task_calls = 0
        self.on_update: Any = None
        self.on_tasks: Any = None
        self.on_page: Any = None

    def iter_pages(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        for n, page in enumerate(self.inner.iter_pages(cursor)):
            if self.on_page:
                self.on_page(n)
            yield page

    def apply_updates(self, writes: Sequence[FieldWrite]) -> list[WriteOutcome]:
        self.update_calls += 1
        if self.on_update:
            return self.on_update(writes)  # type: ignore[no-any-return]
        return self.inner.apply_updates(writes)

    def create_tasks(self, tasks: Sequence[TaskCreate]) -> list[WriteOutcome]:
        self.task_calls += 1
        if self.on_tasks:
            return self.on_tasks(tasks)  # type: ignore[no-any-return]
        return self.inner.create_tasks(tasks)

    def read_outcomes(self, since: Any) -> Iterator[Any]:
        return self.inner.read_outcomes(since)

    def check(self) -> list[Any]:
        return self.inner.check()


@pytest.fixture
def env(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[LocalCRM, Wrapped, Store]]:
    crm = LocalCRM(tmp_path / "crm.sqlite", clock=clock)
    crm.import_calls(make_calls(45))
    adapter = Wrapped(LocalAdapter(crm, Mapping.load("local"), page_size=10))
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield crm, adapter, store
    store.close()
    crm.close()


def pipeline(adapter: Adapter, store: Store, clock: FakeClock, **kw: Any) -> Pipeline:
    clock.advance(60)
    return Pipeline(
        name="t",
        adapter=adapter,
        store=store,
        mapping=adapter.mapping,
        ruleset=load_ruleset("bant"),
        clock=clock,
        batch_size=8,
        **kw,
    )


def task_keys(crm: LocalCRM) -> list[str]:
    return [t["qualicall_key"] for t in crm.all_tasks()]


def test_second_run_writes_nothing_and_an_edit_requalifies_exactly_that_call(
    env: Any, clock: FakeClock
) -> None:
    crm, adapter, store = env
    first = run_pipeline(pipeline(adapter, store, clock))
    assert first.status == "ok", first.message
    assert first.stats.calls_read == 45 and first.stats.decided == 45
    assert first.stats.calls_updated == 45 and first.stats.fields_written >= 45 * 4
    assert first.stats.tasks_created == len(task_keys(crm)) > 0
    row = crm.call_row("c0000")
    assert row["qualicall_status"] in ("qualified", "nurture", "disqualified", "unreached")
    assert row["qualicall_ruleset"].startswith("bant")

    second = run_pipeline(pipeline(adapter, store, clock))
    assert second.status == "ok"
    # our own writes bumped every call's modification sequence, so they are read again ... and skipped
    assert second.stats.calls_read == 45 and second.stats.unchanged == 45
    assert (second.stats.decided, second.stats.fields_written, second.stats.tasks_created) == (0, 0, 0)

    crm.edit_call("c0007", notes="Not interested at all, no need, please do not call again")
    third = run_pipeline(pipeline(adapter, store, clock))
    assert third.stats.calls_read == 1 and third.stats.decided == 1
    assert crm.call_row("c0007")["qualicall_status"] == "disqualified"
    assert crm.call_row("c0007")["qualicall_reason"] == "opted_out"
    assert third.stats.prospects_updated == 1, "the opt-out is written to the prospect's do-not-call field"
    # Our write bumped the call and set the prospect's do-not-call flag: neither is an input change.
    fourth = run_pipeline(pipeline(adapter, store, clock))
    assert (fourth.stats.calls_read, fourth.stats.unchanged, fourth.stats.decided) == (1, 1, 0)
    fifth = run_pipeline(pipeline(adapter, store, clock))
    assert fifth.stats.calls_read == 0


def test_crash_between_decision_and_write_then_restart_applies_each_write_once(
    env: Any, clock: FakeClock
) -> None:
    crm, adapter, store = env

    def crash(_: Any) -> Any:
        raise KeyboardInterrupt("killed")  # the process dies after the decisions were recorded

    adapter.on_update = crash
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(pipeline(adapter, store, clock))
    assert store.count_pending("t") > 0, "decisions and planned writes are durable before any CRM write"
    assert crm.all_tasks() == [] and crm.call_row("c0000")["qualicall_status"] is None
    assert store.get_cursor("t") is None
    store.release_lease("pipeline:t")  # the new process is another owner: simulate the lease expiring
    clock.advance(3600)

    adapter.on_update = None
    restarted = run_pipeline(pipeline(adapter, store, clock))
    assert restarted.status == "ok"
    assert store.count_pending("t") == 0
    keys = task_keys(crm)
    assert len(keys) == len(set(keys)) > 0
    assert all(crm.call_row(f"c{i:04d}")["qualicall_status"] for i in range(45))
    again = run_pipeline(pipeline(adapter, store, clock))
    assert again.stats.fields_written == 0 and again.stats.tasks_created == 0
    assert len(task_keys(crm)) == len(keys)


def test_lost_task_response_does_not_duplicate_tasks(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env

    def lost(tasks: Sequence[TaskCreate]) -> list[WriteOutcome]:
        adapter.inner.create_tasks(tasks)  # the CRM created them ...
        raise RetriableError("connection reset")  # ... but the response never arrived

    adapter.on_tasks = lost
    first = run_pipeline(pipeline(adapter, store, clock))
    assert first.status == "partial"
    cursor_after_failure = store.get_cursor("t")
    created = task_keys(crm)
    assert created
    adapter.on_tasks = None
    second = run_pipeline(pipeline(adapter, store, clock))
    assert second.status == "ok"
    assert store.get_cursor("t") != cursor_after_failure
    keys = task_keys(crm)
    assert len(keys) == len(set(keys))
    assert second.stats.tasks_existing == len(created)


def test_retriable_record_errors_hold_the_cursor_and_are_retried(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env
    failing = {"c0001"}

    def flaky(writes: Sequence[FieldWrite]) -> list[WriteOutcome]:
        good = [w for w in writes if w.record_id not in failing]
        done = {o.key: o for o in adapter.inner.apply_updates(good)}
        return [
            done.get(w.key)
            or WriteOutcome(w.key, False, error=RecordError("UNABLE_TO_LOCK_ROW", "locked", True))
            for w in writes
        ]

    adapter.on_update = flaky
    first = run_pipeline(pipeline(adapter, store, clock))
    assert first.status == "partial" and first.stats.pages == 1
    assert store.get_cursor("t") is None
    assert any(e["record_id"] == "c0001" for e in store.record_errors("t"))
    failing.clear()
    second = run_pipeline(pipeline(adapter, store, clock))
    assert second.status == "ok"
    assert crm.call_row("c0001")["qualicall_status"]
    assert store.count_pending("t") == 0


def test_permanent_record_error_is_parked_and_the_run_goes_on(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env

    def validation(writes: Sequence[FieldWrite]) -> list[WriteOutcome]:
        good = [w for w in writes if w.record_id != "c0004"]
        done = {o.key: o for o in adapter.inner.apply_updates(good)}
        return [
            done.get(w.key)
            or WriteOutcome(
                w.key, False, error=RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Rating required")
            )
            for w in writes
        ]

    adapter.on_update = validation
    result = run_pipeline(pipeline(adapter, store, clock))
    assert result.status == "ok" and result.stats.write_failures == 1
    assert store.outbox_counts("t")["parked"] == 1
    assert store.ledger_row("t", "c0004")["state"] == "failed"  # type: ignore[index]
    assert crm.call_row("c0005")["qualicall_status"]


def test_unmappable_record_is_reported_and_others_proceed(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env
    crm.edit_call("c0002", occurred_at="yesterday-ish")
    result = run_pipeline(pipeline(adapter, store, clock))
    assert result.status == "ok"
    assert result.stats.mapping_errors == 1 and result.stats.decided == 44
    [error] = store.record_errors("t")
    assert error["record_id"] == "c0002" and "call.occurred_at" in error["message"]


def test_dry_run_writes_nothing_and_records_no_decision(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env
    result = run_pipeline(pipeline(adapter, store, clock, dry_run=True))
    assert result.stats.decided == 45 and result.stats.planned_writes > 45
    assert adapter.update_calls == 0 and crm.all_tasks() == []
    assert store.get_cursor("t") is None and store.fingerprints("t", ["c0000"]) == {}


def test_budget_exhaustion_stops_cleanly_and_the_next_run_resumes(env: Any, clock: FakeClock) -> None:
    _crm, adapter, store = env

    def budget(n: int) -> None:
        if n == 2:
            raise BudgetExhaustedError("daily share used")

    adapter.on_page = budget
    first = run_pipeline(pipeline(adapter, store, clock))
    assert first.status == "stopped" and first.stats.pages == 2
    assert store.get_cursor("t") == {"seq": 20}
    adapter.on_page = None
    second = run_pipeline(pipeline(adapter, store, clock))
    assert second.status == "ok" and second.stats.decided == 25


def test_a_pipeline_held_by_another_runner_is_not_run_twice(env: Any, clock: FakeClock) -> None:
    _, adapter, store = env
    other = Store(store.engine)
    other.owner = "other-host:42"
    assert other.acquire_lease("pipeline:t", clock(), timedelta(minutes=10))
    result = run_pipeline(pipeline(adapter, store, clock))
    assert result.status == "busy" and result.stats.calls_read == 0


def test_two_opt_outs_of_one_prospect_in_a_page_write_the_flag_once(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env
    calls = make_calls(2, prefix="dnc")
    shared = calls[0].prospect.model_copy(update={"id": "p-shared"})  # type: ignore[union-attr]
    note = "Ne me rappelez plus jamais, retirez-moi de votre liste."
    crm.import_calls(
        c.model_copy(update={"notes": note, "prospect": shared, "outcome": Outcome.connected}) for c in calls
    )
    result = run_pipeline(pipeline(adapter, store, clock))
    assert result.status == "ok", result.message
    assert result.stats.prospects_updated == 1
    assert (
        crm.call_row("dnc0000")["qualicall_reason"]
        == crm.call_row("dnc0001")["qualicall_reason"]
        == "opted_out"
    )


def test_outcomes_are_read_incrementally(env: Any, clock: FakeClock) -> None:
    crm, adapter, store = env
    crm.import_outcomes(
        [
            {
                "kind": "meeting",
                "id": "m1",
                "occurred_at": "2026-11-20T10:00:00+00:00",
                "prospect_id": "p1",
                "company_id": None,
                "outcome": "COMPLETED",
            }
        ]
    )
    first = run_pipeline(pipeline(adapter, store, clock))
    assert first.stats.outcomes_read == 1
    assert store.get_cursor("t:outcomes") == {"read_at": first.started_at.isoformat()}  # type: ignore[union-attr]
    clock.advance(86400 * 90)
    second = run_pipeline(pipeline(adapter, store, clock))
    assert second.stats.outcomes_read == 1, "read again: within the overlap before the last read"
    third = run_pipeline(pipeline(adapter, store, clock))
    assert third.stats.outcomes_read == 0, (
        "a meeting older than the last read minus the overlap is not read again"
    )
