"""Writing back: batched updates, 207 per record, no rewrite after our own write, exactly-once tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.base import FieldWrite, TaskCreate
from connector.values import same_value
from tests.contract.harness_hubspot import make_harness
from tests.hubspot.factory import make_calls

OUTPUTS = {
    "qualicall_score": 72.5,
    "qualicall_status": "qualified",
    "qualicall_reason": "",
    "qualicall_next_step": "demo",
    "qualicall_explanation": "budget: met\nneed: met",
    "qualicall_ruleset": "default@3",
    "qualicall_qualified_at": datetime(2026, 11, 26, 9, 30, 15, 123000, tzinfo=UTC),
}


def _task(key: str, contact: str, company: str, attempt: int = 0) -> TaskCreate:
    return TaskCreate(
        key=key,
        subject="Book the demo",
        body="Follow up",
        due_at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        owner="77",
        associations={"contact": (contact,), "company": (company,), "call": ("1",)},
        attempt=attempt,
    )


def test_no_rewrite_after_our_own_write_bumps_the_modified_date(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        crm_ids = h.seed(make_calls(3))
        first = [p for p in h.adapter.iter_pages(None)]
        writes = [FieldWrite(key=f"w{i}", record_id=i, fields=OUTPUTS) for i in crm_ids]
        outcomes = h.adapter.apply_updates(writes)
        assert all(o.ok for o in outcomes)
        again = [r for p in h.adapter.iter_pages(first[-1].cursor) for r in p.records]
        # our write bumped hs_lastmodifieddate, so HubSpot hands the calls back ...
        assert sorted(r.id for r in again) == sorted(crm_ids)
        # ... with exactly the values written: the pipeline's diff is empty, nothing is rewritten
        for record in again:
            changed = {k: v for k, v in OUTPUTS.items() if not same_value(record.fields.get(k), v)}
            assert changed == {}, changed
        assert h.call_fields(crm_ids[0])["qualicall_score"] == "72.5"
        assert h.call_fields(crm_ids[0])["qualicall_qualified_at"] == "2026-11-26T09:30:15.123Z"


def test_updates_are_batched_by_100_and_keep_input_order(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        crm_ids = h.seed(make_calls(150))
        writes = [
            FieldWrite(key=f"w{i}", record_id=i, fields={"qualicall_score": 10}) for i in reversed(crm_ids)
        ]
        outcomes = h.adapter.apply_updates(writes)
        assert [o.key for o in outcomes] == [w.key for w in writes]
        assert all(o.ok for o in outcomes)
        assert h.fake.requests["batch_update:calls"] == 2


def test_207_partial_failures_are_returned_per_record(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        a, b, c, d = h.seed(make_calls(4))
        h.fake.fail_ids = {int(b): "RATE_LIMITS", int(c): "VALIDATION_ERROR"}
        writes = [
            FieldWrite(key=k, record_id=k, fields={"qualicall_status": "nurture"}) for k in (a, b, c, d)
        ]
        outcomes = h.adapter.apply_updates(writes)
        assert [o.ok for o in outcomes] == [True, False, False, True]
        assert outcomes[1].error is not None and outcomes[1].error.retriable
        assert outcomes[2].error is not None and not outcomes[2].error.retriable
        assert "nurture" not in outcomes[2].error.message  # HubSpot's text may quote values: not kept
        assert outcomes[2].error.code == "VALIDATION_ERROR"
        assert h.call_fields(a)["qualicall_status"] == "nurture"
        assert h.call_fields(b).get("qualicall_status") is None
        # the retriable one succeeds on a later run
        h.fake.fail_ids = {}
        assert h.adapter.apply_updates([writes[1]])[0].ok


def test_a_bad_record_refusing_the_whole_batch_is_isolated(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        crm_ids = h.seed(make_calls(6))
        writes = [FieldWrite(key=i, record_id=i, fields={"qualicall_status": "qualified"}) for i in crm_ids]
        writes[3] = FieldWrite(key="bad", record_id=crm_ids[3], fields={"qualicall_status": "not-an-option"})
        outcomes = h.adapter.apply_updates(writes)
        assert [o.ok for o in outcomes] == [True, True, True, False, True, True]
        assert outcomes[3].error is not None and outcomes[3].error.code == "HTTP_400"
        assert "not-an-option" not in outcomes[3].error.message  # no response body in messages


def test_prospect_writes_go_to_contacts(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact = record.associations["contact"][0]
        out = h.adapter.apply_updates(
            [
                FieldWrite(
                    key="dnc", record_id=contact, fields={"qualicall_do_not_call": True}, target="prospect"
                )
            ]
        )
        assert out[0].ok
        assert h.fake.objects["contacts"][int(contact)]["properties"]["qualicall_do_not_call"] == "true"


def test_tasks_are_created_with_associations_and_key(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact, company = record.associations["contact"][0], record.associations["company"][0]
        out = h.adapter.create_tasks([_task("k1", contact, company)])
        assert out[0].ok and out[0].created and out[0].crm_id
        task_id = int(out[0].crm_id)
        props = h.fake.objects["tasks"][task_id]["properties"]
        assert props["qualicall_key"] == "k1"
        assert props["hs_task_type"] == "CALL" and props["hubspot_owner_id"] == "77"
        assert props["hs_timestamp"] == "2026-11-27T09:00:00.000Z"
        assert h.fake.assoc[("tasks", task_id, "contacts")] == [(int(contact), 204)]
        assert h.fake.assoc[("tasks", task_id, "companies")] == [(int(company), 192)]
        # the same key again: not created twice, the existing id is returned
        again = h.adapter.create_tasks([_task("k1", contact, company, attempt=1)])
        assert again[0].ok and not again[0].created and again[0].crm_id == out[0].crm_id
        assert h.fake.tasks_by_key()["k1"] == 1


def test_a_lost_create_response_does_not_duplicate_the_task(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact, company = record.associations["contact"][0], record.associations["company"][0]
        h.fake.lose_next.append("batch_create:tasks")  # created, then the connection drops
        tasks = [_task(f"k{i}", contact, company) for i in range(3)]
        out = h.adapter.create_tasks(tasks)
        assert all(o.ok for o in out)
        assert h.fake.faults["lost"] == 1
        assert h.fake.tasks_by_key() == {"k0": 1, "k1": 1, "k2": 1}
        assert [o.created for o in out] == [False, False, False]  # found by key on the retry
        # a later run retrying the same keys (attempt > 0) finds them too
        out2 = h.adapter.create_tasks(
            [_task("k1", contact, company, attempt=2), _task("k9", contact, company, 1)]
        )
        assert [(o.ok, o.created) for o in out2] == [(True, False), (True, True)]
        assert h.fake.tasks_by_key() == {"k0": 1, "k1": 1, "k2": 1, "k9": 1}


def test_lookup_falls_back_to_search_when_the_key_is_not_unique(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.fake.properties["tasks"]["qualicall_key"]["hasUniqueValue"] = False
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact, company = record.associations["contact"][0], record.associations["company"][0]
        h.fake.lose_next.append("batch_create:tasks")
        out = h.adapter.create_tasks([_task("k1", contact, company)])
        assert out[0].ok
        assert h.fake.tasks_by_key() == {"k1": 1}
        assert h.fake.requests["search:tasks"] >= 1


def test_an_existing_key_sent_without_attempt_is_reconciled_not_duplicated(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact, company = record.associations["contact"][0], record.associations["company"][0]
        first = h.adapter.create_tasks([_task("k1", contact, company)])
        # the same key again with attempt=0 (e.g. a re-planned task): HubSpot refuses the duplicate
        # unique value (409); the adapter looks the keys up and creates only the new one
        out = h.adapter.create_tasks([_task("k1", contact, company), _task("k2", contact, company)])
        assert [(o.ok, o.created) for o in out] == [(True, False), (True, True)]
        assert out[0].crm_id == first[0].crm_id
        assert h.fake.tasks_by_key() == {"k1": 1, "k2": 1}


def test_a_bad_task_is_isolated_from_its_batch(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact, company = record.associations["contact"][0], record.associations["company"][0]
        tasks = [_task(f"k{i}", contact, company) for i in range(4)]
        tasks[2] = _task("k2", "999999", company)  # associated to a contact that does not exist
        h.fake.reject_missing_associations = True
        out = h.adapter.create_tasks(tasks)
        assert [o.ok for o in out] == [True, True, False, True]
        assert out[2].error is not None and not out[2].error.retriable
        assert h.fake.tasks_by_key() == {"k0": 1, "k1": 1, "k3": 1}
