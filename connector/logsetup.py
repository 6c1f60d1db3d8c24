"""Logging: structlog to stderr, human-readable or JSON, with secrets scrubbed from every line.

Secrets come only from environment variables; `configure_logging(..., secret_values=...)` receives
their values and a processor replaces any occurrence of them in every event field with "***" — a
last line of defence behind the rule that no code logs a secret in the first place.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class SecretScrubber:
    """structlog processor replacing known secret values (≥ 6 characters) with '***'."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, "***")
        return value

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        if self.secrets:
            for key, value in list(event.items()):
                event[key] = self.scrub(value)
        return event


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """A logger on the *current* sys.stderr (it may be replaced after configuration, e.g. in tests)."""
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(level: str = "info", fmt: str = "console", secret_values: Iterable[str] = ()) -> None:
    """Configure structlog for the process (idempotent)."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            SecretScrubber(secret_values),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
