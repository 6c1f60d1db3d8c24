"""`write_html`: one self-contained HTML file (inline CSS, SVG drawn by inline JS; no CDN, no network).

The report document is embedded as JSON in a `<script type="application/json">` element (with `<`
escaped, so no string in the data can close the element); the script draws the funnel, the KPIs over
time and the tables from it using DOM text nodes only (no HTML built from data). Script errors are
shown in the page (`#errors`) and counted in `body[data-errors]`; `body[data-rendered]` ends as "ok".
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any


def _asset(name: str) -> str:
    return (resources.files("connector.report") / "assets" / name).read_text(encoding="utf-8")


def embed_json(report: dict[str, Any]) -> str:
    """The report as JSON safe inside a <script> element (`<`, `>`, `&` and line separators escaped)."""
    text = json.dumps(report, ensure_ascii=False, allow_nan=False)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def render_html(report: dict[str, Any]) -> str:
    """The HTML page of the report as a string."""
    title = f"Qualicall report — {report['pipeline'] or 'all pipelines'}"
    return Template(_asset("report.html")).substitute(
        title=html.escape(title),
        css=_asset("report.css"),
        js=_asset("report.js"),
        data=embed_json(report),
    )


def write_html(report: dict[str, Any], path: Path) -> None:
    """Write the self-contained HTML report to `path` (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
