"""Errors as data: what each Salesforce failure means for the connector, and its translation.

Two tables drive every decision; nothing else in the adapter inspects a status code or error code:

- `REQUEST_ACTIONS` maps (HTTP status, errorCode) of a failed request to an `Action`
  (retry, rate-limited, budget, refresh-then-retry, auth, fail);
- `RECORD_ERRORS` maps the statusCode of one record in an sObject Collections result to whether it is
  retriable (a later run tries again) or permanent (parked with its reason).

`classify` turns a vendor exception (simple-salesforce or requests) into a `Failure`, and `to_error`
turns a `Failure` into a `connector.errors` exception whose message names the operation, the status
and the error code only: simple-salesforce's exception text embeds the response body (customer data),
so it never reaches a message or a log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from connector.errors import (
    AuthError,
    BudgetExhaustedError,
    CRMError,
    FatalError,
    RateLimitedError,
    RetriableError,
)


class Action(StrEnum):
    """What to do about a failed request."""

    RETRY = "retry"
    RATE_LIMITED = "rate-limited"
    BUDGET = "budget"
    REFRESH = "refresh-then-retry"
    AUTH = "auth"
    FAIL = "fail"
    REQUERY = "requery"


ANY = "*"

REQUEST_ACTIONS: dict[tuple[int | str, str], Action] = {
    (401, "INVALID_SESSION_ID"): Action.REFRESH,
    (401, ANY): Action.AUTH,
    (403, "REQUEST_LIMIT_EXCEEDED"): Action.RATE_LIMITED,  # TotalRequests → BUDGET, see classify
    (403, "API_DISABLED_FOR_ORG"): Action.AUTH,
    (403, "INSUFFICIENT_ACCESS"): Action.AUTH,
    (403, ANY): Action.FAIL,
    (429, ANY): Action.RATE_LIMITED,
    (500, ANY): Action.RETRY,
    (502, ANY): Action.RETRY,
    (503, "SERVER_UNAVAILABLE"): Action.RETRY,
    (503, ANY): Action.RETRY,
    (504, ANY): Action.RETRY,
    ("network", ANY): Action.RETRY,
    (400, "UNABLE_TO_LOCK_ROW"): Action.RETRY,
    (400, "QUERY_TIMEOUT"): Action.RETRY,
    (400, "INVALID_QUERY_LOCATOR"): Action.REQUERY,
    (404, "INVALID_QUERY_LOCATOR"): Action.REQUERY,
    (400, ANY): Action.FAIL,
    (404, ANY): Action.FAIL,
    (ANY, ANY): Action.FAIL,
}
"""(HTTP status or "network", errorCode or ANY) → action; the most specific entry wins."""


class QueryLocatorExpired(FatalError):
    """A query's nextRecordsUrl expired (INVALID_QUERY_LOCATOR): not retried as is; the reader issues
    the query again from its last cursor."""


@dataclass(frozen=True, slots=True)
class RecordRule:
    """How to treat one per-record statusCode; `reason` is what `qualicall status` shows."""

    retriable: bool
    reason: str
    show_message: bool = False
    """Whether Salesforce's own message may be shown: only admin-authored validation messages, never
    messages that echo the refused value (STRING_TOO_LONG quotes the data)."""


RECORD_ERRORS: dict[str, RecordRule] = {
    "UNABLE_TO_LOCK_ROW": RecordRule(True, "record locked by another transaction"),
    "REQUEST_RUNNING_TOO_LONG": RecordRule(True, "request took too long"),
    "SERVER_UNAVAILABLE": RecordRule(True, "server unavailable"),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": RecordRule(False, "refused by a validation rule", show_message=True),
    "STRING_TOO_LONG": RecordRule(False, "value longer than the field allows"),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": RecordRule(False, "value not in the restricted picklist"),
    "INVALID_FIELD_FOR_INSERT_UPDATE": RecordRule(False, "field is not writable"),
    "INVALID_FIELD": RecordRule(False, "no such field"),
    "FIELD_INTEGRITY_EXCEPTION": RecordRule(False, "value refused by the field"),
    "ENTITY_IS_DELETED": RecordRule(False, "record was deleted"),
    "INVALID_CROSS_REFERENCE_KEY": RecordRule(False, "record or related record not found"),
    "MALFORMED_ID": RecordRule(False, "not a Salesforce id"),
    "INSUFFICIENT_ACCESS_OR_READONLY": RecordRule(False, "no access to the record"),
    "DUPLICATE_VALUE": RecordRule(False, "duplicate value in a unique field"),
    "CANNOT_UPDATE_CONVERTED_LEAD": RecordRule(False, "the lead was converted; write to its contact"),
    "DUPLICATE_EXTERNAL_ID": RecordRule(False, "several tasks hold this key (is the key field unique?)"),
}
DEFAULT_RECORD_RULE = RecordRule(False, "refused by Salesforce")


def record_rule(status_code: str) -> RecordRule:
    """The rule for a per-record statusCode (unknown codes are permanent)."""
    return RECORD_ERRORS.get(status_code, DEFAULT_RECORD_RULE)


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified request failure: no response body, only what is safe to show and act on."""

    action: Action
    status: int | None
    code: str
    retry_after: float | None = None


