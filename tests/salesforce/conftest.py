"""Fixtures: a running fake Salesforce per test and an adapter on it (password auth, batch size 200)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.salesforce import SalesforceAdapter
from tests.contract.harness_salesforce import make_adapter
from tests.fakes.salesforce import FakeSalesforce, running
from tests.fakes.salesforce.seed import Seeder


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeSalesforce]:
    with running(tmp_dir=tmp_path) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def adapter(fake: FakeSalesforce, sleeps: list[float]) -> Iterator[SalesforceAdapter]:
    a = make_adapter(fake, sleeps)
    yield a
    a.close()


@pytest.fixture
def seeder(fake: FakeSalesforce) -> Seeder:
    return Seeder(fake.org)
