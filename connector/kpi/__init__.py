"""Funnel KPIs, A/B comparison of rule variants and discourse analysis, computed from the state store.

Public interface: `KpiSettings` (the `[kpi]` table of the config) and `compute_report` (the whole
report as the stable JSON document documented in docs/report-json.md; formulas in docs/kpis.md).
"""

from connector.kpi.compute import SCHEMA, compute_report
from connector.kpi.settings import KpiSettings

__all__ = ["SCHEMA", "KpiSettings", "compute_report"]
