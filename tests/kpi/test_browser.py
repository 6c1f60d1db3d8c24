"""The HTML report in a real headless Chromium: it renders, the funnel shows the right numbers, no errors.

Skipped only when Chromium is missing and CI is not set (in CI a missing browser fails the test).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connector.kpi import KpiSettings
from connector.report import write_html
from connector.store import Store
from connector.store import tables as t
from tests.kpi.builders import PIPE, insert, seed_funnel

pytestmark = pytest.mark.browser
Report = Callable[..., dict[str, Any]]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI (apt-get install -y chromium)")
    pytest.skip("Chromium not installed")


def render(page: Path, profile: Path) -> tuple[str, str]:
    """(DOM after scripts ran, browser log) of `page`."""
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def console_errors(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if "Uncaught" in line or re.search(r"CONSOLE\(\d+\).*[Ee]rror", line)
    ]


def test_report_renders_in_chromium(store: Store, report: Report, tmp_path: Path) -> None:
    with store.engine.begin() as conn:
        seed_funnel(conn)
        # an A/B split and some signals, so that every section of the page is drawn
        conn.execute(sa.update(t.ledger).where(t.ledger.c.call_id >= "c100").values(variant="B"))
        conn.execute(sa.update(t.ledger).where(t.ledger.c.call_id < "c100").values(variant="A"))
        signals = [("budget:met", "budget <ok>") if i < 40 else ("need:not_met", "") for i in range(80)]
        insert(
            conn,
            t.signals,
            [
                {"pipeline": PIPE, "call_id": f"c{i:03d}", "signal": sig, "phrase": phrase, "language": "fr"}
                for i, (sig, phrase) in enumerate(signals)
            ],
        )
    data = report(settings=KpiSettings(cost_per_call=3, signal_min_calls=1))
    assert data["variants"]["mode"] == "split" and data["signals"]["by_language"]["fr"]["signals"]
    data["slices"]["rep"][0]["key"] = "</script><b id=injected>x</b>"
    write_html(data, tmp_path / "report.html")
    dom, log = render(tmp_path / "report.html", tmp_path / "profile")
    assert 'data-rendered="ok"' in dom
    assert console_errors(log) == []
    stages = dict(re.findall(r'data-stage="(\w+)" data-count="(\d+)"', dom))
    assert stages == {
        "calls_handled": "200",
        "connected": "150",
        "qualified": "60",
        "meetings_held": "36",
        "opportunities": "10",
    }
    for shown in (">200<", ">60<", ">36<", ">10<", "30.0 %", "60.0 %", "27.8 %", "16.7 %"):
        assert shown in dom, shown
    assert 'id="injected"' not in dom and "&lt;/script&gt;&lt;b id=injected&gt;" in dom
    assert 'id="trend-chart"' in dom and 'id="rep-table"' in dom
    assert 'id="ab-table"' in dom and "B vs A" in dom
    assert 'id="signals-fr"' in dom and "budget &lt;ok&gt;" in dom


def test_script_errors_are_visible(tmp_path: Path, store: Store, report: Report) -> None:
    data = report()
    del data["funnel"]  # a broken document: the page must say so, not fail silently
    write_html(data, tmp_path / "broken.html")
    dom, _ = render(tmp_path / "broken.html", tmp_path / "profile")
    assert 'data-rendered="with-errors"' in dom
    assert "Report error: funnel" in dom
