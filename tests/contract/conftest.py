"""Runs the adapter contract suite against every adapter that has a `harness_<crm>.py` module here."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.harness import CRMHarness

HARNESSES = sorted(p.stem.removeprefix("harness_") for p in Path(__file__).parent.glob("harness_*.py"))


@pytest.fixture(params=HARNESSES)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CRMHarness]:
    module = importlib.import_module(f"tests.contract.harness_{request.param}")
    with module.make_harness(tmp_path) as h:
        yield h
