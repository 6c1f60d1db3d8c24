"""The adapter contract (adapters/base.py), the same suite for every adapter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from adapters.base import FieldWrite, TaskCreate
from connector.model import Call, Company, Prospect
from connector.values import same_value
from tests.contract.harness import CRMHarness

T0 = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)


def make_calls(n: int, prefix: str = "c") -> list[Call]:
    return [
        Call(
            id=f"{prefix}{i:03d}",
            occurred_at=T0 + timedelta(minutes=i),
            outcome="connected" if i % 3 else "no_answer",
            duration_s=60 + i,
            owner="Camille Martin",
            notes=f"Appel {i}: besoin confirmé, démo mardi 14h avec le DAF",
            prospect=Prospect(
                id=f"p{i % 5}", name=f"Prospect {i % 5}", phone="+33 6 12 34 56 7" + str(i % 10), country="FR"
            ),
            company=Company(
                id=f"co{i % 4}", name=f"Société {i % 4}", employees=120, country="FR", industry="Software"
            ),
        )
        for i in range(n)
    ]


def read_all(h: CRMHarness, cursor: dict | None = None) -> tuple[list, dict | None]:  # type: ignore[type-arg]
    records = []
    for page in h.adapter.iter_pages(cursor):
        records.extend(page.records)
        cursor = page.cursor
    return records, cursor


def test_reads_every_call_once_in_order_and_maps_it(harness: CRMHarness) -> None:
    ids = harness.seed(make_calls(23))
    records, cursor = read_all(harness)
    assert sorted(r.id for r in records) == sorted(ids)
    keys = [(r.modified_at, r.id) for r in records]
    assert keys == sorted(keys)
    for record in records:
        call = harness.adapter.mapping.to_call(record)
        assert call.notes.startswith("Appel ")
        assert call.prospect is not None and call.prospect.name
        assert call.company is not None and call.company.employees == 120
    again, _ = read_all(harness, cursor)
    assert again == []


def test_changed_and_deleted_calls_come_back_after_the_cursor(harness: CRMHarness) -> None:
    ids = harness.seed(make_calls(10))
    _, cursor = read_all(harness)
    harness.edit_notes(ids[3], "rappeler dans 3 mois")
    harness.delete(ids[5])
    records, _ = read_all(harness, cursor)
    by_id = {r.id: r for r in records}
    assert set(by_id) == {ids[3], ids[5]}
    assert by_id[ids[5]].deleted and not by_id[ids[3]].deleted
    assert harness.adapter.mapping.to_call(by_id[ids[3]]).notes == "rappeler dans 3 mois"


def test_written_values_read_back_equal_so_nothing_is_rewritten(harness: CRMHarness) -> None:
    ids = harness.seed(make_calls(5))
    out = harness.adapter.mapping.output
    values = {
        out["score"]: 72.5,
        out["status"]: "qualified",
        out["reason"]: "",
        out["next_step"]: "demo",
        out["explanation"]: "Besoin, budget et décideur confirmés ; démo mardi.",
        out["ruleset"]: "bant-1a2b3c4d",
        out["qualified_at"]: datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    }
    writes = [FieldWrite(key=f"w{i}", record_id=cid, fields=values) for i, cid in enumerate(ids)]
    outcomes = harness.adapter.apply_updates(writes)
    assert [o.key for o in outcomes] == [w.key for w in writes]
    assert all(o.ok for o in outcomes), outcomes
    records, _ = read_all(harness)
    assert {r.id for r in records} == set(ids)
    for record in records:
        for name, value in values.items():
            assert same_value(record.fields.get(name), value), (record.id, name, record.fields.get(name))


def test_a_bad_record_does_not_block_the_others(harness: CRMHarness) -> None:
    ids = harness.seed(make_calls(4))
    status = harness.adapter.mapping.output["status"]
    writes = [FieldWrite(key=f"w{i}", record_id=cid, fields={status: "nurture"}) for i, cid in enumerate(ids)]
    writes.insert(2, FieldWrite(key="bad", record_id="does-not-exist-000", fields={status: "nurture"}))
    outcomes = harness.adapter.apply_updates(writes)
    assert [o.key for o in outcomes] == [w.key for w in writes]
    assert [o.ok for o in outcomes] == [True, True, False, True, True]
    assert outcomes[2].error is not None and outcomes[2].error.message
    for cid in ids:
        assert same_value(harness.call_fields(cid).get(status), "nurture")


def test_tasks_are_created_exactly_once_per_key(harness: CRMHarness) -> None:
    ids = harness.seed(make_calls(3))
    records, _ = read_all(harness)
    assoc = {r.id: r.associations for r in records}
    tasks = [
        TaskCreate(
            key=f"qc-{cid}-callback",
            subject="Rappeler",
            body="Rappel convenu",
            due_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
            owner=None,
            associations=assoc[cid],
        )
        for cid in ids
    ]
    first = harness.adapter.create_tasks(tasks)
    assert all(o.ok and o.created and o.crm_id for o in first)
    # the same keys again, as after a lost response (attempt=1), plus a new one
    retry = [replace(t, attempt=1) for t in tasks[:2]]
    new = TaskCreate(key="qc-new", subject="x", body="", due_at=datetime(2026, 12, 2, tzinfo=UTC))
    second = harness.adapter.create_tasks([*retry, new])
    assert [o.created for o in second] == [False, False, True]
    assert [o.crm_id for o in second[:2]] == [o.crm_id for o in first[:2]]
    key_field = harness.adapter.mapping.task["key"]
    keys = [t[key_field] for t in harness.tasks()]
    assert sorted(keys) == sorted({*(t.key for t in tasks), "qc-new"})


def test_check_passes_on_a_healthy_crm(harness: CRMHarness) -> None:
    items = harness.adapter.check()
    assert items and all(i.ok for i in items), [i for i in items if not i.ok]
