"""Writing: collection updates with per-record results, upsert-once follow-ups, lost responses,
no re-write after our own write bumps SystemModstamp."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.base import FieldWrite, TaskCreate
from adapters.salesforce import SalesforceAdapter
from connector.values import same_value
from tests.contract.harness_salesforce import make_adapter
from tests.contract.test_adapter_contract import make_calls
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.seed import Seeder
from tests.salesforce.test_reading import read

DUE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def outputs(adapter: SalesforceAdapter, **override: Any) -> dict[str, Any]:
    out = adapter.mapping.output
    values = {
        out["score"]: 72.5,
        out["status"]: "qualified",
        out["reason"]: "",
        out["next_step"]: "demo",
        out["explanation"]: "Besoin, budget et décideur confirmés ; démo mardi.",
        out["ruleset"]: "bant-1a2b3c4d",
        out["qualified_at"]: datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    }
    values.update(override)
    return values


def test_a_validation_error_on_one_record_does_not_block_the_other_199(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(200))
    victim = ids[117]
    fake.org.validation = lambda sobject, rec: "Score needs a reason" if rec["Id"] == victim else None
    writes = [FieldWrite(key=f"w{i}", record_id=cid, fields=outputs(adapter)) for i, cid in enumerate(ids)]
    outcomes = adapter.apply_updates(writes)
    assert fake.org.requests["composite/sobjects"] == 1 and fake.org.max_collection == 200
    assert [o.key for o in outcomes] == [w.key for w in writes]
    failed = [o for o in outcomes if not o.ok]
    assert [o.key for o in failed] == ["w117"]
    error = failed[0].error
    assert error is not None and error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION" and not error.retriable
    assert "Score needs a reason" in error.message
    status = adapter.mapping.output["status"]
    assert sum(r.get(status) == "qualified" for r in fake.org.records["Task"].values()) == 199


def test_record_errors_are_classified_and_never_echo_the_value(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(3))
    out = adapter.mapping.output
    secret_text = "confidential-" + "x" * 90
    writes = [
        FieldWrite("long", ids[0], {out["next_step"]: secret_text}),
        FieldWrite("pick", ids[1], {out["status"]: "maybe"}),
        FieldWrite("ok", ids[2], {out["status"]: "nurture"}),
    ]
    fake.org.faults.script("lock", lambda method, path: method == "PATCH")
    outcomes = {o.key: o for o in adapter.apply_updates(writes)}
    codes = {k: (o.error.code, o.error.retriable) if o.error else None for k, o in outcomes.items()}
    locked = [k for k, v in codes.items() if v == ("UNABLE_TO_LOCK_ROW", True)]
    assert len(locked) == 1  # the injected lock hit one record, whichever it was; it is retriable
    if "long" not in locked:
        assert codes["long"] == ("STRING_TOO_LONG", False)
        assert "confidential" not in outcomes["long"].error.message  # type: ignore[union-attr]
    if "pick" not in locked:
        assert codes["pick"] == ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", False)


def test_bad_ids_are_refused_locally_without_a_request(
    adapter: SalesforceAdapter, fake: FakeSalesforce
) -> None:
    outcomes = adapter.apply_updates(
        [FieldWrite("a", "does-not-exist-000", {"Qualicall_Status__c": "nurture"})]
    )
    assert not outcomes[0].ok and outcomes[0].error is not None and outcomes[0].error.code == "MALFORMED_ID"
    assert fake.org.requests["composite/sobjects"] == 0


def test_prospect_writes_go_to_the_lead_or_contact(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    calls = make_calls(2)
    seeder.calls([calls[0], calls[1].model_copy(update={"company": None})])
    contact, lead = seeder.people["p0"], seeder.people["p1"]
    writes = [
        FieldWrite(f"dnc{i}", pid, {"DoNotCall": True}, target="prospect")
        for i, pid in enumerate([contact, lead])
    ]
    assert all(o.ok for o in adapter.apply_updates(writes))
    assert fake.org.records["Contact"][contact]["DoNotCall"] and fake.org.records["Lead"][lead]["DoNotCall"]


def test_our_own_write_bumps_system_modstamp_but_reads_back_unchanged(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(4))
    _, cursor = read(adapter)
    values = outputs(adapter)
    assert all(
        o.ok for o in adapter.apply_updates([FieldWrite(f"w{i}", c, values) for i, c in enumerate(ids)])
    )
    records, _ = read(adapter, cursor)
    assert {r.id for r in records} == set(ids)  # the CRM reports them changed...
    for record in records:  # ...but every output equals what we wrote, so the pipeline plans no write
        assert all(same_value(record.fields.get(k), v) for k, v in values.items()), record.fields


def test_tasks_carry_who_what_owner_and_due_date(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    seeder.calls(make_calls(1))
    (record,), _ = read(adapter)
    owner = str(record.fields["OwnerId"])
    task = TaskCreate(
        "qc-1",
        "Rappeler",
        "Rappel convenu",
        DUE,
        priority="high",
        owner=owner,
        associations=record.associations,
    )
    (outcome,) = adapter.create_tasks([task])
    stored = fake.org.records["Task"][outcome.crm_id or ""]
    assert stored["WhoId"] == record.associations["contact"][0]
    assert stored["WhatId"] == record.associations["account"][0]
    assert (stored["OwnerId"], stored["Priority"], stored["ActivityDate"].isoformat()) == (
        owner,
        "High",
        "2026-12-01",
    )
    assert stored["Qualicall_Key__c"] == "qc-1" and stored.get("TaskSubtype") != "Call"


def test_a_lost_upsert_response_does_not_duplicate_a_task(
    adapter: SalesforceAdapter, fake: FakeSalesforce, sleeps: list[float]
) -> None:
    fake.org.faults.script("lost", lambda method, path: "composite/sobjects/Task" in path)
    tasks = [TaskCreate(f"qc-{i}", "Rappeler", "", DUE) for i in range(150)]
    outcomes = adapter.create_tasks(tasks)
    assert all(o.ok for o in outcomes)
    assert fake.org.faults.injected["lost"] == 1 and fake.org.requests["composite/sobjects/upsert"] == 2
    assert len(sleeps) == 1  # one backoff, injected: nothing really slept
    keys = [r["Qualicall_Key__c"] for r in fake.org.records["Task"].values()]
    assert sorted(keys) == sorted(t.key for t in tasks)
    # the retry re-sent the batch: Salesforce matched the keys and created nothing more
    assert sum(o.created for o in outcomes) == 0


def test_a_lost_response_across_runs_is_settled_by_key(fake: FakeSalesforce) -> None:
    one_shot = make_adapter(fake, max_attempts=1)
    fake.org.faults.script("lost", lambda method, path: "composite/sobjects/Task" in path)
    tasks = [TaskCreate(f"qc-{i}", "Rappeler", "", DUE) for i in range(3)]
    try:
        one_shot.create_tasks(tasks)
        raise AssertionError("expected a retriable error")
    except Exception as exc:  # the run ends; the outbox keeps the tasks pending
        assert type(exc).__name__ == "RetriableError"
    retry = [TaskCreate(t.key, t.subject, t.body, t.due_at, attempt=1) for t in tasks]
    outcomes = one_shot.create_tasks(retry)
    assert [(o.ok, o.created) for o in outcomes] == [(True, False)] * 3
    assert fake.org.requests["composite/sobjects/upsert"] == 1  # found by key: nothing re-sent
    assert len(fake.org.records["Task"]) == 3


def test_two_writes_to_one_record_go_in_successive_requests_in_order(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(3))
    status = adapter.mapping.output["status"]
    writes = [
        FieldWrite("a", ids[0], {status: "nurture"}),
        FieldWrite("b", ids[1], {status: "nurture"}),
        FieldWrite("c", ids[0], {status: "qualified"}),
    ]
    assert all(o.ok for o in adapter.apply_updates(writes))
    assert fake.org.requests["composite/sobjects"] == 2
    assert fake.org.records["Task"][ids[0]][status] == "qualified"
