"""`print_report`: the report as rich tables in the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.report.fmt import (
    RATE_LABELS,
    SLICE_LABELS,
    cost_text,
    days,
    key_text,
    money,
    percent,
    rate_text,
)


def _summary(report: Mapping[str, Any]) -> Table:
    totals = report["totals"]
    currency = report["settings"]["currency"]
    table = Table(title="Funnel", show_header=True)
    table.add_column("Stage")
    table.add_column("Count", justify="right")
    table.add_column("Of previous", justify="right")
    for stage in report["funnel"]:
        table.add_row(stage["label"], f"{stage['count']:,}", percent(stage["of_previous"]))
    table.add_section()
    for name, label in RATE_LABELS.items():
        table.add_row(label, rate_text(totals["rates"][name]), "")
    table.add_row(
        "Cost per qualified call", cost_text(totals["rates"]["cost_per_qualified_call"], currency), ""
    )
    table.add_row("Total prospecting cost", money(totals["cost"]["total"], currency), "")
    delay = totals["lead_to_opportunity"]
    table.add_row(
        "Lead → opportunity (median / p90)",
        delay["message"] or f"{days(delay['median_days'])} / {days(delay['p90_days'])}",
        "",
    )
    return table


def _slice_table(title: str, rows: list[Mapping[str, Any]], key: str, currency: str) -> Table:
    table = Table(title=title)
    table.add_column(key, no_wrap=True)
    for column in (
        "Calls",
        "Qualified",
        "Rate",
        "Meetings",
        "Conversion",
        "Opps",
        "Cost / qualified",
        "Lead→opp median",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            escape(row.get("period") or key_text(row.get("key"))),
            f"{row['calls_handled']:,}",
            f"{row['qualified']:,}",
            rate_text(row["rates"]["qualified_call_rate"]),
            f"{row['meetings_held']:,}",
            rate_text(row["rates"]["post_qualification_conversion"]),
            f"{row['opportunities']:,}",
            cost_text(row["rates"]["cost_per_qualified_call"], currency),
            days(row["lead_to_opportunity"]["median_days"]),
        )
    return table


def _variants(section: Mapping[str, Any]) -> Table | None:
    if not section["comparisons"]:
        return None
    table = Table(title=f"A/B test ({section['mode']} mode, control {section['control']})")
    for column in (
        "Variant",
        "KPI",
        "Control",
        "Variant rate",
        "Difference",
        "95 % CI",
        "Test",
        "p",
        "Verdict",
    ):
        table.add_column(column)
    for comp in section["comparisons"]:
        for kpi, c in comp["kpis"].items():
            ci = c["ci95"]
            table.add_row(
                escape(comp["variant"]),
                RATE_LABELS.get(kpi, kpi),
                f"{percent(c['control']['rate'])} (n={c['control']['n']})",
                f"{percent(c['variant']['rate'])} (n={c['variant']['n']})",
                percent(c["difference"]),
                "—" if ci is None else f"{percent(ci[0])} … {percent(ci[1])}",
                c["test"] or "—",
                "—" if c["p_value"] is None else f"{c['p_value']:.3g}",
                escape(c["verdict"]),
            )
    return table


def _signals(section: Mapping[str, Any]) -> Table | None:
    blocks = section["by_language"]
    if not blocks:
        return None
    table = Table(title="Signals over-represented in calls followed by a held meeting")
    for column in ("Lang", "Signal", "Phrase", "Calls", "With meeting", "Meeting rate", "Baseline", "Lift"):
        table.add_column(column)
    for language, block in blocks.items():
        for entry in [*block["signals"], *block["phrases"]]:
            table.add_row(
                language,
                escape(entry["signal"]),
                escape(entry["phrase"] or ""),
                str(entry["calls"]),
                str(entry["calls_with_meeting"]),
                percent(entry["meeting_rate"]),
                percent(entry["baseline_rate"]),
                f"{entry['lift']:.2f}",
            )
    return table


def print_report(report: dict[str, Any], console: Console) -> None:
    """Print the report (a `compute_report` document) as rich tables: funnel and rates, periods,
    per-rep and other slices, the A/B comparison and the top signals. Messages replace empty figures."""
    currency = report["settings"]["currency"]
    scope = report["pipeline"] or "all pipelines"
    console.print(f"[bold]Qualicall report[/bold] — {escape(scope)}, until {report['range']['until']}")
    for message in report["messages"]:
        console.print(f"[yellow]{escape(message)}[/yellow]")
    console.print(_summary(report))
    console.print(_slice_table(f"By {report['period']}", report["periods"], "Period", currency))
    for dim, label in SLICE_LABELS.items():
        rows = report["slices"][dim]
        if rows and not (len(rows) == 1 and rows[0]["key"] is None):
            console.print(_slice_table(f"By {label.lower()}", rows, label, currency))
    variants = _variants(report["variants"])
    if variants is not None:
        console.print(variants)
    if report["variants"]["message"]:
        console.print(escape(report["variants"]["message"]))
    signals = _signals(report["signals"])
    if signals is not None:
        console.print(signals)
