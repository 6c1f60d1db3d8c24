"""The one network seam: the requests.Session simple-salesforce uses, and the API budget it feeds.

`make_session` builds a session whose transport (a requests HTTPAdapter) applies a default timeout,
trusts `ca_file` when given, and sends requests for the login host (`https://<domain>.salesforce.com`)
to `login_url` when given (tests and proxies); every response passes through `ApiBudget.observe`, which
reads `Sforce-Limit-Info: api-usage=<used>/<max>` and counts requests by endpoint.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from connector.errors import BudgetExhaustedError

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
_VERSIONED = re.compile(r"^/services/data/v[\d.]+/")


def endpoint_of(url: str) -> str:
    """A short endpoint label for counting: 'query', 'composite/sobjects', 'sobjects/describe', 'login'..."""
    path = urlsplit(url).path
    if path.startswith("/services/Soap/u/") or path.startswith("/services/oauth2/"):
        return "login"
    rest = _VERSIONED.sub("", path)
    parts = [p for p in rest.split("/") if p]
    if not parts:
        return "versions"
    if parts[0] in ("query", "queryAll"):
        return "query-more" if len(parts) > 1 else parts[0]
    if parts[0] == "composite" and len(parts) > 1:
        return "composite/sobjects/upsert" if len(parts) > 2 else "composite/sobjects"
    if parts[0] == "jobs" and len(parts) > 1:
        return "/".join(parts[:2]) + {2: "", 3: "/status"}.get(len(parts), "/" + parts[-1])
    if parts[0] == "sobjects" and parts[-1] == "describe":
        return "sobjects/describe"
    return parts[0]


class ApiBudget:
    """The org's daily API usage as last reported by Salesforce, and Qualicall's share of it.

    `observe` is a requests response hook. `check()` raises BudgetExhaustedError once the reported
    usage reaches `share` of the allowance, so a run stops before its next request and resumes on the
    next run. Until a response carried the header, nothing is known and nothing is refused.
    """

    def __init__(self, share: float) -> None:
        self.share = share
        self.used: int | None = None
        self.max: int | None = None
        self.requests: Counter[str] = Counter()

    def observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Record usage from one response (any status) and count its endpoint."""
        self.requests[endpoint_of(response.url)] += 1
        header = response.headers.get("Sforce-Limit-Info", "")
        match = _USAGE.search(header)
        if match:
            self.used, self.max = int(match.group(1)), int(match.group(2))
        return response

    @property
    def limit(self) -> int | None:
        """The number of org API requests above which Qualicall stops (None until known)."""
        return None if self.max is None else int(self.max * self.share)

    def check(self) -> None:
        """Raise BudgetExhaustedError when the configured share of the daily allowance is used."""
        limit = self.limit
        if limit is not None and self.used is not None and self.used >= limit:
            raise BudgetExhaustedError(
                f"Salesforce daily API usage {self.used}/{self.max} reached the configured share "
                f"({self.share:.0%}); the run stops here and resumes on the next run"
            )


class _Transport(HTTPAdapter):
    """HTTPAdapter with a default timeout, optional host rewrites (prefix → replacement) and CA bundle."""

    def __init__(self, timeout: float, rewrites: Mapping[str, str], ca_file: str | None = None) -> None:
        super().__init__(pool_connections=4, pool_maxsize=4)
        self._timeout = timeout
        self._rewrites = dict(rewrites)
        self._ca_file = ca_file

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        for prefix, replacement in self._rewrites.items():
            if url.startswith(prefix):
                request.url = replacement + url[len(prefix) :]
                break
        return super().send(
            request,
            stream=stream,
            timeout=self._timeout if timeout is None else timeout,
            verify=self._ca_file or verify,
            cert=cert,
            proxies=proxies,
        )


def make_session(
    budget: ApiBudget,
    *,
    domain: str,
    timeout: float,
    login_url: str | None = None,
    ca_file: str | None = None,
) -> requests.Session:
    """A session for simple-salesforce: timeouts, optional login redirect and CA, budget hook."""
    session = requests.Session()
    rewrites = {f"https://{domain}.salesforce.com": login_url.rstrip("/")} if login_url else {}
    # The CA goes to the transport: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify.
    session.mount("https://", _Transport(timeout, rewrites, ca_file))
    session.mount("http://", _Transport(timeout, {}))
    session.hooks["response"].append(budget.observe)
    return session
