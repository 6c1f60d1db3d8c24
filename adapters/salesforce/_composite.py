"""SOQL lookups batched through the REST Composite resource (`POST /services/data/vXX.X/composite`).

Salesforce counts one composite request as one call toward the API allowance, whatever it holds; it
takes at most 25 subrequests, of which at most 5 may be query (or sObject Collections) operations. So
`QueryBatch` sends at most `QUERIES_PER_REQUEST` = 5 `GET .../query?q=<soql>` subrequests a request,
with allOrNone false, so that one failing subrequest does not hide the others' results.

Each subrequest carries its own `httpStatusCode` and, when it failed, an error body
([{errorCode, message}]). `QueryBatch.send(sf)` keeps what succeeded and raises for what did not, by
the same `_errors` table as a whole request: a transient failure (5xx, lock, query timeout) raises
RetriableError, so the client's retry policy calls `send` again, which re-sends only the subrequests
still pending; a permanent one (MALFORMED_QUERY, INVALID_FIELD...) raises FatalError naming the
subrequest and the error code only (the message may echo query values). A response that misses a
subrequest, repeats one or is not a composite response is a FatalError too: nothing is silently lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import structlog
from simple_salesforce.api import Salesforce

from adapters.salesforce._errors import Action, Failure, error_code, lookup, to_error
from connector.errors import FatalError

log = structlog.get_logger("qualicall.salesforce")

MAX_SUBREQUESTS = 25
"""Subrequests one composite request may hold (Salesforce's limit)."""
QUERIES_PER_REQUEST = 5
"""Query subrequests one composite request may hold (Salesforce's limit: 5 of the 25)."""
OPERATION = "composite query"


def query_url(version: str, soql: str) -> str:
    """The subrequest URL of a query (the SOQL text is form-encoded into `q`, nothing else is added)."""
    return f"/services/data/v{version}/query?{urlencode({'q': soql})}"


def request_body(version: str, queries: Mapping[str, str]) -> dict[str, Any]:
    """The composite request body for `queries` (referenceId → SOQL), allOrNone false."""
    if len(queries) > QUERIES_PER_REQUEST:
        raise ValueError(f"a composite request holds at most {QUERIES_PER_REQUEST} queries")
    return {
        "allOrNone": False,
        "compositeRequest": [
            {"method": "GET", "url": query_url(version, soql), "referenceId": ref}
            for ref, soql in queries.items()
        ],
    }


class QueryBatch:
    """Up to `QUERIES_PER_REQUEST` queries answered by one composite request (more if some are retried).

    `pending` holds referenceId → SOQL of the queries not answered yet; `results` the query result
    (totalSize, done, records[, nextRecordsUrl]) of each answered one. Reference ids must be letters,
    digits and underscores, starting with a letter (Salesforce's rule).
    """

    def __init__(self, queries: Mapping[str, str]) -> None:
        if not queries or len(queries) > QUERIES_PER_REQUEST:
            raise ValueError(f"a query batch holds 1 to {QUERIES_PER_REQUEST} queries")
        self.pending: dict[str, str] = dict(queries)
        self.results: dict[str, dict[str, Any]] = {}

    def send(self, sf: Salesforce) -> dict[str, dict[str, Any]]:
        """POST the pending queries; return every result once all are answered.

        Raises RetriableError / RateLimitedError when a subrequest failed transiently (answered ones are
        kept, so the retry sends only the rest), FatalError when one failed permanently or the response
        does not answer exactly the subrequests sent.
        """
        body = request_body(str(sf.sf_version), self.pending)
        response = sf.restful("composite", method="POST", data=json.dumps(body))
        entries = response.get("compositeResponse") if isinstance(response, dict) else None
        if not isinstance(entries, list):
            raise FatalError("Salesforce composite: the response holds no compositeResponse list")
        failures: list[tuple[str, Failure]] = []
        answered: set[str] = set()
        for entry in entries:
            ref, failure = self._take(entry, answered)
            if failure is not None:
                failures.append((ref, failure))
        missing = set(self.pending) - answered
        if missing:
            raise FatalError(
                f"Salesforce composite: no result for subrequest(s) {', '.join(sorted(missing))}"
            )
        for ref in list(self.pending):
            if ref in self.results:
                del self.pending[ref]
        if failures:
            ref, failure = _worst(failures)
            log.warning(
                "salesforce.subrequest_failed",
                reference=ref,
                status=failure.status,
                code=failure.code,
                action=str(failure.action),
                failed=len(failures),
                pending=len(self.pending),
            )
            raise to_error(failure, f"{OPERATION} subrequest {ref}")
        return self.results

    def _take(self, entry: Any, answered: set[str]) -> tuple[str, Failure | None]:
        """Record one subrequest result; its referenceId and the failure when it did not succeed."""
        ref = str(entry.get("referenceId") or "") if isinstance(entry, dict) else ""
        if ref not in self.pending or ref in answered:
            raise FatalError("Salesforce composite: a result answers no pending subrequest (or twice)")
        answered.add(ref)
        status = entry.get("httpStatusCode")
        body = entry.get("body")
        if isinstance(status, int) and 200 <= status < 300 and isinstance(body, dict):
            self.results[ref] = body
            return ref, None
        code = error_code(body) or "HTTP"
        if not isinstance(status, int):
            return ref, Failure(Action.FAIL, None, code)
        return ref, Failure(lookup(status, code), status, code)


_SEVERITY = {Action.RETRY: 0, Action.RATE_LIMITED: 1}


def _worst(failures: Sequence[tuple[str, Failure]]) -> tuple[str, Failure]:
    """The failure that decides: any permanent one before rate limits, rate limits before retries."""
    return max(failures, key=lambda item: _SEVERITY.get(item[1].action, 2))
