"""The `local` adapter: drives the embedded CRM (adapters/local/crm.py), a SQLite file.

Used by `qualicall demo`, by end-to-end tests and by admins who want to try rules on an export before
connecting a real CRM. Its cursor is the CRM's modification sequence: {"seq": N}.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from adapters.base import (
    Adapter,
    CheckItem,
    Cursor,
    FieldWrite,
    OutcomeEvent,
    Page,
    RecordError,
    SourceRecord,
    TaskCreate,
    WriteOutcome,
)
from adapters.local.crm import LocalCRM, calls, companies, prospects
from connector.mapping import Mapping as FieldMapping
from connector.mapping import parse_datetime

__all__ = ["Connection", "LocalAdapter", "LocalCRM", "build"]


class Connection(BaseModel):
    """`[pipelines.<name>.connection]` for crm = "local"."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(default="local-crm.sqlite", description="The embedded CRM's SQLite file")
    page_size: int = Field(default=200, ge=1, le=5000)


def build(
    connection: Connection,
    mapping: FieldMapping,
    *,
    env: Mapping[str, str],
    clock: Any,
    sleep: Any,
) -> LocalAdapter:
    """A local adapter on the file named by the connection (the config resolved relative paths)."""
    del env, sleep  # no secrets, no waiting
    return LocalAdapter(LocalCRM(Path(connection.path), clock=clock), mapping, page_size=connection.page_size)


class LocalAdapter(Adapter):
    """Adapter for the embedded CRM."""

    name = "local"
    max_write_batch = 200

    def __init__(self, crm: LocalCRM, mapping: FieldMapping, page_size: int = 200) -> None:
        super().__init__(mapping)
        self.crm = crm
        self.page_size = page_size

    def iter_pages(self, cursor: Cursor | None) -> Iterator[Page]:
        """Pages of calls in modification order after cursor["seq"], up to the changes that existed when
        the iteration started (our own writes during the run are read by the next run, and skipped)."""
        seq = int((cursor or {}).get("seq", 0))
        upto = self.crm.last_seq()
        while True:
            rows = self.crm.changed_calls(seq, upto, self.page_size)
            if not rows:
                return
            records = []
            for row in rows:
                prospect, company = row.pop("_prospect"), row.pop("_company")
                associations: dict[str, tuple[str, ...]] = {}
                if row["prospect_id"]:
                    associations["contact"] = (row["prospect_id"],)
                if row["company_id"]:
                    associations["company"] = (row["company_id"],)
                records.append(
                    SourceRecord(
                        id=row["id"],
                        modified_at=parse_datetime(row["modified_at"]),
                        fields=row,
                        prospect=prospect,
                        company=company,
                        associations=associations,
                        deleted=bool(row["deleted"]),
                    )
                )
            seq = int(rows[-1]["seq"])
            yield Page(records=records, cursor={"seq": seq})
            if len(rows) < self.page_size:
                return

    def apply_updates(self, writes: Sequence[FieldWrite]) -> list[WriteOutcome]:
        """Apply each write; unknown fields or records are permanent per-record errors."""
        outcomes: list[WriteOutcome] = []
        for target in ("call", "prospect"):
            group = [w for w in writes if w.target == target]
            if not group:
                continue
            errors = self.crm.update_records(target, [(w.record_id, w.fields) for w in group])
            for write, error in zip(group, errors, strict=True):
                outcomes.append(
                    WriteOutcome(write.key, ok=True, crm_id=write.record_id)
                    if error is None
                    else WriteOutcome(write.key, ok=False, error=RecordError("INVALID", error))
                )
        order = {w.key: i for i, w in enumerate(writes)}
        return sorted(outcomes, key=lambda o: order[o.key])

    def create_tasks(self, tasks: Sequence[TaskCreate]) -> list[WriteOutcome]:
        """Insert tasks once per key (the CRM's unique key column makes this exactly-once)."""
        key_field = self.mapping.task.get("key", "qualicall_key")
        if key_field != "qualicall_key":
            return [
                WriteOutcome(t.key, ok=False, error=RecordError("INVALID", f"no task field {key_field}"))
                for t in tasks
            ]
        rows = [
            {
                "qualicall_key": t.key,
                "subject": t.subject,
                "body": t.body,
                "due_at": t.due_at.isoformat(),
                "type": t.type,
                "priority": t.priority,
                "owner": t.owner,
                "call_id": (t.associations.get("call") or (None,))[0],
                "prospect_id": (t.associations.get("contact") or (None,))[0],
                "company_id": (t.associations.get("company") or (None,))[0],
            }
            for t in tasks
        ]
        results = self.crm.create_tasks(rows)
        return [
            WriteOutcome(t.key, ok=True, crm_id=str(task_id), created=created)
            for t, (task_id, created) in zip(tasks, results, strict=True)
        ]

    def read_outcomes(self, since: datetime) -> Iterator[OutcomeEvent]:
        """Held meetings and opportunities at or after `since`."""
        for kind, row in self.crm.iter_outcomes(since):
            occurred = parse_datetime(row["occurred_at"])
            if occurred < since:
                continue
            yield OutcomeEvent(
                kind="meeting" if kind == "meeting" else "opportunity",
                id=str(row["id"]),
                occurred_at=occurred,
                prospect_id=row.get("prospect_id"),
                company_id=row.get("company_id"),
                amount=row.get("amount"),
            )

    def check(self) -> list[CheckItem]:
        """The file opens, and every mapped field exists in the embedded CRM."""
        items = [CheckItem("crm file", True, str(self.crm.path))]
        for entity, table in (("call", calls), ("prospect", prospects), ("company", companies)):
            missing = [f for f in self.mapping.source_fields(entity) if f not in table.c]
            items.append(
                CheckItem(
                    f"{entity} fields",
                    not missing,
                    "all mapped fields exist" if not missing else f"missing: {', '.join(missing)}",
                )
            )
        return items

    def close(self) -> None:
        self.crm.close()