def lookup(status: int | str, code: str) -> Action:
    """The action for (status, errorCode), most specific entry first."""
    for key in ((status, code), (status, ANY), (ANY, ANY)):
        if key in REQUEST_ACTIONS:
            return REQUEST_ACTIONS[key]
    return Action.FAIL  # pragma: no cover - (ANY, ANY) is always present


def _error_body(content: Any) -> tuple[str, str]:
    """(errorCode, message) of a Salesforce error body ([{errorCode, message}]), or ("", "").

    simple-salesforce hands the body over already decoded from JSON when it could, else as bytes/str.
    """
    data = content
    if isinstance(content, bytes | str):
        try:
            data = json.loads(content or b"")
        except ValueError:
            return "", ""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        first = data[0]
    elif isinstance(data, dict):
        first = data
    else:
        return "", ""
    return str(first.get("errorCode") or first.get("error") or ""), str(first.get("message") or "")


def error_code(content: Any) -> str:
    """The errorCode of a Salesforce error body ("" when there is none); never its message."""
    return _error_body(content)[0]


def classify(exc: BaseException) -> Failure:
    """Classify a simple-salesforce or requests exception (anything else is FAIL)."""
    if isinstance(exc, requests.exceptions.Timeout | requests.exceptions.ConnectionError):
        return Failure(Action.RETRY, None, type(exc).__name__)
    if isinstance(exc, SalesforceError):
        status = int(exc.status)
        code, message = _error_body(exc.content)
        action = lookup(status, code)
        if code == "REQUEST_LIMIT_EXCEEDED" and "TotalRequests" in message:
            action = Action.BUDGET
        return Failure(action, status, code or "HTTP")
    if isinstance(exc, requests.exceptions.RequestException):
        return Failure(Action.FAIL, None, type(exc).__name__)
    return Failure(Action.FAIL, None, type(exc).__name__)


def to_error(failure: Failure, operation: str) -> CRMError:
    """The connector exception for a failure; the message holds no response content."""
    where = f"HTTP {failure.status}" if failure.status is not None else "network"
    message = f"Salesforce {operation}: {where} {failure.code}"
    if failure.action is Action.RETRY:
        return RetriableError(message, status=failure.status)
    if failure.action is Action.RATE_LIMITED:
        return RateLimitedError(message, status=failure.status, retry_after=failure.retry_after)
    if failure.action is Action.BUDGET:
        return BudgetExhaustedError(message + " (daily API allowance used up)", status=failure.status)
    if failure.action is Action.REQUERY:
        return QueryLocatorExpired(message, status=failure.status)
    if failure.action in (Action.AUTH, Action.REFRESH):
        return AuthError(message, status=failure.status)
    return FatalError(message, status=failure.status)
