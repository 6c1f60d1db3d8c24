"""The discourse analysis equals a from-scratch count (tests/kpi/reference.py) on generated data: one
pipeline or all, with and without `since`, on SQLite (PostgreSQL: tests/kpi/test_postgres.py)."""

from __future__ import annotations

import pytest

from connector.store import Store
from tests.kpi.builders import NOW, T0
from tests.kpi.reference import SINCES, check_against_reference, discourse_data, load_discourse_data


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_discourse_equals_a_count_from_scratch(store: Store, seed: int) -> None:
    data = discourse_data(seed)
    with store.engine.begin() as conn:
        load_discourse_data(conn, data)
    with store.engine.connect() as conn:
        check_against_reference(conn, data)
    assert T0 < SINCES[1] < NOW.replace(tzinfo=None)
