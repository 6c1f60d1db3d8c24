"""Reading calls: incremental window, paging, deletions, TYPEOF Who / Account, hostile values in SOQL."""

from __future__ import annotations

from typing import Any

from adapters.base import SourceRecord
from adapters.salesforce import SalesforceAdapter
from adapters.salesforce._soql import keys_query
from tests.contract.test_adapter_contract import make_calls
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.seed import Seeder
from tests.fakes.salesforce.soql import InList, parse


def read(adapter: SalesforceAdapter, cursor: dict[str, Any] | None = None) -> tuple[list[SourceRecord], Any]:
    records: list[SourceRecord] = []
    for page in adapter.iter_pages(cursor):
        records.extend(page.records)
        cursor = page.cursor
    return records, cursor


def test_pages_follow_next_records_url_at_the_batch_size(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(450))
    pages = list(adapter.iter_pages(None))
    assert [len(p.records) for p in pages] == [200, 200, 50]
    assert [r.id for p in pages for r in p.records] == ids
    assert fake.org.requests["queryAll"] == 1 and fake.org.requests["query-more"] == 2
    assert pages[0].cursor == {"modstamp": pages[0].records[-1].fields["SystemModstamp"], "id": ids[199]}


def test_resuming_from_a_page_cursor_reads_only_what_follows(
    adapter: SalesforceAdapter, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(250))
    first = next(iter(adapter.iter_pages(None)))
    rest, _ = read(adapter, first.cursor)
    assert [r.id for r in rest] == ids[200:]


def test_ties_on_system_modstamp_are_broken_by_id(adapter: SalesforceAdapter, fake: FakeSalesforce) -> None:
    seeder = Seeder(fake.org)
    ids = seeder.calls(make_calls(5))
    with fake.org.lock:  # a bulk load: every call changed in the same second
        same = fake.org.now
        for cid in ids:
            fake.org.records["Task"][cid]["SystemModstamp"] = same
    _, cursor = read(adapter, None)
    records, _ = read(adapter, {"modstamp": same.isoformat(), "id": ids[2]})
    assert [r.id for r in records] == ids[3:]
    assert cursor["id"] == ids[-1]


def test_deleted_calls_come_back_flagged_through_query_all(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(6))
    _, cursor = read(adapter)
    with fake.org.lock:
        fake.org.delete(ids[1])
    records, _ = read(adapter, cursor)
    assert [(r.id, r.deleted) for r in records] == [(ids[1], True)]
    assert fake.org.requests["queryAll"] == 2 and fake.org.requests["query"] == 0


def test_who_and_account_fields_arrive_as_prospect_and_company(
    adapter: SalesforceAdapter, seeder: Seeder
) -> None:
    calls = make_calls(2)
    lead_call = calls[1].model_copy(update={"company": None, "id": "lead-call"})
    ids = seeder.calls([calls[0], lead_call])
    with seeder.org.lock:
        seeder.org.update("Lead", seeder.people["p1"], {"Company": "Acme SAS", "NumberOfEmployees": 40})
    records, _ = read(adapter)
    contact, lead = records
    assert contact.associations.keys() == {"contact", "account"}
    assert lead.associations.keys() == {"lead"}
    call = adapter.mapping.to_call(contact)
    assert call.prospect is not None and call.prospect.name == "Prospect 0" and call.prospect.country == "FR"
    assert call.company is not None and call.company.employees == 120 and call.company.name == "Société 0"
    assert call.outcome.value == "no_answer" and call.duration_s == 60
    lead_canonical = adapter.mapping.to_call(lead)
    assert lead_canonical.prospect is not None and lead_canonical.prospect.name == "Prospect 1"
    # a Lead has no Account: its own company fields stand in for it
    assert lead_canonical.company is not None
    assert (lead_canonical.company.name, lead_canonical.company.employees) == ("Acme SAS", 40)
    assert lead.id == ids[1]


def test_only_mapped_fields_are_selected_and_follow_ups_are_excluded(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    seeder.calls(make_calls(2))
    with fake.org.lock:  # one of our follow-ups, logged as a call by a rep's automation
        fake.org.insert("Task", {"Subject": "x", "TaskSubtype": "Call", "Qualicall_Key__c": "qc-1"})
    records, _ = read(adapter)
    assert len(records) == 2
    assert "Subject" not in records[0].fields and "Description" in records[0].fields


HOSTILE = ["x' OR Id != null OR Id = 'y", "back\\slash' OR Name != null", "quote\" and 'single'", "new\nline"]


def test_hostile_task_keys_stay_literals(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    from datetime import UTC, datetime

    from adapters.base import TaskCreate

    seeder.calls(make_calls(3))
    due = datetime(2026, 12, 1, tzinfo=UTC)
    first = adapter.create_tasks(
        [TaskCreate(key=f"k{i}", subject="s", body="", due_at=due) for i in range(3)]
    )
    assert all(o.created for o in first)
    # retries look keys up by SOQL first: an injected key would match the existing tasks
    hostile = [TaskCreate(key=k, subject="s", body="", due_at=due, attempt=1) for k in HOSTILE]
    outcomes = adapter.create_tasks(hostile)
    assert [o.created for o in outcomes] == [True] * len(HOSTILE)
    again = adapter.create_tasks(hostile)
    assert [o.created for o in again] == [False] * len(HOSTILE)
    assert [o.crm_id for o in again] == [o.crm_id for o in outcomes]
    keys = {r.get("Qualicall_Key__c") for r in fake.org.records["Task"].values()} - {None}
    assert keys == {"k0", "k1", "k2", *HOSTILE}


def test_hostile_cursor_id_stays_a_literal(adapter: SalesforceAdapter, seeder: Seeder) -> None:
    ids = seeder.calls(make_calls(3))
    records, _ = read(adapter)
    stamp = records[0].fields["SystemModstamp"]
    # as a literal, no id is greater than "zzz...", so only later modstamps come back; an injected
    # `OR Id != null` would bring back every call, ids[0] included
    injected, _ = read(adapter, {"modstamp": stamp, "id": "zzz' OR Id != null OR Id = '"})
    assert [r.id for r in injected] == ids[1:]


def test_quoted_values_parse_back_to_the_same_strings() -> None:
    query = parse(keys_query("Qualicall_Key__c", HOSTILE))
    assert isinstance(query.where, InList)
    assert query.where.values == HOSTILE


def test_an_expired_query_locator_is_queried_again_from_the_last_page(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(500))
    seen: list[str] = []
    for n, page in enumerate(adapter.iter_pages(None)):
        seen.extend(r.id for r in page.records)
        if n == 0:
            fake.cursors.clear()  # the locator expires while the pipeline works on page one
    assert seen == ids
    assert fake.org.requests["queryAll"] == 2
