"""Errors as data: what a HubSpot status or transport exception means for the run.

`ACTIONS` maps an HTTP status to an action; `translate(exc)` turns an exception raised by
hubspot-api-client (or urllib3 underneath it) into the connector's own error, to be raised with
`raise translated from exc`. Messages carry the status, HubSpot's error category and correlation id when
present, never the response body (customer data) nor the token.

    status / exception                    action        connector error
    429                                   rate_limited  RateLimitedError(retry_after from Retry-After)
    500, 502, 503, 504, 520-524           retry         RetriableError
    0 / timeout / reset / protocol error  retry         RetriableError
    401                                   auth          AuthError
    403                                   auth          AuthError (missing scopes)
    404                                   fatal         FatalError
    other 4xx                             fatal         FatalError

Per-record errors of a 207 multi-status are not exceptions: `record_error(error)` classifies one entry
of a batch response's `errors` list (RATE_LIMITS / INTERNAL_ERROR ... retriable; VALIDATION_ERROR,
OBJECT_NOT_FOUND ... permanent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from urllib3.exceptions import HTTPError as Urllib3Error

from adapters.base import RecordError
from connector.errors import AuthError, CRMError, FatalError, RateLimitedError, RetriableError

Action = Literal["rate_limited", "retry", "auth", "fatal"]

ACTIONS: Mapping[int, Action] = {
    0: "retry",
    401: "auth",
    403: "auth",
    408: "retry",
    423: "retry",
    429: "rate_limited",
    500: "retry",
    502: "retry",
    503: "retry",
    504: "retry",
    520: "retry",
    521: "retry",
    522: "retry",
    523: "retry",
    524: "retry",
}
"""HTTP status → action; a status not listed is `fatal`."""

RETRIABLE_CATEGORIES = frozenset(
    {"RATE_LIMITS", "INTERNAL_ERROR", "LOCKED", "TIMEOUT", "SERVICE_UNAVAILABLE"}
)
"""Error categories of a 207 entry (or an error body) that a later try may fix."""


def action_for(status: int) -> Action:
    """The action for an HTTP status (see ACTIONS)."""
    return ACTIONS.get(status, "fatal")


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name:
            return str(value)
    return None


def retry_after(headers: Any) -> float | None:
    """Seconds to wait from Retry-After, or from X-HubSpot-RateLimit-Interval-Milliseconds on a 429."""
    value = _header(headers, "retry-after")
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    interval = _header(headers, "x-hubspot-ratelimit-interval-milliseconds")
    if interval is not None and interval.isdigit():
        return int(interval) / 1000.0
    return None


def _category(body: Any) -> str:
    """HubSpot's error category and correlation id from an error body, for the message (no content)."""
    try:
        data = json.loads(body) if isinstance(body, bytes | str) and body else None
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[k]) for k in ("category", "correlationId") if isinstance(data.get(k), str)]
    return f" [{' '.join(parts)}]" if parts else ""


def translate(exc: BaseException, what: str) -> CRMError:
    """The connector error for an exception raised while doing `what` (e.g. "search calls")."""
    if isinstance(exc, CRMError):
        return exc
    status = getattr(exc, "status", None)
    if isinstance(status, int) and hasattr(exc, "reason"):
        action = action_for(status)
        detail = f"HubSpot {what}: HTTP {status}{_category(getattr(exc, 'body', None))}"
        headers = getattr(exc, "headers", None)
        if action == "rate_limited":
            return RateLimitedError(detail, status=status, retry_after=retry_after(headers))
        if action == "retry":
            return RetriableError(detail, status=status)
        if action == "auth":
            hint = "token rejected" if status == 401 else "token lacks a scope"
            return AuthError(f"{detail} ({hint})", status=status)
        return FatalError(detail, status=status)
    if isinstance(exc, Urllib3Error | httpx.TransportError | ConnectionError | TimeoutError | OSError):
        return RetriableError(f"HubSpot {what}: {type(exc).__name__} (no response)")
    return FatalError(f"HubSpot {what}: unexpected {type(exc).__name__}")


def record_error(entry: Mapping[str, Any] | Any) -> RecordError:
    """Classify one entry of a 207 response's `errors` (a dict or an SDK model).

    The message is built from HubSpot's category and sub-category only: HubSpot's free text may quote
    the record's values (customer data), so it is not kept.
    """
    data = entry if isinstance(entry, Mapping) else entry.to_dict()
    category = str(data.get("category") or data.get("status") or "ERROR")
    sub = data.get("sub_category") or data.get("subCategory")
    retriable = category in RETRIABLE_CATEGORIES
    detail = f"{category}{f' / {sub}' if isinstance(sub, str) and sub else ''}"
    action = "will be retried" if retriable else "fix the record or the mapping"
    return RecordError(
        code=category, message=f"HubSpot refused this record: {detail} ({action})", retriable=retriable
    )
