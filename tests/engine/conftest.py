"""Shared fixtures for the engine tests: the built-in rulesets and a call factory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connector.model import Call
from connector.rules import Ruleset, load_ruleset

CALL_AT = datetime(2026, 10, 6, 10, 0, tzinfo=UTC)  # a Tuesday
NOW = datetime(2026, 10, 6, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def bant() -> Ruleset:
    return load_ruleset("bant")


@pytest.fixture(scope="session")
def champ() -> Ruleset:
    return load_ruleset("champ")


def make_call(
    notes: str = "",
    transcript: str = "",
    *,
    outcome: str = "connected",
    occurred_at: datetime = CALL_AT,
    prospect: dict[str, Any] | None = None,
    company: dict[str, Any] | None = None,
    **extra: Any,
) -> Call:
    """A connected call from a 120-person French company in the default ICP, unless told otherwise."""
    return Call.model_validate(
        {
            "id": extra.pop("id", "call-1"),
            "occurred_at": occurred_at,
            "outcome": outcome,
            "owner": "Camille Martin",
            "notes": notes,
            "transcript": transcript,
            "prospect": {"id": "p-1", "name": "Sophie Garnier", "country": "FR"} | (prospect or {}),
            "company": {"id": "c-1", "name": "Acme", "employees": 120, "country": "FR", "industry": "Retail"}
            | (company or {}),
            **extra,
        }
    )
