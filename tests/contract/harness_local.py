"""Contract-suite harness for the `local` adapter: a real embedded CRM file in tmp_path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.local import LocalAdapter, LocalCRM
from connector.mapping import Mapping
from connector.model import Call


class LocalHarness:
    def __init__(self, tmp_path: Path) -> None:
        self._now = datetime(2026, 11, 1, tzinfo=UTC)
        self.crm = LocalCRM(tmp_path / "crm.sqlite", clock=self._tick)
        self.adapter = LocalAdapter(self.crm, Mapping.load("local"), page_size=7)

    def _tick(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now

    def seed(self, calls: Iterable[Call]) -> list[str]:
        items = list(calls)
        self.crm.import_calls(items)
        return [c.id for c in items]

    def edit_notes(self, crm_id: str, notes: str) -> None:
        self.crm.edit_call(crm_id, notes=notes)

    def delete(self, crm_id: str) -> None:
        self.crm.delete_call(crm_id)

    def call_fields(self, crm_id: str) -> dict[str, Any]:
        return self.crm.call_row(crm_id)

    def tasks(self) -> list[dict[str, Any]]:
        return self.crm.all_tasks()


@contextmanager
def make_harness(tmp_path: Path) -> Iterator[LocalHarness]:
    harness = LocalHarness(tmp_path)
    try:
        yield harness
    finally:
        harness.adapter.close()
