"""The CLI as a user runs it: demo twice, edit one call, sync, status, explain, qualify, example config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from connector.cli import app
from connector.demo import sample_path

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args: str) -> str:
    """Run the CLI; return its standard output with line wrapping undone."""
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout if "--json" in args else " ".join(result.stdout.split())


def test_demo_then_again_then_edit_one_call(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = json.loads(invoke("demo", "--dir", str(folder), "--json"))
    calls = sum(1 for line in sample_path("sample_calls.jsonl").open() if line.strip())
    stats = first["stats"]
    assert first["seeded"] == calls and stats["calls_read"] == calls and stats["decided"] == calls
    assert stats["fields_written"] > 0 and stats["tasks_created"] > 0

    second = invoke("demo", "--dir", str(folder))
    assert "0 fields, 0 tasks" in second

    config = folder / "qualicall.toml"
    [call_id] = [json.loads(line)["id"] for line in sample_path("sample_calls.jsonl").open()][7:8]
    invoke(
        "local",
        "edit",
        call_id,
        "--crm",
        str(folder / "crm.sqlite"),
        "--notes",
        "Pas de besoin, nous avons déjà un outil interne. Ne plus appeler.",
    )
    [run] = json.loads(invoke("sync", "--once", "--config", str(config), "--json"))
    assert run["stats"]["calls_read"] == 1 and run["stats"]["decided"] == 1
    assert run["stats"]["statuses"] == {"disqualified": 1}

    status = json.loads(invoke("status", "--config", str(config), "--json"))
    assert status[0]["outbox"].get("pending", 0) == 0 and len(status[0]["runs"]) == 3
    trace = invoke("explain", call_id, "--config", str(config))
    assert call_id in trace and "disqualified" in trace


def test_example_config_syncs_an_imported_file(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.example.toml")
    invoke(
        "local", "import", str(sample_path("sample_calls.jsonl")), "--crm", str(tmp_path / "local-crm.sqlite")
    )
    [run] = json.loads(invoke("sync", "--once", "--config", str(tmp_path / "config.example.toml"), "--json"))
    assert run["status"] == "ok" and run["stats"]["decided"] > 0
    assert (tmp_path / "qualicall-state.sqlite").exists()


def test_qualify_a_file_offline_and_explain_from_it(tmp_path: Path) -> None:
    source = tmp_path / "calls.jsonl"
    lines = sample_path("sample_calls.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    source.write_text("\n".join([*lines, "{broken"]) + "\n", encoding="utf-8")
    output = tmp_path / "results.jsonl"
    result = runner.invoke(
        app, ["qualify", "-i", str(source), "-o", str(output), "--now", "2026-11-26T09:00:00+00:00"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 20
    assert {"id", "status", "reason", "next_step", "score", "recontact_on", "evidence"} <= set(rows[0])
    assert "1 unreadable" in result.output.replace("\n", " ")
    first_id = json.loads(lines[0])["id"]
    assert first_id in invoke("explain", first_id, "-i", str(source), "--now", "2026-11-26T09:00:00+00:00")


def test_date_options_read_naive_times_as_utc_and_name_the_option_when_unreadable(tmp_path: Path) -> None:
    source = tmp_path / "calls.jsonl"
    source.write_text(sample_path("sample_calls.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n")
    naive, aware = tmp_path / "naive.jsonl", tmp_path / "aware.jsonl"
    for now, output in (("2026-11-26", naive), ("2026-11-26T00:00:00+00:00", aware)):
        result = runner.invoke(app, ["qualify", "-i", str(source), "-o", str(output), "--now", now])
        assert result.exit_code == 0, result.output
    assert naive.read_text(encoding="utf-8") == aware.read_text(encoding="utf-8")
    for args in (
        ["qualify", "-i", str(source), "-o", str(tmp_path / "x.jsonl"), "--now", "next tuesday"],
        ["explain", "call-0001", "-i", str(source), "--now", "next tuesday"],
        ["report", "--since", "next tuesday", "--config", str(tmp_path / "absent.toml")],
        ["compliance", "audit", "--since", "next tuesday", "--config", str(tmp_path / "absent.toml")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        option = args[args.index("next tuesday") - 1]
        assert f"{option}: not an ISO date or date-time: 'next tuesday'" in result.output, result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_invalid_config_exits_2_and_lists_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[pipelines.a]\ncrm = "local"\nbatch_sise = 3\n[pipelines.a.connection]\ntoken = "s3cr3t-value"\n'
    )
    result = runner.invoke(app, ["sync", "--once", "--config", str(config)])
    assert result.exit_code == 2
    assert "batch_sise" in result.output and "token_env" in result.output
    assert "s3cr3t-value" not in result.output
