"""Rate limits, Retry-After, retries, daily budget and error translation."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import ClassVar

import pytest

from adapters.base import FieldWrite
from adapters.hubspot._errors import translate
from adapters.hubspot._limits import Limiter
from connector.errors import AuthError, BudgetExhaustedError, FatalError, RateLimitedError, RetriableError
from tests.contract.harness_hubspot import make_harness
from tests.fakes.hubspot import TOKEN, VirtualClock
from tests.hubspot.factory import make_calls


def test_limiter_never_exceeds_burst_or_search_windows() -> None:
    clock = VirtualClock(start=1000.0)
    limiter = Limiter(
        burst=100, search_per_s=5, daily_limit=10**9, daily_share=1.0, now=clock, sleep=clock.sleep
    )
    sends: list[tuple[float, bool]] = []
    for i in range(1000):
        search = i % 3 == 0
        limiter.acquire(search=search)
        sends.append((clock(), search))
    times = [t for t, _ in sends]
    searches = [t for t, s in sends if s]
    for log, limit, window in ((times, 100, 10.0), (searches, 5, 1.0)):
        recent: deque[float] = deque()
        for t in log:
            while recent and recent[0] <= t - window:
                recent.popleft()
            recent.append(t)
            assert len(recent) <= limit
    # and it waits about what the limits require: 1000 requests at 100 / 10 s need ≥ 90 s (in this fixed
    # order, every third a search, the 5/s search window adds a little)
    assert 90.0 <= clock() - 1000.0 <= 90.0 * 1.1


def test_sync_stays_under_the_fakes_burst_and_search_limits(tmp_path: Path) -> None:
    with make_harness(tmp_path, connection={"page_size": 5, "read_batch": 5}) as h:
        h.seed(make_calls(200))
        start = h.clock()
        records = [r for p in h.adapter.iter_pages(None) for r in p.records]
        assert len(records) == 200
        sent = sum(h.fake.requests.values())
        assert sent > 100 and h.fake.requests["search:calls"] > 5
        assert h.fake.faults["limit.burst"] == 0 and h.fake.faults["limit.search"] == 0
        # the wait was about the limits': at least their lower bound, not far above it
        searches = h.fake.requests["search:calls"]
        bound = max((-(-sent // 100) - 1) * 10.0, (-(-searches // 5) - 1) * 1.0)
        assert bound <= h.clock() - start <= 1.5 * bound


def test_429_retry_after_is_honoured_through_the_injected_sleep(tmp_path: Path) -> None:
    with make_harness(tmp_path, retry_after=7.0) as h:
        crm_ids = h.seed(make_calls(1))
        h.fake.inject.append(("batch_update:calls", "429"))
        before = h.clock.slept
        out = h.adapter.apply_updates(
            [FieldWrite(key="w", record_id=crm_ids[0], fields={"qualicall_score": 1})]
        )
        assert out[0].ok
        assert h.clock.slept - before == pytest.approx(7.0)
        assert h.fake.requests["batch_update:calls"] == 2


def test_5xx_and_lost_responses_are_retried_for_post(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(3))
        h.fake.inject += [
            ("search:calls", "503"),
            ("assoc_read:calls", "lost"),
            ("batch_read:contacts", "502"),
        ]
        records = [r for p in h.adapter.iter_pages(None) for r in p.records]
        assert len(records) == 3 and all(r.prospect for r in records)
        assert h.adapter.transport.retries["calls.search"] == 1
        assert h.clock.slept > 0


def test_retries_are_bounded_then_the_error_surfaces(tmp_path: Path) -> None:
    with make_harness(tmp_path, connection={"max_attempts": 3}) as h:
        crm_ids = h.seed(make_calls(1))
        h.fake.inject += [("batch_update:calls", "503")] * 3
        with pytest.raises(RetriableError) as info:
            h.adapter.apply_updates(
                [FieldWrite(key="w", record_id=crm_ids[0], fields={"qualicall_score": 1})]
            )
        assert info.value.status == 503
        assert h.fake.requests["batch_update:calls"] == 3


def test_budget_stops_cleanly_between_pages_and_resumes(tmp_path: Path) -> None:
    settings = {"page_size": 10, "read_batch": 10, "daily_limit": 40, "daily_share": 0.5}
    with make_harness(tmp_path, connection=settings) as h:
        crm_ids = h.seed(make_calls(50))
        seen: list[str] = []
        cursor = None
        with pytest.raises(BudgetExhaustedError):
            for page in h.adapter.iter_pages(None):
                seen.extend(r.id for r in page.records)
                cursor = page.cursor
        assert 0 < len(seen) < 50
        assert h.adapter.transport.limiter.used_today <= 20
        h.clock.advance(86_400)  # next day: the budget is back, the run resumes after the cursor
        rest = [r.id for p in h.adapter.iter_pages(cursor) for r in p.records]
        assert seen + rest == crm_ids


def test_portal_remaining_header_reserves_the_other_integrations_share(tmp_path: Path) -> None:
    settings = {"daily_limit": 1000, "daily_share": 0.5}
    with make_harness(tmp_path, connection=settings, daily=1000) as h:
        h.seed(make_calls(1))
        h.fake._day_count = 480  # other integrations used most of today's allowance
        with pytest.raises(BudgetExhaustedError):
            for _ in range(30):
                list(h.adapter.iter_pages(None))
        assert h.adapter.transport.limiter.portal_remaining is not None
        assert h.adapter.transport.limiter.portal_remaining <= 500


def test_errors_are_translated_without_bodies_or_tokens(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.adapter.transport.apis.calls_batch.api_client.configuration.access_token = "wrong"
        with pytest.raises(AuthError) as info:
            h.adapter.apply_updates([FieldWrite(key="w", record_id="1", fields={"qualicall_score": 1})])
        assert info.value.status == 401 and "wrong" not in str(info.value) and TOKEN not in str(info.value)
        assert isinstance(info.value.__cause__, Exception)  # raised from the SDK's exception

    class FakeApiError(Exception):
        status = 400
        reason = "Bad Request"
        body = b'{"category": "VALIDATION_ERROR", "message": "bad value jane@customer.example"}'
        headers: ClassVar[dict[str, str]] = {"Retry-After": "3"}

    error = translate(FakeApiError(), "update calls")
    assert isinstance(error, FatalError) and "jane@customer.example" not in str(error)
    assert "VALIDATION_ERROR" in str(error)
    limited = FakeApiError()
    limited.status = 429
    assert isinstance(translate(limited, "x"), RateLimitedError)
    assert translate(limited, "x").retry_after == 3.0  # type: ignore[attr-defined]
    assert isinstance(translate(ConnectionResetError(), "x"), RetriableError)


def test_window_edges_are_never_hit_early_whatever_the_sleeps() -> None:
    import random

    rng = random.Random(3)
    clock = VirtualClock(start=1_790_000_000 + rng.random())
    # the adapter reads time through datetimes (microseconds, as build() wires it), the server as a float
    limiter = Limiter(
        burst=100,
        search_per_s=5,
        daily_limit=10**9,
        daily_share=1.0,
        now=lambda: clock.datetime().timestamp(),
        sleep=clock.sleep,
    )
    server: deque[float] = deque()  # the fake's own sliding-window bookkeeping, on raw floats
    for _ in range(20_000):
        limiter.acquire(search=True)
        now = clock()
        while server and server[0] <= now - 1.0:
            server.popleft()
        assert len(server) < 5, "the server would answer 429"
        server.append(now)
        if rng.random() < 0.3:  # backoff, an exact Retry-After, or a tiny gap
            clock.sleep(rng.choice([1.0, rng.random(), rng.random() * 1e-6]))
