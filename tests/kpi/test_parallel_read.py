"""The report reads the discourse analysis and the call cube on their own connections when it can;
the figures are the same as when everything is read on one connection."""

from __future__ import annotations

import json

import sqlalchemy as sa

from connector.kpi import KpiSettings, compute_report
from connector.store import Store
from tests.kpi.builders import NOW, PIPE, seed_funnel


def test_parallel_and_single_connection_reports_are_identical(store: Store) -> None:
    with store.engine.begin() as conn:
        seed_funnel(conn)
    args = {"pipeline": PIPE, "settings": KpiSettings(), "now": NOW}
    with store.engine.connect() as conn:
        parallel = compute_report(conn, **args)  # type: ignore[arg-type]
    with store.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))  # an open transaction: everything on this connection
        single = compute_report(conn, **args)  # type: ignore[arg-type]
    assert json.dumps(parallel, sort_keys=True) == json.dumps(single, sort_keys=True)
    assert parallel["totals"]["calls_handled"] == 200
