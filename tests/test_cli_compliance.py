"""`qualicall compliance import-optout` and `compliance audit` as an admin runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from adapters.local import LocalCRM
from connector.cli import app
from connector.model import Call, Company, Prospect

runner = CliRunner()


def test_optout_list_blocks_a_consumer_callback_and_the_audit_lists_it(tmp_path: Path) -> None:
    crm = LocalCRM(tmp_path / "crm.sqlite")
    crm.import_calls(
        [
            Call(
                id="k1",
                occurred_at="2026-11-20T11:00:00+01:00",
                outcome="no_answer",
                owner="Camille Martin",
                prospect=Prospect(
                    id="c1",
                    name="Jeanne Petit",
                    phone="06 12 34 56 78",
                    country="FR",
                    consumer=True,
                    consent_at="2026-09-01T10:00:00+02:00",
                ),
                company=Company(id="co1", name="Particulier", employees=50, country="FR"),
            )
        ]
    )
    crm.close()
    optout = tmp_path / "bloctel.csv"
    optout.write_text("numero\n+33 6 12 34 56 78\n0033 1 44 55 66 77\nnot a number\n", encoding="utf-8")
    config = tmp_path / "q.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///state.sqlite"\n[pipelines.p]\ncrm = "local"\n'
        '[pipelines.p.connection]\npath = "crm.sqlite"\n',
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["compliance", "import-optout", str(optout), "--config", str(config)])
    assert imported.exit_code == 0, imported.output
    said = " ".join(imported.stdout.split())
    assert "2 numbers imported" in said and "1 rows skipped" in said

    sync = runner.invoke(app, ["sync", "--once", "--config", str(config), "--json"])
    assert sync.exit_code == 0, sync.output
    assert json.loads(sync.stdout)[0]["stats"]["tasks_created"] == 0, "no callback to a number on the list"

    audit = runner.invoke(app, ["compliance", "audit", "--since", "2026-01-01", "--config", str(config)])
    assert audit.exit_code == 0, audit.output
    rows = list(csv.DictReader(io.StringIO(audit.stdout)))
    assert rows and all(r["action"] in ("blocked", "moved") for r in rows)
    blocked = [r for r in rows if r["call_id"] == "k1" and r["action"] == "blocked"]
    assert blocked and blocked[0]["rule"] and blocked[0]["rule_text"]
