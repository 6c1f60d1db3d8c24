"""The `qualicall` command line (typer + rich). Each command is a thin shell over the library:

    demo            seed an embedded CRM from the sample set, sync it, print a summary
    sync --once     run each pipeline once (or --pipeline NAME)
    run             the daemon: every pipeline on its schedule until SIGTERM
    status          last runs, cursors, pending and failed writes, record errors
    check           connectivity, credentials, mapped fields
    setup CRM       create the custom fields/properties Qualicall writes (shows the plan first)
    qualify         score a call file offline (backtest)
    explain ID      criterion-by-criterion trace of a call (from a file or the store)
    report          KPIs: terminal tables, HTML, CSV/JSON
    local import    load a call file into an embedded CRM;  local edit: change a call as a rep would
    compliance import-optout / audit

Exit status: 0 success, 1 a run failed or a check did not pass, 2 invalid configuration or input.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from connector import app as wiring
from connector.callfile import BadLine, iter_calls
from connector.config import Settings, load_settings
from connector.errors import ConfigError, QualicallError
from connector.kpi import compute_report
from connector.logsetup import configure_logging
from connector.model import Call
from connector.pipeline import RunResult, run_pipeline
from connector.report import print_report, write_exports, write_html

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Qualify logged sales calls in your CRM.")
local_app = typer.Typer(no_args_is_help=True, help="The embedded local CRM.")
compliance_app = typer.Typer(no_args_is_help=True, help="Telemarketing compliance tools.")
app.add_typer(local_app, name="local")
app.add_typer(compliance_app, name="compliance")

out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="QUALICALL_CONFIG", help="TOML configuration file."),
]
PipelineOpt = Annotated[str | None, typer.Option("--pipeline", "-p", help="Only this pipeline.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]

DEFAULT_CONFIG = Path("qualicall.toml")


def _secret_values(settings: Settings) -> list[str]:
    names: set[str] = set()
    for ps in settings.pipelines.values():
        for key, value in ps.connection.items():
            if key.endswith("_env") and isinstance(value, str):
                names.add(value)
    if settings.store.url_env:
        names.add(settings.store.url_env)
    return [os.environ[n] for n in names if n in os.environ]


def _load(config: Path) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        err.print(f"[red]Invalid configuration[/red] {exc.source}:")
        for problem in exc.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    configure_logging(settings.log.level, settings.log.format, _secret_values(settings))
    return settings


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(message, markup=False, highlight=False)
    return typer.Exit(code)


def _instant(value: str, option: str) -> datetime:
    """`value` (an ISO date or date-time, UTC when it names no offset) as an aware datetime; anything
    else exits with an error naming `option`."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: not an ISO date or date-time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _result_json(result: RunResult) -> dict[str, Any]:
    return {
        "pipeline": result.pipeline,
        "status": result.status,
        "message": result.message,
        "run_id": result.run_id,
        "started_at": result.started_at.isoformat() if result.started_at else None,
        "finished_at": result.finished_at.isoformat() if result.finished_at else None,
        "stats": result.stats.as_dict(),
    }


