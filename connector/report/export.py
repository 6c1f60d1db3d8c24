"""`write_exports`: the report as report.json (the documented document) and flat CSV files."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FLAT_RATES = (
    "connected_rate",
    "qualified_call_rate",
    "qualified_per_connected",
    "post_qualification_conversion",
    "opportunity_rate_per_qualified_call",
    "opportunity_rate_per_meeting",
    "cost_per_qualified_call",
)
COUNTS = (
    "calls_handled", "connected", "qualified", "meetings_held", "qualified_with_meeting", "opportunities",
    "qualified_with_opportunity", "opportunity_amount", "rep_hours",
)  # fmt: skip


def flatten(block: Mapping[str, Any]) -> dict[str, Any]:
    """One KPI block (totals, a period or a slice row) as flat columns (rates as fractions, blank if none)."""
    row: dict[str, Any] = {name: block[name] for name in COUNTS}
    row["cost_variable"] = block["cost"]["variable"]
    row["cost_fixed"] = block["cost"]["fixed"]
    row["cost_total"] = block["cost"]["total"]
    for name in FLAT_RATES:
        row[name] = block["rates"][name]["value"]
    row["lead_to_opportunity_count"] = block["lead_to_opportunity"]["count"]
    row["lead_to_opportunity_median_days"] = block["lead_to_opportunity"]["median_days"]
    row["lead_to_opportunity_p90_days"] = block["lead_to_opportunity"]["p90_days"]
    return row


def _write_csv(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    rows = list(rows)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or ["empty"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def write_exports(report: dict[str, Any], directory: Path) -> list[Path]:
    """Write report.json, totals.csv, periods.csv, by_<slice>.csv, ab_tests.csv and signals.csv into
    `directory` (created if needed); return the paths written. CSV: one row per period/slice/KPI/signal,
    rates as fractions (0.3 = 30 %), empty cells where the report has no value."""
    directory.mkdir(parents=True, exist_ok=True)
    out = [directory / "report.json"]
    out[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    out.append(_write_csv(directory / "totals.csv", [flatten(report["totals"])]))
    out.append(
        _write_csv(
            directory / "periods.csv", ({"period": p["period"], **flatten(p)} for p in report["periods"])
        )
    )
    for dim, rows in report["slices"].items():
        out.append(_write_csv(directory / f"by_{dim}.csv", ({dim: r["key"], **flatten(r)} for r in rows)))
    ab_rows = [
        {
            "control": comp["control"],
            "variant": comp["variant"],
            "kpi": kpi,
            "control_n": c["control"]["n"],
            "control_x": c["control"]["x"],
            "control_rate": c["control"]["rate"],
            "variant_n": c["variant"]["n"],
            "variant_x": c["variant"]["x"],
            "variant_rate": c["variant"]["rate"],
            "difference": c["difference"],
            "ci95_low": None if c["ci95"] is None else c["ci95"][0],
            "ci95_high": None if c["ci95"] is None else c["ci95"][1],
            "test": c["test"],
            "p_value": c["p_value"],
            "significant": c["significant"],
            "verdict": c["verdict"],
        }
        for comp in report["variants"]["comparisons"]
        for kpi, c in comp["kpis"].items()
    ]
    out.append(_write_csv(directory / "ab_tests.csv", ab_rows))
    signal_rows = [
        {"list": kind, **entry}
        for block in report["signals"]["by_language"].values()
        for kind in ("signals", "phrases", "signals_under", "phrases_under")
        for entry in block.get(kind, [])
    ]
    out.append(_write_csv(directory / "signals.csv", signal_rows))
    return out
