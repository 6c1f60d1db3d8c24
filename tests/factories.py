"""Small builders of canonical calls for tests (texts in French and English)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.model import Call, Company, Prospect

T0 = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)

NOTES = [
    "DAF ok pr démo mardi 14h, budget voté T1, besoin confirmé sur la relance des factures",
    "pas de budget cette année, rappeler en septembre",
    "Spoke with the CFO: clear need, budget approved, send me a proposal by Friday",
    "Not interested, we have no need for this",
    "je ne suis pas décisionnaire, c'est notre DG qui signe, je vous le présente jeudi",
]


def make_calls(n: int, prefix: str = "c", start: datetime = T0) -> list[Call]:
    """`n` varied calls: connected ones with notes from NOTES, every third one unanswered."""
    return [
        Call(
            id=f"{prefix}{i:04d}",
            occurred_at=start + timedelta(minutes=7 * i),
            outcome="no_answer" if i % 3 == 2 else "connected",
            duration_s=0 if i % 3 == 2 else 240 + i,
            owner=["Camille Martin", "Tom Walsh"][i % 2],
            source="outbound-q4",
            notes="" if i % 3 == 2 else NOTES[i % len(NOTES)],
            prospect=Prospect(
                id=f"p{i % 11}",
                name=f"Prospect {i % 11}",
                title="DAF",
                phone=f"+33 6 12 34 56 {i % 90 + 10}",
                country="FR",
            ),
            company=Company(
                id=f"co{i % 7}", name=f"Société {i % 7}", employees=250, country="FR", industry="Logistique"
            ),
        )
        for i in range(n)
    ]
