"""The real pipeline (connector/pipeline.py) on the fake Salesforce: a second run writes nothing, an
edited call is written once, and injected faults lose or duplicate nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from adapters.salesforce import SalesforceAdapter
from connector.pipeline import Pipeline, RunResult, run_pipeline
from connector.rules import load_ruleset
from connector.store import Store, open_store
from tests.contract.harness_salesforce import make_adapter
from tests.factories import make_calls
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.seed import Seeder

WRITES = ("composite/sobjects", "composite/sobjects/upsert")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield s
    s.close()


def run(adapter: SalesforceAdapter, store: Store) -> RunResult:
    clock = adapter.clock

    def now() -> datetime:
        return clock()

    pipeline = Pipeline(
        name="sf",
        adapter=adapter,
        store=store,
        mapping=adapter.mapping,
        ruleset=load_ruleset("bant"),
        clock=now,
        batch_size=200,
    )
    return run_pipeline(pipeline)


def test_second_run_writes_nothing_and_an_edit_is_written_once(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder, store: Store
) -> None:
    ids = seeder.calls(make_calls(60))
    first = run(adapter, store)
    assert first.status == "ok", first.message
    assert first.stats.decided == 60 and first.stats.calls_updated == 60
    writes_after_first = sum(fake.org.requests[w] for w in WRITES)
    tasks_after_first = len(fake.org.records["Task"])
    second = run(adapter, store)
    assert second.status == "ok" and second.stats.decided == 0
    assert second.stats.calls_read == 60 and second.stats.unchanged == 60  # our writes bumped SystemModstamp
    assert sum(fake.org.requests[w] for w in WRITES) == writes_after_first
    third = run(adapter, store)
    assert third.stats.calls_read == 0  # the cursor moved past our own writes
    with fake.org.lock:
        fake.org.update("Task", ids[4], {"Description": "Not interested, we have no need for this"})
    fourth = run(adapter, store)
    assert fourth.stats.decided == 1 and fourth.stats.calls_updated == 1
    assert len(fake.org.records["Task"]) == tasks_after_first + fourth.stats.tasks_created


def test_faults_lose_and_duplicate_nothing(fake: FakeSalesforce, seeder: Seeder, store: Store) -> None:
    ids = seeder.calls(make_calls(300))
    fake.org.faults.rate = 0.2
    adapter = make_adapter(fake)
    results = [run(adapter, store) for _ in range(6)]
    assert results[-1].status == "ok", [r.message for r in results]
    assert sum(fake.org.faults.injected.values()) > 0
    status = adapter.mapping.output["status"]
    assert all(fake.org.records["Task"][cid].get(status) for cid in ids)
    keys = [r["Qualicall_Key__c"] for r in fake.org.records["Task"].values() if r.get("Qualicall_Key__c")]
    assert keys and len(keys) == len(set(keys))
    assert store.count_pending("sf") == 0


def test_the_config_wiring_builds_and_runs_a_salesforce_pipeline(
    fake: FakeSalesforce, seeder: Seeder, tmp_path: Path
) -> None:
    from datetime import timedelta

    from connector import app as wiring
    from connector.config import load_settings

    seeder.calls(make_calls(12))
    config = tmp_path / "q.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///state.sqlite"\n'
        '[pipelines.sf]\ncrm = "salesforce"\n'
        "[pipelines.sf.connection]\n"
        'username_env = "SF_USER"\npassword_env = "SF_PASSWORD"\nsecurity_token_env = "SF_TOKEN"\n'
        f'login_url = "{fake.base_url}"\nca_file = "{fake.ca_file}"\ndaily_share = 0.8\n'
        "[pipelines.sf.mapping]\n"
        'call = { outcome = { field = "CallDisposition", values = { Connected = "connected" }, '
        'default = "no_answer" } }\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    env = {"SF_USER": "qualicall@example.com", "SF_PASSWORD": "s3cret", "SF_TOKEN": "TOKEN"}
    state = wiring.open_state(settings, env)
    try:
        pipeline = wiring.make_pipeline(
            "sf",
            settings,
            state,
            env=env,
            clock=lambda: fake.org.now + timedelta(hours=1),
            sleep=lambda s: None,
        )
        result = run_pipeline(pipeline)
    finally:
        state.close()
    assert result.status == "ok", result.message
    assert result.stats.decided == 12
    assert sum(r.get("Qualicall_Status__c") is not None for r in fake.org.records["Task"].values()) == 12
