"""Run the fake Salesforce in a child process (so a benchmark measures only its own memory).

`start(n_calls, fault_rate, seed)` spawns a process that seeds `n_calls` synthetic calls, serves the
fake, and reports its base URL and CA file; `stats(base_url, ca_file)` reads the fake's counters and
integrity figures (GET /_fake/stats); `stop(process)` ends it.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import requests

from connector.model import Call, Company, Prospect

NOTES = [
    "DAF ok pr démo mardi 14h, budget voté T1, besoin confirmé sur la relance des factures",
    "pas de budget cette année, rappeler en septembre",
    "Spoke with the CFO: clear need, budget approved, send me a proposal by Friday",
    "Not interested, we have no need for this",
    "je ne suis pas décisionnaire, c'est notre DG qui signe, je vous le présente jeudi",
]


def synthetic_calls(n: int, start: datetime | None = None) -> list[Call]:
    """`n` varied calls over 2,000 prospects and 500 companies (every third one unanswered)."""
    t0 = start or datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    return [
        Call(
            id=f"b{i:06d}",
            occurred_at=t0 + timedelta(minutes=3 * i),
            outcome="no_answer" if i % 3 == 2 else "connected",
            duration_s=0 if i % 3 == 2 else 180 + i % 600,
            notes="" if i % 3 == 2 else NOTES[i % len(NOTES)],
            prospect=Prospect(
                id=f"p{i % 2000}",
                name=f"Prospect {i % 2000}",
                title="DAF",
                phone=f"+33 6 12 34 {i % 90 + 10} {i % 80 + 10}",
                country="FR",
            ),
            company=Company(
                id=f"co{i % 500}",
                name=f"Société {i % 500}",
                employees=50 + i % 900,
                country="FR",
                industry="Logistique",
            ),
        )
        for i in range(n)
    ]


def _serve(conn: Connection, n_calls: int, fault_rate: float, seed: int) -> None:
    from tests.fakes.salesforce.org import Faults, Org
    from tests.fakes.salesforce.seed import Seeder
    from tests.fakes.salesforce.server import FakeSalesforce

    org = Org(start=datetime(2026, 11, 1, 8, 0, tzinfo=UTC), api_max=10_000_000)
    Seeder(org).calls(synthetic_calls(n_calls))
    org.faults = Faults(rate=fault_rate, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        fake = FakeSalesforce(org, Path(tmp))
        conn.send({"base_url": fake.base_url, "ca_file": fake.ca_file, "now": org.now.isoformat()})
        fake.httpd.serve_forever()


@dataclass
class Child:
    process: Any
    base_url: str
    ca_file: str
    now: datetime


def start(n_calls: int, fault_rate: float = 0.0, seed: int = 7) -> Child:
    """Spawn a fake with `n_calls` seeded calls; returns once it listens."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(child, n_calls, fault_rate, seed), daemon=True)
    process.start()
    info = parent.recv()
    return Child(process, info["base_url"], info["ca_file"], datetime.fromisoformat(info["now"]))


def stats(child: Child) -> dict[str, Any]:
    """The fake's counters: requests by endpoint, faults, logins, and integrity figures."""
    response = requests.get(f"{child.base_url}/_fake/stats", verify=child.ca_file, timeout=60)
    response.raise_for_status()
    data: dict[str, Any] = json.loads(response.text)
    return data


def stop(child: Child) -> None:
    child.process.terminate()
    child.process.join(10)
