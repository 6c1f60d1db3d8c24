"""Faults and limits: re-login once on INVALID_SESSION_ID, 5xx retries with injected sleep, budget stop
from Sforce-Limit-Info, REQUEST_LIMIT_EXCEEDED, and error messages that never carry response bodies."""

from __future__ import annotations

import pytest

from adapters.base import FieldWrite
from adapters.salesforce import SalesforceAdapter
from connector.errors import AuthError, BudgetExhaustedError, RateLimitedError, RetriableError
from tests.contract.harness_salesforce import make_adapter
from tests.contract.test_adapter_contract import make_calls
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.seed import Seeder
from tests.salesforce.test_reading import read


def test_an_expired_session_logs_in_again_once_and_keeps_the_batch(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(5))
    read(adapter)
    assert fake.org.logins == 1
    fake.org.faults.script("session", lambda method, path: method == "PATCH")
    status = adapter.mapping.output["status"]
    outcomes = adapter.apply_updates([FieldWrite(f"w{i}", c, {status: "nurture"}) for i, c in enumerate(ids)])
    assert all(o.ok for o in outcomes)
    assert fake.org.logins == 2 and fake.org.requests["composite/sobjects"] == 2
    assert all(fake.org.records["Task"][c][status] == "nurture" for c in ids)


def test_a_session_refused_again_after_the_new_login_is_an_auth_error(
    adapter: SalesforceAdapter, fake: FakeSalesforce
) -> None:
    fake.org.faults.script("session")
    fake.org.faults.script("session")
    with pytest.raises(AuthError):
        read(adapter)
    assert fake.org.logins == 2  # logged in again once, not in a loop


def test_an_access_token_cannot_log_in_again(fake: FakeSalesforce) -> None:
    token = fake.issue_token()
    adapter = make_adapter(
        fake,
        auth="access_token",
        access_token_env="SF_ACCESS",
        instance_url=fake.base_url,
        username_env=None,
        password_env=None,
        security_token_env=None,
        env={"SF_ACCESS": token},
    )
    assert read(adapter)[0] == []
    fake.org.tokens.clear()
    with pytest.raises(AuthError):
        read(adapter)


def test_5xx_is_retried_with_backoff_through_the_injected_sleep(
    adapter: SalesforceAdapter, fake: FakeSalesforce, seeder: Seeder, sleeps: list[float]
) -> None:
    seeder.calls(make_calls(3))
    for _ in range(3):
        fake.org.faults.script("5xx")
    records, _ = read(adapter)
    assert len(records) == 3 and sleeps == [0.5, 1.0, 2.0]


def test_retries_give_up_with_a_retriable_error_that_hides_the_body(fake: FakeSalesforce) -> None:
    adapter = make_adapter(fake, max_attempts=2)
    read(adapter)  # logged in
    fake.org.faults.script("5xx")
    fake.org.faults.script("5xx")
    with pytest.raises(RetriableError) as info:
        read(adapter)
    assert "SERVER_UNAVAILABLE" in str(info.value) and "Service unavailable" not in str(info.value)
    assert "503" in str(info.value)


def test_concurrent_request_limit_is_rate_limited_then_retried(
    adapter: SalesforceAdapter, fake: FakeSalesforce, sleeps: list[float]
) -> None:
    fake.org.faults.script("limit")
    assert read(adapter)[0] == []
    assert len(sleeps) == 1


def test_concurrent_limit_that_persists_surfaces_as_rate_limited(fake: FakeSalesforce) -> None:
    adapter = make_adapter(fake, max_attempts=1)
    fake.org.faults.script("limit")
    with pytest.raises(RateLimitedError):
        read(adapter)


def test_total_requests_limit_exceeded_is_a_budget_stop(
    adapter: SalesforceAdapter, fake: FakeSalesforce
) -> None:
    fake.org.faults.script("budget")
    with pytest.raises(BudgetExhaustedError):
        read(adapter)


def test_the_run_stops_at_the_configured_share_and_resumes_next_run(
    fake: FakeSalesforce, seeder: Seeder
) -> None:
    ids = seeder.calls(make_calls(450))
    fake.org.api_max, fake.org.api_used = 1000, 498
    adapter = make_adapter(fake, daily_share=0.5)
    seen: list[str] = []
    cursor = None
    with pytest.raises(BudgetExhaustedError) as info:
        for page in adapter.iter_pages(None):
            seen.extend(r.id for r in page.records)
            cursor = page.cursor
    assert "500/1000" in str(info.value)
    assert seen == ids[:400]  # two pages came back (498 → 499 → 500), then the run stopped cleanly
    fake.org.api_max = 10_000  # tomorrow: a fresh allowance
    rest, _ = read(make_adapter(fake, daily_share=0.5), cursor)
    assert [r.id for r in rest] == ids[400:]


def test_usage_is_read_from_every_response(adapter: SalesforceAdapter, fake: FakeSalesforce) -> None:
    fake.org.api_used = 41
    read(adapter)
    assert (adapter.client.budget.used, adapter.client.budget.max) == (42, fake.org.api_max)


def test_wrong_password_is_an_auth_error_without_the_secret(fake: FakeSalesforce) -> None:
    adapter = make_adapter(fake, env={"SF_PASSWORD": "wrong-pass-123"})
    with pytest.raises(AuthError) as info:
        read(adapter)
    assert "wrong-pass-123" not in str(info.value)
