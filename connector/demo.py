"""`qualicall demo`: a self-contained demo folder with an embedded CRM seeded from the bundled sample set.

`prepare_demo(folder)` writes `qualicall.toml` (one pipeline on the local CRM, default `bant` pack,
state in a SQLite file beside it) and seeds `crm.sqlite` from connector/data/ the first time; later
calls reuse what is there, so running the demo again shows that nothing is rewritten.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from adapters.local.crm import LocalCRM
from connector.callfile import BadLine, iter_calls
from connector.model import Call

DEMO_CONFIG = """\
# Written by `qualicall demo`. Try: qualicall sync --once --config {config}
[store]
url = "sqlite:///state.sqlite"

[log]
level = "warning"

[kpi]
# Prospecting costs of the fictional team, for the cost per qualified call in the report.
cost_per_rep_hour = 45.0
handling_overhead_s = 300
monthly_fixed = {{ dialer = 390.0, crm_seats = 540.0 }}

[kpi.teams]
"Camille Martin" = "Paris"
"Julien Roux" = "Paris"
"Sarah Benali" = "Paris"
"Inès Dupont" = "Lyon"
"Marc Lefebvre" = "Lyon"
"Tom Walsh" = "Montréal"

[pipelines.demo]
crm = "local"
rules = "bant"
schedule = {{ interval_minutes = 15 }}

[pipelines.demo.connection]
path = "crm.sqlite"
"""


def sample_path(name: str) -> Path:
    """Path of a bundled data file (connector/data/<name>)."""
    return Path(str(resources.files("connector") / "data" / name))


def prepare_demo(folder: Path, reset: bool = False) -> tuple[Path, int]:
    """Create (or reuse) the demo folder; return the config path and how many calls were seeded now."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "qualicall.toml"
    if reset:
        for name in (
            "crm.sqlite",
            "state.sqlite",
            "crm.sqlite-wal",
            "state.sqlite-wal",
            "crm.sqlite-shm",
            "state.sqlite-shm",
        ):
            (folder / name).unlink(missing_ok=True)
    config.write_text(DEMO_CONFIG.format(config=config), encoding="utf-8")
    crm = LocalCRM(folder / "crm.sqlite")
    seeded = 0
    try:
        if crm.count("calls") == 0:
            calls: list[Call] = []
            for item in iter_calls(sample_path("sample_calls.jsonl")):
                if isinstance(item, BadLine):
                    raise ValueError(f"bundled sample set is invalid: {item}")
                calls.append(item)
            seeded = crm.import_calls(calls)
            outcomes = sample_path("sample_outcomes.jsonl")
            if outcomes.exists():
                with outcomes.open(encoding="utf-8") as handle:
                    crm.import_outcomes(json.loads(line) for line in handle if line.strip())
    finally:
        crm.close()
    return config, seeded
