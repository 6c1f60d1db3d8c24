"""Who lookups of the bulk backfill through the REST Composite resource: batching (≤ 5 query
subrequests a request), per-subrequest failures (retried or failing the run cleanly, nothing lost),
quoting of hostile id-like values, and the fake's checks of the composite body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.salesforce import SalesforceAdapter, _bulk, _composite, _soql
from connector.errors import FatalError, RetriableError
from connector.store import open_store
from tests.contract.harness_salesforce import make_adapter
from tests.factories import make_calls
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.seed import Seeder
from tests.salesforce.test_bulk import by_id, pages_of, seed_mix
from tests.salesforce.test_pipeline_e2e import run


def contact_ids(fake: FakeSalesforce) -> list[str]:
    with fake.org.lock:
        return sorted(fake.org.records["Contact"])


def lookups(adapter: SalesforceAdapter, queries: list[str]) -> list[dict[str, Any]]:
    try:
        return [row for rows in adapter.composite_query_pages(queries) for row in rows]
    finally:
        adapter.close()


def assert_written_once(fake: FakeSalesforce, adapter: SalesforceAdapter, store: Any, ids: list[str]) -> None:
    """Every call got its status written, every follow-up key exists once, nothing is left pending."""
    status = adapter.mapping.output["status"]
    assert all(fake.org.records["Task"][cid].get(status) for cid in ids)
    keys = [r["Qualicall_Key__c"] for r in fake.org.records["Task"].values() if r.get("Qualicall_Key__c")]
    assert keys and len(keys) == len(set(keys))
    assert store.count_pending("sf") == 0


def test_queries_go_five_to_a_composite_request_in_order(fake: FakeSalesforce, seeder: Seeder) -> None:
    seed_mix(seeder)
    ids = contact_ids(fake) + sorted(fake.org.records["Lead"])
    queries = [
        _soql.ids_query("Lead" if i.startswith("00Q") else "Contact", ["Id", "Name"], [i]) for i in ids
    ]
    rows = lookups(make_adapter(fake), queries)
    assert [r["Id"] for r in rows] == ids
    assert fake.org.requests["composite"] == -(-len(ids) // 5)
    assert fake.org.requests["query"] == 0
    assert fake.org.subrequests["query"] == len(ids)


def test_the_bulk_backfill_splits_lookups_over_several_composite_requests(
    fake: FakeSalesforce, seeder: Seeder, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_mix(seeder)
    rest = by_id(pages_of(make_adapter(fake, bulk_threshold=1_000_000)))
    fake.org.requests.clear()
    monkeypatch.setattr(_bulk, "LOOKUP_CHUNK", 1)  # one query per Who id: 12 queries for one page
    bulk = by_id(pages_of(make_adapter(fake, sleeps, bulk_threshold=10)))
    assert bulk == rest
    people = len(fake.org.records["Contact"]) + len(fake.org.records["Lead"])
    assert fake.org.subrequests["query"] == people
    assert fake.org.requests["composite"] == -(-people // 5)


def test_a_failed_subrequest_is_retried_alone_and_nothing_is_lost(
    fake: FakeSalesforce, seeder: Seeder, sleeps: list[float]
) -> None:
    seed_mix(seeder)
    rest = by_id(pages_of(make_adapter(fake, bulk_threshold=1_000_000)))
    fake.org.requests.clear()
    fake.org.faults.script("sub5xx")
    adapter = make_adapter(fake, sleeps, bulk_threshold=10)
    adapter.bulk_page_rows = 25
    assert by_id(pages_of(adapter)) == rest
    assert fake.org.faults.injected["sub5xx"] == 1
    # 3 pages with 1, 2 and 1 queries, plus the failed one sent again in a composite request of its own
    assert fake.org.subrequests["query"] == 5
    assert fake.org.requests["composite"] == 4
    assert 0.5 in sleeps  # the client's backoff, through the injected sleep


def test_a_permanently_failing_subrequest_fails_the_run_cleanly_and_the_next_run_catches_up(
    fake: FakeSalesforce, seeder: Seeder, tmp_path: Path
) -> None:
    ids = seeder.calls(make_calls(120))
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        fake.org.faults.script("subquery")
        adapter = make_adapter(fake, bulk_threshold=50)
        adapter.bulk_page_rows = 60
        failed = run(adapter, store)
        assert failed.status == "failed"
        assert "composite query subrequest q0: HTTP 400 MALFORMED_QUERY" in failed.message
        assert "unexpected token" not in failed.message  # Salesforce's message is not repeated
        assert store.get_cursor("sf") in (None, {})
        ok = run(adapter, store)
        assert ok.status == "ok", ok.message
        assert_written_once(fake, adapter, store, ids)
    finally:
        store.close()


def test_random_faults_on_composite_requests_and_subrequests_lose_and_duplicate_nothing(
    fake: FakeSalesforce, seeder: Seeder, tmp_path: Path
) -> None:
    ids = seeder.calls(make_calls(300))
    fake.org.faults.rate = 0.2
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        adapter = make_adapter(fake, bulk_threshold=50)
        adapter.bulk_page_rows = 40  # 8 results pages, one or more composite requests each
        results = [run(adapter, store) for _ in range(8)]
        assert results[-1].status == "ok", [r.message for r in results]
        assert fake.org.requests["composite"] > 0 and fake.org.faults.injected["sub5xx"] > 0
        assert_written_once(fake, adapter, store, ids)
    finally:
        store.close()


def test_hostile_id_like_values_stay_literals(fake: FakeSalesforce, seeder: Seeder) -> None:
    seeder.calls(make_calls(3))
    real = contact_ids(fake)[0]
    hostile = [
        real,
        "003' OR Id != '",
        "x') OR (Name != '",
        "003&q=SELECT Id FROM Lead",
        "%27 OR Id != %27",
        "\\' OR Id != \\'",
        "003#",
    ]
    rows = lookups(make_adapter(fake), [_soql.ids_query("Contact", ["Id", "Name"], hostile)])
    assert [r["Id"] for r in rows] == [real]
    assert fake.org.subrequests["query"] == 1 and fake.org.requests["composite"] == 1


class ScriptedSalesforce:
    """Answers `restful` with scripted composite responses and keeps the bodies it was sent."""

    sf_version = "60.0"

    def __init__(self, *responses: Any) -> None:
        self.responses = list(responses)
        self.bodies: list[dict[str, Any]] = []

    def restful(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        assert (path, method) == ("composite", "POST")
        self.bodies.append(json.loads(kwargs["data"]))
        return self.responses.pop(0)


def answer(ref: str, status: int = 200, body: Any = None) -> dict[str, Any]:
    ok = {"totalSize": 0, "done": True, "records": []}
    return {
        "body": ok if body is None else body,
        "httpHeaders": {},
        "httpStatusCode": status,
        "referenceId": ref,
    }


def test_query_batch_resends_only_the_pending_subrequests() -> None:
    sf = ScriptedSalesforce(
        {"compositeResponse": [answer("q0"), answer("q1", 503, [{"errorCode": "SERVER_UNAVAILABLE"}])]},
        {"compositeResponse": [answer("q1")]},
    )
    batch = _composite.QueryBatch({"q0": "SELECT Id FROM Lead", "q1": "SELECT Id FROM Contact"})
    with pytest.raises(RetriableError, match="subrequest q1: HTTP 503 SERVER_UNAVAILABLE"):
        batch.send(sf)  # type: ignore[arg-type]
    assert set(batch.send(sf)) == {"q0", "q1"}  # type: ignore[arg-type]
    assert [[s["referenceId"] for s in b["compositeRequest"]] for b in sf.bodies] == [["q0", "q1"], ["q1"]]
    assert sf.bodies[0]["allOrNone"] is False
    assert sf.bodies[0]["compositeRequest"][0]["url"].startswith("/services/data/v60.0/query?q=SELECT")


@pytest.mark.parametrize(
    "response",
    [
        {"compositeResponse": [answer("q0")]},  # q1 unanswered
        {"compositeResponse": [answer("q0"), answer("q0"), answer("q1")]},  # q0 twice
        {"compositeResponse": [answer("q0"), answer("zz")]},  # an unknown subrequest
        [{"errorCode": "X"}],  # not a composite response
    ],
)
def test_query_batch_refuses_a_response_that_does_not_answer_each_subrequest_once(response: Any) -> None:
    batch = _composite.QueryBatch({"q0": "SELECT Id FROM Lead", "q1": "SELECT Id FROM Contact"})
    with pytest.raises(FatalError):
        batch.send(ScriptedSalesforce(response))  # type: ignore[arg-type]


def test_query_batch_holds_at_most_five_queries() -> None:
    with pytest.raises(ValueError):
        _composite.QueryBatch({f"q{i}": "SELECT Id FROM Lead" for i in range(6)})


def test_the_fake_refuses_bodies_beyond_the_composite_limits(fake: FakeSalesforce) -> None:
    adapter = make_adapter(fake)
    sf = adapter.client.salesforce()
    base = f"/services/data/v{sf.sf_version}"
    query = {"method": "GET", "url": f"{base}/query?q=SELECT+Id+FROM+Lead"}
    describe = {"method": "GET", "url": f"{base}/sobjects/Lead/describe"}
    bodies = {
        "six queries": [{**query, "referenceId": f"q{i}"} for i in range(6)],
        "26 subrequests": [{**describe, "referenceId": f"d{i}"} for i in range(26)],
        "a reference id twice": [{**query, "referenceId": "q"}, {**query, "referenceId": "q"}],
        "no method": [{"url": query["url"], "referenceId": "q"}],
    }
    try:
        for name, subrequests in bodies.items():
            with pytest.raises(FatalError, match="HTTP 400"):
                body = json.dumps({"compositeRequest": subrequests})
                adapter.client.call(name, lambda sf, b=body: sf.restful("composite", method="POST", data=b))
        result = sf.restful(
            "composite",
            method="POST",
            data=json.dumps({"allOrNone": True, "compositeRequest": [{**query, "referenceId": "ok"}]}),
        )
        assert result["compositeResponse"][0]["httpStatusCode"] == 200
    finally:
        adapter.close()
