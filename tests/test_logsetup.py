"""Secrets never reach a log line: the scrubber replaces known secret values in every event field."""

from __future__ import annotations

import json

import pytest
import structlog

from connector.logsetup import SecretScrubber, configure_logging


def test_scrubber_replaces_secret_values_everywhere() -> None:
    scrub = SecretScrubber(["pat-na1-0123456789", "short", ""])
    event = scrub(
        None,
        "info",
        {
            "event": "auth failed for pat-na1-0123456789",
            "url": "x?t=pat-na1-0123456789",
            "count": 3,
            "short": "short",
        },
    )
    assert event == {"event": "auth failed for ***", "url": "x?t=***", "count": 3, "short": "short"}


def test_configured_logging_scrubs_and_renders_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json", ["s3cr3t-token-value"])
    structlog.get_logger("t").warning("request.failed", detail="Bearer s3cr3t-token-value rejected")
    structlog.get_logger("t").debug("hidden")
    line = capsys.readouterr().err.strip()
    record = json.loads(line)
    assert record["detail"] == "Bearer *** rejected" and record["level"] == "warning"
    assert "s3cr3t" not in line
