"""Outputs of the KPI report: rich tables (`print_report`), a self-contained HTML page (`write_html`:
inline CSS, SVG and JS, no network) and CSV/JSON exports (`write_exports`).

Every function takes the document returned by `connector.kpi.compute_report` and never queries the store.
"""

from connector.report.console import print_report
from connector.report.export import write_exports
from connector.report.html import render_html, write_html

__all__ = ["print_report", "render_html", "write_exports", "write_html"]
