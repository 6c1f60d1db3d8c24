"""The report outputs: rich tables, CSV/JSON exports and the HTML page (static checks)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from connector.kpi import KpiSettings
from connector.report import print_report, render_html, write_exports
from connector.report.html import embed_json
from connector.store import Store
from tests.kpi.builders import seed_funnel

Report = Callable[..., dict[str, Any]]


def seeded_report(store: Store, report: Report) -> dict[str, Any]:
    with store.engine.begin() as conn:
        seed_funnel(conn)
    return report(settings=KpiSettings(cost_per_call=3))


def test_print_report_shows_the_kpis(store: Store, report: Report) -> None:
    data = seeded_report(store, report)
    buffer = io.StringIO()
    print_report(data, Console(file=buffer, width=200, color_system=None))
    text = buffer.getvalue()
    for expected in (
        "30.0 %",
        "60.0 %",
        "27.8 %",
        "16.7 %",
        "19.5 d / 23.1 d",
        "10.00 EUR",
        "no qualified calls yet",
    ):
        assert expected in text, expected


def test_print_report_on_an_empty_store(store: Store, report: Report) -> None:
    buffer = io.StringIO()
    print_report(report(), Console(file=buffer, width=200, color_system=None))
    assert "no calls handled yet" in buffer.getvalue()


def test_exports(store: Store, report: Report, tmp_path: Path) -> None:
    data = seeded_report(store, report)
    paths = write_exports(data, tmp_path / "out")
    names = {p.name for p in paths}
    assert {"report.json", "totals.csv", "periods.csv", "by_rep.csv", "ab_tests.csv", "signals.csv"} <= names
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == json.loads(json.dumps(data))
    [totals] = list(csv.DictReader((tmp_path / "out" / "totals.csv").open()))
    assert (totals["calls_handled"], totals["qualified"], totals["meetings_held"]) == ("200", "60", "36")
    assert float(totals["qualified_call_rate"]) == 0.3
    periods = list(csv.DictReader((tmp_path / "out" / "periods.csv").open()))
    assert [p["period"] for p in periods] == ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]
    assert periods[2]["post_qualification_conversion"] == ""  # no qualified calls: empty, not 0


def test_html_is_self_contained_and_escapes_data(store: Store, report: Report) -> None:
    data = seeded_report(store, report)
    data["slices"]["rep"][0]["key"] = "</script><script>alert(1)</script>"
    page = render_html(data)
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert "<script>alert(1)" not in page
    assert "\\u003c/script\\u003e" in embed_json({"x": "</script>"})
