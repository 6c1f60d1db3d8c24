"""Bulk API 2.0 backfill: a first sync above `bulk_threshold` reads the window with one queryAll job."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.base import Page, SourceRecord
from adapters.salesforce import SalesforceAdapter, _bulk
from connector.errors import FatalError
from tests.contract.harness_salesforce import make_adapter
from tests.contract.test_adapter_contract import make_calls
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.seed import Seeder

BULK = ("jobs/query", "jobs/query/status", "jobs/query/results")


def seed_mix(seeder: Seeder) -> list[str]:
    """Calls on Contacts with an Account, and calls on Leads (no Account, company on the Lead)."""
    with_account = make_calls(30)
    leads = [
        c.model_copy(
            update={"company": None, "prospect": c.prospect.model_copy(update={"id": f"lead{i % 7}"})}
        )
        for i, c in enumerate(make_calls(25, prefix="l"))
        if c.prospect is not None
    ]
    return seeder.calls([*with_account, *leads])


def pages_of(adapter: SalesforceAdapter, cursor: dict[str, Any] | None = None) -> list[Page]:
    try:
        return list(adapter.iter_pages(cursor))
    finally:
        adapter.close()


def by_id(pages: list[Page]) -> dict[str, SourceRecord]:
    records = [r for p in pages for r in p.records]
    assert len(records) == len({r.id for r in records}), "a call was yielded twice"
    return {r.id: r for r in records}


def test_a_large_first_sync_reads_through_one_bulk_job_with_the_same_records(
    fake: FakeSalesforce, seeder: Seeder, sleeps: list[float]
) -> None:
    ids = seed_mix(seeder)
    with fake.org.lock:
        fake.org.delete(ids[3])
        fake.org.delete(ids[40])
    rest = by_id(pages_of(make_adapter(fake, bulk_threshold=1_000_000)))
    assert all(fake.org.requests[label] == 0 for label in BULK)

    fake.org.requests.clear()
    bulk_adapter = make_adapter(fake, sleeps, bulk_threshold=20)
    bulk_adapter.bulk_page_rows = 25  # several results pages (Sforce-Locator)
    pages = pages_of(bulk_adapter)
    bulk = by_id(pages)

    assert fake.org.requests["jobs/query"] == 1
    assert fake.org.requests["jobs/query/status"] == 2  # InProgress once, then JobComplete
    assert fake.org.requests["jobs/query/results"] == 3  # 55 rows by 25
    assert fake.org.requests["query-more"] == 0
    # Who lookups: one composite request per results page (its Lead and Contact queries), no REST query;
    # no Account lookup at all (the job selects Account.<field> columns)
    assert fake.org.requests["query"] == 0
    assert fake.org.requests["composite"] == 3
    assert fake.org.subrequests == {"query": 4}  # page 1: Contacts; 2: Contacts + Leads; 3: Leads
    assert fake.org.requests["describe"] == 2  # Task and Account column types
    assert sleeps == [0.5]  # polled with the injected sleep
    assert set(bulk) == set(rest) == set(ids)
    assert bulk == rest  # same fields, prospect, company, associations and deletion flags
    assert {i for i, r in bulk.items() if r.deleted} == {ids[3], ids[40]}
    assert any(r.prospect and r.company for r in bulk.values())
    leads = [r for r in bulk.values() if "lead" in r.associations]
    assert leads and all(r.prospect and "Company" in r.prospect for r in leads)

    greatest = max(bulk.values(), key=lambda r: (r.modified_at, r.id))
    assert [p.cursor for p in pages[:-1]] == [{}] * (len(pages) - 1)
    assert pages[-1].cursor["id"] == greatest.id
    assert pages[-1].cursor["modstamp"] == greatest.fields["SystemModstamp"]


def test_after_the_backfill_the_next_sync_is_incremental_through_rest(
    fake: FakeSalesforce, seeder: Seeder, sleeps: list[float]
) -> None:
    ids = seed_mix(seeder)
    pages = pages_of(make_adapter(fake, sleeps, bulk_threshold=10))
    cursor = pages[-1].cursor
    assert len(by_id(pages)) == len(ids) and fake.org.requests["jobs/query"] == 1

    with fake.org.lock:
        fake.org.update("Task", ids[5], {"Description": "rappel"})
        fake.org.delete(ids[7])
    new = seeder.calls(make_calls(2, prefix="n"))
    fake.org.requests.clear()
    later = by_id(pages_of(make_adapter(fake, sleeps, bulk_threshold=1), cursor))

    assert set(later) == {ids[5], ids[7], *new}
    assert later[ids[7]].deleted and later[ids[5]].fields["Description"] == "rappel"
    assert all(fake.org.requests[label] == 0 for label in BULK)
    assert fake.org.requests["queryAll"] == 1


def test_a_small_first_sync_stays_on_rest_without_an_extra_request(
    fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(12))
    records = by_id(pages_of(make_adapter(fake, bulk_threshold=12)))
    assert set(records) == set(ids)
    assert fake.org.requests["queryAll"] == 1
    assert all(fake.org.requests[label] == 0 for label in BULK)


def test_bulk_requests_survive_faults_and_a_failed_job_is_an_error(
    fake: FakeSalesforce, seeder: Seeder, sleeps: list[float]
) -> None:
    ids = seed_mix(seeder)
    faults = fake.org.faults
    faults.script("lost", lambda method, path: method == "POST" and "/jobs/query" in path)
    faults.script("session", lambda method, path: path.endswith("/results"))
    faults.script("5xx", lambda method, path: "/jobs/query/" in path and not path.endswith("/results"))
    adapter = make_adapter(fake, sleeps, bulk_threshold=10)
    adapter.bulk_page_rows = 20
    records = by_id(pages_of(adapter))
    assert set(records) == set(ids)
    assert fake.org.requests["jobs/query"] == 2  # the first response was lost: a second job, no harm
    assert fake.org.logins == 2 and sum(faults.injected.values()) == 3

    original = fake.bulk_status

    def failing(job_id: str) -> tuple[int, Any]:
        status, info = original(job_id)
        return status, {**info, "state": "Failed"}

    fake.bulk_status = failing  # type: ignore[method-assign]
    with pytest.raises(FatalError, match="Failed"):
        pages_of(make_adapter(fake, sleeps, bulk_threshold=10))


def test_the_bulk_job_answers_account_columns_as_salesforce_does(
    fake: FakeSalesforce, seeder: Seeder
) -> None:
    seed_mix(seeder)
    status, job = fake.create_bulk_job(
        {"operation": "queryAll", "query": "SELECT Id, AccountId, Account.Industry FROM Task"}
    )
    assert status == 200
    fake.bulk_status(job["id"])
    _, page = fake.bulk_results(job["id"], "")
    rows = _bulk.parse_csv(page.text)
    assert page.text.splitlines()[0] == "Id,AccountId,Account.Industry"
    assert {r["Account.Industry"] for r in rows if r["AccountId"]} == {"Software"}
    assert {r["Account.Industry"] for r in rows if not r["AccountId"]} == {""}  # Leads: no Account
    unknown = fake.create_bulk_job({"operation": "queryAll", "query": "SELECT Id, Account.Nope FROM Task"})
    assert unknown[0] == 400


def test_nest_moves_relationship_columns_like_the_rest_query_shape() -> None:
    row: dict[str, Any] = {"Id": "00T1", "AccountId": "001A", "Account.Industry": "Software"}
    _bulk.nest(row, "Account", "AccountId")
    assert row == {
        "Id": "00T1",
        "AccountId": "001A",
        "Account": {"attributes": {"type": "Account"}, "Industry": "Software"},
    }
    orphan: dict[str, Any] = {"Id": "00T2", "AccountId": None, "Account.Industry": None}
    _bulk.nest(orphan, "Account", "AccountId")
    assert orphan == {"Id": "00T2", "AccountId": None, "Account": None}
    plain: dict[str, Any] = {"Id": "00T3", "AccountId": "001A"}
    _bulk.nest(plain, "Account", "AccountId")
    assert plain == {"Id": "00T3", "AccountId": "001A"}
