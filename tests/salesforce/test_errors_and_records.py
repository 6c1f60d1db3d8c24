"""The error tables and pure conversions, without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest

from adapters.salesforce._errors import Action, classify, record_rule, to_error
from adapters.salesforce._records import encode, object_of, record_error
from connector.errors import BudgetExhaustedError, FatalError, RateLimitedError, RetriableError

BODY = [
    {
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
        "message": "ConcurrentPerOrgLongTxn Limit exceeded. jane@acme.example",
    }
]


@pytest.mark.parametrize(
    ("exc", "action", "error"),
    [
        (SalesforceRefusedRequest("u", 403, "query", BODY), Action.RATE_LIMITED, RateLimitedError),
        (
            SalesforceRefusedRequest(
                "u",
                403,
                "q",
                [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}],
            ),
            Action.BUDGET,
            BudgetExhaustedError,
        ),
        (SalesforceGeneralError("u", 502, "q", b"<html>bad gateway</html>"), Action.RETRY, RetriableError),
        (
            SalesforceGeneralError("u", 500, "q", [{"errorCode": "UNKNOWN_EXCEPTION"}]),
            Action.RETRY,
            RetriableError,
        ),
        (requests.exceptions.ReadTimeout("slow"), Action.RETRY, RetriableError),
        (requests.exceptions.ConnectionError("reset"), Action.RETRY, RetriableError),
        (SalesforceRefusedRequest("u", 403, "q", [{"errorCode": "FORBIDDEN"}]), Action.FAIL, FatalError),
    ],
)
def test_request_failures_map_to_actions_and_errors(exc: Exception, action: Action, error: type) -> None:
    failure = classify(exc)
    assert failure.action is action
    translated = to_error(failure, "query")
    assert isinstance(translated, error)
    assert "jane@acme.example" not in str(translated) and "bad gateway" not in str(translated)


def test_record_rules_split_transient_from_permanent() -> None:
    assert record_rule("UNABLE_TO_LOCK_ROW").retriable
    for code in (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "STRING_TOO_LONG",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "SOMETHING_NEW",
    ):
        assert not record_rule(code).retriable
    error = record_error(
        [
            {
                "statusCode": "STRING_TOO_LONG",
                "message": "Subject: data value too large: SECRET",
                "fields": ["Subject"],
            }
        ]
    )
    assert error.code == "STRING_TOO_LONG" and "SECRET" not in error.message and "Subject" in error.message


def test_values_are_encoded_the_way_salesforce_reads_them() -> None:
    paris = timezone(timedelta(hours=1))
    assert encode(datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=paris)) == "2026-11-26T09:00:00.123Z"
    assert encode(date(2026, 12, 1)) == "2026-12-01"
    assert encode("") is None and encode("  ") is None
    assert encode(72.5) == 72.5 and encode(True) is True
    assert encode(datetime(2026, 1, 1, tzinfo=UTC)).endswith("00:00:00.000Z")


def test_ids_are_recognised_by_prefix_and_shape() -> None:
    assert object_of("00Q000000000001AAA") == "Lead"
    assert object_of("003000000000001") == "Contact"
    assert object_of("003' OR Id != null") is None
    assert object_of("zzz000000000001AAA") is None
