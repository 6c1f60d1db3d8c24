"""The CLI against the wire-level fakes, as an admin would run it: check, setup, sync, status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli import app
from tests.contract.harness_hubspot import make_harness
from tests.fakes.hubspot.server import TOKEN
from tests.hubspot.factory import make_calls


def test_hubspot_check_setup_sync_and_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with make_harness(tmp_path, burst=None, search_per_s=None) as h:
        h.seed(make_calls(30))
        config = tmp_path / "q.toml"
        config.write_text(
            '[store]\nurl = "sqlite:///state.sqlite"\n'
            '[pipelines.hs]\ncrm = "hubspot"\n'
            f'[pipelines.hs.connection]\nbase_url = "{h.fake.base_url}"\nsettle_seconds = 0\n',
            encoding="utf-8",
        )
        runner = CliRunner()
        monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
        missing = runner.invoke(app, ["check", "--config", str(config)])
        assert missing.exit_code == 1 and "HUBSPOT_TOKEN" in missing.output

        monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
        check = runner.invoke(app, ["check", "--config", str(config), "--json"])
        assert check.exit_code == 0, check.output
        assert all(item["ok"] for item in json.loads(check.stdout))

        setup = runner.invoke(app, ["setup", "hubspot", "--config", str(config)])
        assert setup.exit_code == 0, setup.output
        assert "Nothing was changed" in setup.stdout

        sync = runner.invoke(app, ["sync", "--once", "--config", str(config), "--json"])
        assert sync.exit_code == 0, sync.output
        [run] = json.loads(sync.stdout)
        assert run["status"] == "ok" and run["stats"]["decided"] == 30 and run["stats"]["tasks_created"] > 0
        assert TOKEN not in sync.output

        status = runner.invoke(app, ["status", "--config", str(config), "--json"])
        assert json.loads(status.stdout)[0]["outbox"] == {"applied": run["stats"]["planned_writes"]}
