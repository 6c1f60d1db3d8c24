"""Authenticated Salesforce REST calls through simple-salesforce, with retries kept in this one place.

`SalesforceClient.call(operation, fn)` runs `fn(sf)` (sf: a simple_salesforce.Salesforce) under one
tenacity policy (injected sleep): before each attempt the API budget is checked; vendor exceptions are
classified by the `_errors` tables and translated (`raise X from exc`). A 401 INVALID_SESSION_ID makes
the client log in again once (auth modes that can) and rerun the same `fn` with the same payload, so the
batch in flight is not lost. Retriable failures (5xx, network, lost responses, REQUEST_LIMIT_EXCEEDED
for concurrency) are retried with exponential backoff; BudgetExhausted, auth and fatal errors are not.

The client logs in lazily with simple-salesforce's `SalesforceLogin` (SOAP for passwords, OAuth token
endpoint for JWT bearer and client credentials) and builds a `Salesforce` from the session id, so
simple-salesforce never refreshes on its own (its refresh retries up to 4 times and does not move the
base URL when the instance changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
import structlog
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError
from simple_salesforce.login import SalesforceLogin
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from adapters.salesforce._errors import Action, Failure, classify, to_error
from adapters.salesforce._http import ApiBudget
from adapters.salesforce.config import Connection
from connector.errors import AuthError, RateLimitedError, RetriableError

log = structlog.get_logger("qualicall.salesforce")

T = TypeVar("T")
Sleep = Callable[[float], None]


def _wait(state: RetryCallState) -> float:
    """Backoff before the next attempt: the server's retry-after when known, else 0.5 s doubling to 30 s."""
    exc = state.outcome.exception() if state.outcome is not None else None
    if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
        return float(exc.retry_after)
    return float(min(30.0, 0.5 * 2 ** (state.attempt_number - 1)))


class SalesforceClient:
    """One org connection: lazy login, re-login once on INVALID_SESSION_ID, retried calls."""

    def __init__(
        self,
        connection: Connection,
        secrets: dict[str, str],
        session: requests.Session,
        budget: ApiBudget,
        sleep: Sleep,
    ) -> None:
        self.connection = connection
        self._secrets = secrets
        self.session = session
        self.budget = budget
        self._sleep = sleep
        self._sf: Salesforce | None = None
        self.logins = 0
        self._unmetered = False

    @property
    def can_log_in_again(self) -> bool:
        """False for a bare access token (nothing to log in with when it expires)."""
        return self.connection.auth != "access_token"

    def _login(self) -> Salesforce:
        c, s = self.connection, self._secrets
        common: dict[str, Any] = {"session": self.session, "version": c.api_version}
        if c.auth == "access_token":
            sf = Salesforce(session_id=s["access_token"], instance_url=c.instance_url, **common)
        else:
            kwargs: dict[str, Any]
            if c.auth == "password":
                kwargs = {
                    "username": s["username"],
                    "password": s["password"],
                    "security_token": s["security_token"],
                }
            elif c.auth == "jwt":
                kwargs = {
                    "username": c.username,
                    "consumer_key": s["consumer_key"],
                    "privatekey_file": c.private_key_file,
                }
            else:
                kwargs = {"consumer_key": s["consumer_key"], "consumer_secret": s["consumer_secret"]}
            try:
                session_id, instance = SalesforceLogin(
                    session=self.session, sf_version=c.api_version, domain=c.domain, **kwargs
                )
            except SalesforceAuthenticationFailed as exc:
                raise AuthError(f"Salesforce login ({c.auth}) refused: check the credentials") from exc
            except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
                raise RetriableError(f"Salesforce login ({c.auth}): network {type(exc).__name__}") from exc
            sf = Salesforce(session_id=session_id, instance=instance, **common)
        self.logins += 1
        log.info("salesforce.login", auth=c.auth, logins=self.logins)
        return sf

    @contextmanager
    def unmetered(self) -> Iterator[None]:
        """Within this block the budget is not enforced (`qualicall check` must report, not stop)."""
        previous, self._unmetered = self._unmetered, True
        try:
            yield
        finally:
            self._unmetered = previous

    def salesforce(self) -> Salesforce:
        """The logged-in simple-salesforce client (logs in on first use)."""
        if self._sf is None:
            self._sf = self._login()
        return self._sf

    def pause(self, seconds: float) -> None:
        """Wait with the injected sleep (polling a Bulk API job)."""
        self._sleep(seconds)

    def call(self, operation: str, fn: Callable[[Salesforce], T]) -> T:
        """Run `fn(sf)` with budget check, one re-login on INVALID_SESSION_ID, and retries."""
        retrying = Retrying(
            stop=stop_after_attempt(self.connection.max_attempts),
            wait=_wait,
            retry=retry_if_exception_type(RetriableError),
            sleep=self._sleep,
            reraise=True,
        )
        result: T = retrying(self._attempt, operation, fn)
        return result

    def _attempt(self, operation: str, fn: Callable[[Salesforce], T]) -> T:
        logged_in_again = False
        while True:
            if not self._unmetered:
                self.budget.check()
            sf = self.salesforce()
            try:
                return fn(sf)
            except (SalesforceError, requests.exceptions.RequestException) as exc:
                failure: Failure = classify(exc)
                if failure.action is Action.REFRESH and self.can_log_in_again and not logged_in_again:
                    log.info("salesforce.session_expired", operation=operation)
                    self._sf = None
                    logged_in_again = True
                    continue
                error = to_error(failure, operation)
                if failure.action is Action.RETRY or failure.action is Action.RATE_LIMITED:
                    log.warning(
                        "salesforce.retry", operation=operation, status=failure.status, code=failure.code
                    )
                raise error from exc
