"""The one network seam of the HubSpot adapter: SDK clients, limiter, retries, error translation.

`Transport.call(what, fn, search=...)` is the only place a request is sent and retried:
1. the limiter waits for room in the burst / search windows (or raises BudgetExhaustedError);
2. `fn(attempt_number)` performs one SDK `*_with_http_info` call and returns (data, status, headers);
3. any exception is translated at this boundary (`_errors.translate`) and raised `from` the original;
4. tenacity retries RetriableError (429, 5xx, timeouts, resets; POST and PATCH included) with jittered
   exponential backoff, or exactly the Retry-After HubSpot sent, sleeping through the injected `sleep`.
   The SDK's own urllib3 retries are disabled (`retry=False`) so retries live here only.

`fn` receives the attempt number so a non-idempotent request (task creation) can reconcile what an
earlier attempt may have done before sending again. `stats` counts requests sent per `what`.

`get_json(path, what)` covers the endpoints the SDK does not (GET /calling/v1/dispositions) with httpx,
through the same limiter, retries and translation.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import tenacity
from hubspot import Client

from adapters.hubspot._config import Connection
from adapters.hubspot._errors import translate
from adapters.hubspot._limits import Limiter
from connector.errors import RateLimitedError, RetriableError

Response = tuple[Any, int, Any]
"""(deserialized data, HTTP status, headers) as returned by the SDK's `*_with_http_info` methods."""


@dataclass(frozen=True)
class Apis:
    """The SDK API objects the adapter uses (each built once: every SDK property builds a new pool)."""

    calls_search: Any
    calls_basic: Any
    calls_batch: Any
    contacts_batch: Any
    contacts_search: Any
    companies_batch: Any
    companies_search: Any
    tasks_batch: Any
    tasks_search: Any
    meetings_search: Any
    deals_search: Any
    associations_batch: Any
    properties: Any
    property_groups: Any


def make_apis(connection: Connection, token: str) -> Apis:
    """Build the SDK API objects for `connection` with urllib3 retries disabled."""
    client = Client.create(access_token=token, retry=False, host=connection.base_url)
    crm = client.crm
    return Apis(
        calls_search=crm.objects.calls.search_api,
        calls_basic=crm.objects.calls.basic_api,
        calls_batch=crm.objects.calls.batch_api,
        contacts_batch=crm.contacts.batch_api,
        contacts_search=crm.contacts.search_api,
        companies_batch=crm.companies.batch_api,
        companies_search=crm.companies.search_api,
        tasks_batch=crm.objects.tasks.batch_api,
        tasks_search=crm.objects.tasks.search_api,
        meetings_search=crm.objects.meetings.search_api,
        deals_search=crm.deals.search_api,
        associations_batch=crm.associations.v4.batch_api,
        properties=crm.properties.core_api,
        property_groups=crm.properties.groups_api,
    )


class Transport:
    """Sends every request of one adapter: limits, retries, translation, counting."""

    def __init__(
        self,
        connection: Connection,
        token: str,
        *,
        limiter: Limiter,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
        apis: Apis | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.connection = connection
        self.limiter = limiter
        self.apis = apis or make_apis(connection, token)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = http or httpx.Client(
            base_url=connection.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=connection.timeout,
        )
        self.stats: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.waited = 0.0

    @property
    def timeout(self) -> float:
        """Seconds allowed per request (pass as `_request_timeout`)."""
        return self.connection.timeout

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return float(exc.retry_after)
        base: float = min(30.0, 0.5 * 2.0 ** (state.attempt_number - 1))
        jitter: float = self._rng.uniform(0, base / 2)
        return base / 2 + jitter

    def _slept(self, seconds: float) -> None:
        self.waited += seconds
        self._sleep(seconds)

    def call(self, what: str, fn: Callable[[int], Response], *, search: bool = False) -> Response:
        """Send one logical request (retried as needed); return (data, status, headers)."""

        def once(state_attempt: int) -> Response:
            self.limiter.acquire(search=search)
            self.stats[what] += 1
            if state_attempt > 1:
                self.retries[what] += 1
            try:
                result = fn(state_attempt)
            except Exception as exc:  # translated at the boundary
                raise translate(exc, what) from exc
            self.limiter.observe(result[2])
            return result

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.connection.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(RetriableError),
            sleep=self._slept,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                return once(attempt.retry_state.attempt_number)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    def get_json(self, path: str, what: str) -> Any:
        """GET `path` with httpx (for endpoints the SDK lacks); JSON body, same limits and retries."""

        def fn(_: int) -> Response:
            response = self._http.get(path)
            if response.status_code >= 400:
                raise _HttpStatus(response)
            return response.json(), response.status_code, dict(response.headers)

        return self.call(what, fn)[0]

    def close(self) -> None:
        """Close the httpx client and the SDK connection pools."""
        self._http.close()
        for api in vars(self.apis).values():
            pool = getattr(
                getattr(getattr(api, "api_client", None), "rest_client", None), "pool_manager", None
            )
            if pool is not None:
                pool.clear()


class _HttpStatus(Exception):
    """An httpx error status shaped like the SDK's ApiException (status, reason, body, headers)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.body = response.content
        self.headers = dict(response.headers)