def _sync(settings: Settings, name: str | None, *, dry_run: bool, show_progress: bool) -> list[RunResult]:
    store = wiring.open_state(settings, os.environ)
    results = []
    try:
        for pname, _ in settings.pipeline(name):
            with Progress(
                TextColumn(f"[bold]{pname}[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("calls"),
                TimeElapsedColumn(),
                console=err,
                disable=not show_progress,
                transient=True,
            ) as progress:
                task = progress.add_task(pname, total=None)

                def advance(n: int, task: TaskID = task, progress: Progress = progress) -> None:
                    progress.advance(task, n)

                pipeline = wiring.make_pipeline(
                    pname,
                    settings,
                    store,
                    env=os.environ,
                    dry_run=dry_run or None,
                    on_page=advance,
                )
                try:
                    results.append(run_pipeline(pipeline))
                finally:
                    pipeline.adapter.close()
    finally:
        store.close()
    return results


def _summary_table(result: RunResult, elapsed: float | None = None) -> Table:
    s = result.stats
    table = Table(
        title=f"Pipeline {result.pipeline}: {result.status}", show_header=False, title_justify="left"
    )
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("calls read", str(s.calls_read))
    table.add_row("  unchanged since last decision (skipped)", str(s.unchanged))
    table.add_row("  deleted in the CRM (skipped)", str(s.deleted))
    table.add_row("  unreadable (see `qualicall status`)", str(s.mapping_errors))
    table.add_row("calls qualified now", str(s.decided))
    for status in ("qualified", "nurture", "disqualified", "unreached"):
        table.add_row(f"  {status}", str(s.statuses.get(status, 0)))
        for key, count in sorted(s.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            if key.startswith(status + "/"):
                table.add_row(f"    {key.split('/', 1)[1]}", str(count))
    table.add_row("calls updated in the CRM", str(s.calls_updated))
    table.add_row("fields written", str(s.fields_written))
    table.add_row("follow-up tasks created", str(s.tasks_created))
    table.add_row("follow-up tasks already there", str(s.tasks_existing))
    table.add_row("writes failed (retried or parked)", str(s.write_failures))
    if elapsed is not None:
        table.add_row("time taken", f"{elapsed:.2f} s")
    return table


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Demo folder.")] = Path("qualicall-demo"),
    reset: Annotated[bool, typer.Option("--reset", help="Start over with a fresh CRM and state.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Seed an embedded CRM with the bundled sample calls, qualify them, and print what was done."""
    from connector.demo import prepare_demo

    began = time.perf_counter()
    config, seeded = prepare_demo(folder, reset=reset)
    settings = _load(config)
    [result] = _sync(settings, "demo", dry_run=False, show_progress=not as_json and err.is_terminal)
    elapsed = time.perf_counter() - began
    report_path, funnel = _demo_report(settings, folder)
    if as_json:
        payload = _result_json(result) | {"seeded": seeded, "elapsed_s": elapsed, "folder": str(folder)}
        payload["report"] = str(report_path)
        out.print_json(data=payload)
        return
    if seeded:
        out.print(f"Seeded the embedded CRM with {seeded} sample calls ({folder / 'crm.sqlite'}).")
    out.print(_summary_table(result, elapsed))
    s = result.stats
    if s.fields_written == 0 and s.tasks_created == 0:
        out.print(
            "Nothing to write: every call is already qualified and up to date in the CRM (0 fields, 0 tasks)."
        )
    out.print(
        f"Results are in the CRM file {folder / 'crm.sqlite'} (calls.qualicall_* columns, tasks table)."
    )
    out.print(f"State: {folder / 'state.sqlite'}. Config: {config}.")
    out.print(funnel)
    out.print(f"Report: {report_path} (open it in a browser; `qualicall report` prints it here)")
    out.print(f"Next: qualicall status --config {config}   ·   qualicall explain <call id> --config {config}")
    if result.status == "failed":
        raise typer.Exit(1)


def _demo_report(settings: Settings, folder: Path) -> tuple[Path, str]:
    """The demo ends with the KPI report on the sample set: HTML beside the CRM file, and a funnel line."""
    store = wiring.open_state(settings, os.environ)
    try:
        with store.engine.connect() as conn:
            report = compute_report(
                conn,
                pipeline="demo",
                settings=settings.kpi_settings,
                now=datetime.now(UTC),
                variants=settings.pipelines["demo"].ab_settings,
            )
    finally:
        store.close()
    path = folder / "report.html"
    write_html(report, path)
    stages = [
        f"{stage['count']} {stage['label'].lower()}"
        + (f" ({stage['of_previous']:.1%})" if stage["of_previous"] is not None else "")
        for stage in report["funnel"]
    ]
    return path, "Funnel: " + " → ".join(stages)


@app.command()
def sync(
    config: ConfigOpt = DEFAULT_CONFIG,
    pipeline: PipelineOpt = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run once and exit (the daemon is `qualicall run`).")
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide and plan, write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run each pipeline (or one) once: read new and changed calls, qualify, write back."""
    del once
    settings = _load(config)
    began = time.perf_counter()
    try:
        results = _sync(settings, pipeline, dry_run=dry_run, show_progress=not as_json and err.is_terminal)
    except QualicallError as exc:
        raise _fail(f"sync failed: {exc}", 1) from None
    elapsed = time.perf_counter() - began
    if as_json:
        out.print_json(data=[_result_json(r) for r in results])
    else:
        for result in results:
            out.print(_summary_table(result, elapsed))
            if result.message:
                out.print(f"[yellow]{result.pipeline}[/yellow]: {result.message}", highlight=False)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


@app.command()
def run(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Run the daemon: every pipeline on its schedule; SIGTERM finishes the current batch and exits 0."""
    from connector.daemon import Daemon

    settings = _load(config)
    store = wiring.open_state(settings, os.environ)

    def run_once(name: str, stop: threading.Event) -> RunResult:
        pipeline = wiring.make_pipeline(name, settings, store, env=os.environ, stop=stop)
        try:
            return run_pipeline(pipeline)
        finally:
            pipeline.adapter.close()

    try:
        code = Daemon(settings, run_once).serve()
    finally:
        store.close()
    raise typer.Exit(code)


@app.command()
def status(
    config: ConfigOpt = DEFAULT_CONFIG, pipeline: PipelineOpt = None, as_json: JsonOpt = False
) -> None:
    """Last runs, cursor, pending and failed writes, and records that could not be processed."""
    settings = _load(config)
    store = wiring.open_state(settings, os.environ)
    try:
        data: list[dict[str, Any]] = []
        for name, _ in settings.pipeline(pipeline):
            data.append(
                {
                    "pipeline": name,
                    "cursor": store.get_cursor(name),
                    "outbox": store.outbox_counts(name),
                    "runs": store.runs(name, 5),
                    "failed_writes": store.outbox_items(name, ["parked"], 20),
                    "pending_writes": store.outbox_items(name, ["pending"], 20),
                    "record_errors": store.record_errors(name, 20),
                }
            )
    finally:
        store.close()
    if as_json:
        out.print_json(json.dumps(data, default=str))
        return
    for item in data:
        out.rule(f"pipeline {item['pipeline']}")
        out.print(f"cursor: {json.dumps(item['cursor'])}", highlight=False)
        counts = item["outbox"]
        out.print(
            f"writes: {counts.get('applied', 0)} applied, {counts.get('pending', 0)} pending, "
            f"{counts.get('parked', 0)} failed (parked)"
        )
        runs = Table("run", "started", "finished", "status", "read", "decided", "fields", "tasks", "message")
        for r in item["runs"]:
            st = r["stats"] or {}
            runs.add_row(
                str(r["id"]),
                str(r["started_at"])[:19],
                str(r["finished_at"] or "")[:19],
                r["status"],
                str(st.get("calls_read", "")),
                str(st.get("decided", "")),
                str(st.get("fields_written", "")),
                str(st.get("tasks_created", "")),
                r["message"] or "",
            )
        out.print(runs)
        problems = [
            ("write " + w["kind"], w["call_id"], w["last_error"] or "", w["state"])
            for w in item["failed_writes"]
        ]
        problems += [
            ("write " + w["kind"], w["call_id"], w["last_error"] or "", "pending")
            for w in item["pending_writes"]
            if w["attempts"]
        ]
        problems += [
            ("record " + e["stage"], e["record_id"], e["message"], "error") for e in item["record_errors"]
        ]
        if problems:
            table = Table("what", "record", "error", "state", title="Needs attention")
            for row in problems:
                table.add_row(*row)
            out.print(table)


@app.command()
def check(config: ConfigOpt = DEFAULT_CONFIG, pipeline: PipelineOpt = None, as_json: JsonOpt = False) -> None:
    """Check each pipeline's CRM: connectivity, credentials, every mapped field, API headroom."""
    settings = _load(config)
    report: list[dict[str, Any]] = []
    for name, ps in settings.pipeline(pipeline):
        try:
            adapter = wiring.make_adapter(ps, env=os.environ)
            try:
                items = adapter.check()
            finally:
                adapter.close()
            report.extend({"pipeline": name, "check": i.name, "ok": i.ok, "detail": i.detail} for i in items)
        except QualicallError as exc:
            report.append({"pipeline": name, "check": "connection", "ok": False, "detail": str(exc)})
    if as_json:
        out.print_json(data=report)
    else:
        table = Table("pipeline", "check", "ok", "detail")
        for r in report:
            table.add_row(
                r["pipeline"], r["check"], "[green]yes[/green]" if r["ok"] else "[red]NO[/red]", r["detail"]
            )
        out.print(table)
    if not all(r["ok"] for r in report):
        raise typer.Exit(1)


@app.command()
def setup(
    crm: Annotated[str, typer.Argument(help="hubspot or salesforce")],
    config: ConfigOpt = DEFAULT_CONFIG,
    pipeline: PipelineOpt = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Create what is missing (default: only show the plan).")
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Salesforce: where to write the metadata folder.")
    ] = Path("qualicall-salesforce-metadata"),
) -> None:
    """Create the fields/properties Qualicall writes. Shows the plan; `--apply` carries it out."""
    from adapters.registry import adapter_module
    from connector.rules import load_ruleset

    settings = _load(config)
    targets = [(n, ps) for n, ps in settings.pipeline(pipeline) if ps.crm == crm]
    if not targets:
        raise _fail(f"no pipeline with crm = {crm!r} in {config}")
    module = adapter_module(crm)
    if not hasattr(module, "setup"):
        out.print(f"{crm}: nothing to set up.")
        return
    for name, ps in targets:
        ruleset = load_ruleset(ps.rules)
        vocabulary = {"status": ruleset.statuses, "reason": ruleset.reasons, "next_step": ruleset.next_steps}
        extra: dict[str, Any] = {"out_dir": out_dir} if crm == "salesforce" else {}
        adapter = wiring.make_adapter(ps, env=os.environ)
        try:
            out.print(
                _actions_table(f"{name}: plan", module.setup(adapter, vocabulary, apply=False, **extra))
            )
            if apply:
                out.print(
                    _actions_table(f"{name}: applied", module.setup(adapter, vocabulary, apply=True, **extra))
                )
            else:
                out.print("Nothing was changed. Run again with --apply to carry out this plan.")
        except QualicallError as exc:
            raise _fail(f"{name}: setup failed: {exc}", 1) from None
        finally:
            adapter.close()


def _actions_table(title: str, actions: list[Any]) -> Table:
    """A table of setup actions (dataclasses), one column per field."""
    columns = [f.name for f in dataclasses.fields(actions[0])] if actions else ["action"]
    table = Table(*columns, title=title, title_justify="left")
    for action in actions:
        table.add_row(*(str(getattr(action, c)) for c in columns))
    return table


def _readable_calls(path: Path, bad: list[BadLine]) -> Iterator[Call]:
    """The calls of a file; each unreadable line is reported on stderr and appended to `bad`."""
    for item in iter_calls(path):
        if isinstance(item, BadLine):
            bad.append(item)
            err.print(f"skipped {item}", markup=False, highlight=False)
        else:
            yield item


@app.command()
def qualify(
    input: Annotated[Path, typer.Option("--input", "-i", help="Calls: .jsonl or .csv")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Results: .jsonl")] = Path("results.jsonl"),
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Use this config's pipeline rules.")
    ] = None,
    pipeline: PipelineOpt = None,
    rules: Annotated[
        str | None, typer.Option("--rules", help="Pack name (bant, champ) or rules file.")
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Decide as of this ISO time (default: now).")
    ] = None,
) -> None:
    """Score a call file offline (backtest rules on an export before going live)."""
    from connector.backtest import result_record
    from connector.callfile import write_jsonl
    from connector.rules import load_ruleset
    from connector.rules import qualify as engine_qualify

    spec = rules
    if spec is None and config is not None:
        [(_, ps)] = _load(config).pipeline(pipeline)[:1]
        spec = ps.rules
    try:
        ruleset = load_ruleset(spec or "bant")
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    moment = _instant(now, "--now") if now else datetime.now(UTC)
    counts: dict[str, int] = {}
    bad: list[BadLine] = []

    def results() -> Any:
        for call in _readable_calls(input, bad):
            result = engine_qualify(call, ruleset, moment)
            counts[result.status] = counts.get(result.status, 0) + 1
            yield result_record(call, result)

    try:
        with output.open("w", encoding="utf-8") as handle:
            written = write_jsonl(results(), handle)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    by_status = "".join(f", {k} {v}" for k, v in sorted(counts.items()))
    out.print(
        f"{written} calls scored with {ruleset.version} → {output}{by_status}; {len(bad)} unreadable lines."
    )
    if bad and not written:
        raise typer.Exit(2)


@app.command()
def explain(
    call_id: Annotated[str, typer.Argument(help="The call's id")],
    input: Annotated[Path | None, typer.Option("--input", "-i", help="Find the call in this file.")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", envvar="QUALICALL_CONFIG")] = None,
    rules: Annotated[str | None, typer.Option("--rules")] = None,
    now: Annotated[str | None, typer.Option("--now")] = None,
) -> None:
    """Print the criterion-by-criterion trace of a call, from a call file or from the store."""
    from connector.explain import explain_from_file, explain_from_store

    moment = _instant(now, "--now") if now else datetime.now(UTC)
    if input is not None:
        renderable = explain_from_file(call_id, input, rules or "bant", moment)
    else:
        settings = _load(config or DEFAULT_CONFIG)
        store = wiring.open_state(settings, os.environ)
        try:
            renderable = explain_from_store(call_id, store)
        finally:
            store.close()
    if renderable is None:
        raise _fail(f"call {call_id} not found", 1)
    out.print(renderable)


@app.command()
def report(
    config: ConfigOpt = DEFAULT_CONFIG,
    pipeline: PipelineOpt = None,
    period: Annotated[str, typer.Option(help="day, week or month")] = "month",
    since: Annotated[str | None, typer.Option(help="Only calls from this ISO date.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    export: Annotated[
        Path | None, typer.Option("--export", help="Write CSV/JSON exports in this folder.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Funnel KPIs: qualified-call rate, meetings held, cost per qualified call, lead→opportunity delay."""

    if period not in ("day", "week", "month"):
        raise _fail("--period must be day, week or month")
    start = _instant(since, "--since") if since else None
    settings = _load(config)
    store = wiring.open_state(settings, os.environ)
    try:
        with store.engine.connect() as conn:
            data = compute_report(
                conn,
                pipeline=pipeline,
                settings=settings.kpi_settings,
                now=datetime.now(UTC),
                period=period,  # type: ignore[arg-type]
                since=start,
                variants=settings.pipeline(pipeline)[0][1].ab_settings if pipeline else None,
            )
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(data, default=str, indent=2) + "\n")
    else:
        print_report(data, out)
    if html:
        write_html(data, html)
        err.print(f"HTML report: {html}")
    if export:
        for path in write_exports(data, export):
            err.print(f"export: {path}")


@local_app.command("import")
def local_import(
    file: Annotated[Path, typer.Argument(help="Canonical calls: .jsonl or .csv")],
    crm: Annotated[Path, typer.Option("--crm", help="The embedded CRM file.")] = Path("local-crm.sqlite"),
) -> None:
    """Load canonical calls into an embedded CRM (unreadable lines are listed and skipped)."""
    from adapters.local.crm import LocalCRM

    bad: list[BadLine] = []
    target = LocalCRM(crm)
    try:
        count = target.import_calls(_readable_calls(file, bad))
    finally:
        target.close()
    out.print(f"imported {count} calls into {crm}; {len(bad)} unreadable lines skipped")
    if bad and not count:
        raise typer.Exit(2)


@local_app.command("edit")
def local_edit(
    call_id: Annotated[str, typer.Argument()],
    crm: Annotated[Path, typer.Option("--crm", help="The embedded CRM file.")] = Path("local-crm.sqlite"),
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    transcript: Annotated[str | None, typer.Option("--transcript")] = None,
    delete: Annotated[bool, typer.Option("--delete")] = False,
) -> None:
    """Change a call in an embedded CRM as a rep would (the next sync re-qualifies it)."""
    from adapters.local.crm import LocalCRM

    target = LocalCRM(crm)
    try:
        if delete:
            target.delete_call(call_id)
        else:
            fields = {k: v for k, v in (("notes", notes), ("transcript", transcript)) if v is not None}
            if not fields:
                raise _fail("nothing to change: give --notes, --transcript or --delete")
            target.edit_call(call_id, **fields)
    except KeyError as exc:
        raise _fail(str(exc), 1) from None
    finally:
        target.close()
    out.print(f"{call_id} {'deleted' if delete else 'updated'} in {crm}")


@compliance_app.command("import-optout")
def import_optout(
    file: Annotated[Path, typer.Argument(help="Opposition list (CSV, one phone number per row)")],
    config: ConfigOpt = DEFAULT_CONFIG,
    region: Annotated[str, typer.Option(help="Region for numbers written without a country code.")] = "FR",
) -> None:
    """Import an opposition list (Bloctel-style); numbers are normalised to E.164."""
    from connector.compliance import iter_optout_csv

    settings = _load(config)
    store = wiring.open_state(settings, os.environ)
    bad = 0

    def numbers() -> Any:
        nonlocal bad
        for item in iter_optout_csv(file, region):
            if isinstance(item, str):
                yield item
            else:
                bad += 1
                err.print(f"skipped {item}", markup=False, highlight=False)

    try:
        count = store.add_optouts(numbers(), source=file.name, now=datetime.now(UTC))
    finally:
        store.close()
    out.print(f"{count} numbers imported from {file}; {bad} rows skipped")


@compliance_app.command("audit")
def audit(
    since: Annotated[str, typer.Option("--since", help="ISO date")],
    config: ConfigOpt = DEFAULT_CONFIG,
    include_allowed: Annotated[
        bool, typer.Option("--include-allowed", help="Also list allowed follow-ups.")
    ] = False,
) -> None:
    """List moved or blocked follow-ups (CSV on stdout) with the rule that decided."""
    import csv

    from connector.compliance import AUDIT_COLUMNS, audit_csv_row
    from connector.model import ComplianceNote

    start = _instant(since, "--since")
    settings = _load(config)
    store = wiring.open_state(settings, os.environ)
    writer = csv.DictWriter(sys.stdout, fieldnames=["pipeline", *AUDIT_COLUMNS])
    writer.writeheader()
    try:
        for row in store.compliance_entries(start):
            if row["action"] == "allowed" and not include_allowed:
                continue
            due = row["due_at"].replace(tzinfo=UTC) if row["due_at"] else None
            note = ComplianceNote(row["follow_up_key"], row["action"], row["rule"], row["detail"], due)
            line = audit_csv_row(note, row["call_id"], row["decided_at"].replace(tzinfo=UTC))
            writer.writerow({"pipeline": row["pipeline"], **line})
    finally:
        store.close()
