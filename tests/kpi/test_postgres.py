"""The same report on the real PostgreSQL server (dialect-specific SQL: date_trunc, epoch, MATERIALIZED).

Uses the session database of tests/conftest.py (`pg_url`: skipped only when the server is unreachable
and CI is not set) and a schema of its own, dropped at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from connector.kpi import KpiSettings, compute_report
from connector.store import tables as t
from tests.kpi.builders import NOW, PIPE, funnel, seed_funnel
from tests.kpi.reference import check_against_reference, discourse_data, load_discourse_data

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_conn(pg_url: str) -> Iterator[sa.Connection]:
    schema = f"kpi_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    mapped = engine.execution_options(schema_translate_map={None: schema})
    try:
        t.metadata.create_all(mapped)
        with mapped.connect() as conn:
            yield conn
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_seed_example_on_postgres(pg_conn: sa.Connection, tmp_path: object) -> None:
    with pg_conn.begin():
        seed_funnel(pg_conn)
    data = compute_report(pg_conn, pipeline=PIPE, settings=KpiSettings(), now=NOW)
    totals = data["totals"]
    assert funnel(totals) == (200, 60, 36, 10)
    assert totals["rates"]["opportunity_rate_per_meeting"]["value"] == pytest.approx(10 / 36)
    assert totals["lead_to_opportunity"]["median_days"] == pytest.approx(19.5)
    assert totals["lead_to_opportunity"]["p90_days"] == pytest.approx(23.1)
    assert [p["period"] for p in data["periods"]] == ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]


def test_sqlite_and_postgres_agree(pg_conn: sa.Connection, tmp_path: object) -> None:
    from pathlib import Path

    with pg_conn.begin():
        seed_funnel(pg_conn)
    sqlite = sa.create_engine(f"sqlite:///{Path(str(tmp_path)) / 'kpi.sqlite'}")
    t.metadata.create_all(sqlite)
    with sqlite.begin() as conn:
        seed_funnel(conn)
    settings = KpiSettings(teams={"alice": "north"}, cost_per_call=1.5, signal_min_calls=1)
    for period in ("day", "week", "month"):
        with sqlite.connect() as conn:
            lite = compute_report(conn, pipeline=PIPE, settings=settings, now=NOW, period=period)
        pg = compute_report(pg_conn, pipeline=PIPE, settings=settings, now=NOW, period=period)
        assert pg == lite, period
    sqlite.dispose()


def test_discourse_equals_a_count_from_scratch_on_postgres(pg_conn: sa.Connection) -> None:
    data = discourse_data(4)
    with pg_conn.begin():
        load_discourse_data(pg_conn, data)
    check_against_reference(pg_conn, data)
