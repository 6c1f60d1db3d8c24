"""Canonical calls to seed the HubSpot fake with."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.model import Call


def make_calls(n: int, *, prospects: int = 0) -> list[Call]:
    """`n` connected calls; with `prospects` > 0 they share that many contacts/companies by name."""
    return [
        Call(
            id=f"c{i}",
            occurred_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
            outcome="connected",
            notes=f"<p>call {i}</p>",
            prospect={"name": f"Ann Lee{i % prospects if prospects else i}", "email": f"a{i}@x.example"},
            company={"name": "Acme", "employees": 50},
        )
        for i in range(n)
    ]
