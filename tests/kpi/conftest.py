"""Fixtures of the KPI tests: a migrated SQLite store per test and a report builder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.kpi import KpiSettings, compute_report
from connector.store import Store, open_store
from tests.kpi.builders import NOW, PIPE


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield s
    s.close()


@pytest.fixture
def report(store: Store) -> Callable[..., dict[str, Any]]:
    """compute_report on the test store (keyword overrides: settings, period, since, now, pipeline)."""

    def run(**over: Any) -> dict[str, Any]:
        args: dict[str, Any] = {"pipeline": PIPE, "settings": KpiSettings(), "now": NOW, "period": "month"}
        args.update(over)
        with store.engine.connect() as conn:
            return compute_report(conn, **args)

    return run
