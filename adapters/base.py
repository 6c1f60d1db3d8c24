"""The one small interface every CRM adapter implements.

An adapter is the only code that talks to a CRM. It reads calls incrementally in pages (each page
carries the cursor to resume *after* it), reads the related prospect / company records and the current
values of the output fields in the same pass, applies field updates in batches, creates follow-up tasks
exactly once per idempotency key, reads outcomes (meetings held, opportunities opened) for the KPIs, and
checks connectivity and schema. Vendor exceptions never cross this boundary: they are translated into
`connector.errors` (retriable / rate-limited / auth / budget / fatal), and per-record failures are
returned as data in `WriteOutcome`, never raised.

Contract (tested for every adapter by tests/contract/):
- `iter_pages(cursor)` yields pages in ascending (modified_at, id) order; every record changed at or
  after the cursor position is yielded at least once across the pages; a record whose (modified_at, id)
  is at or before the cursor is not yielded again. Deleted calls are yielded with `deleted=True`.
- `apply_updates(writes)` returns exactly one `WriteOutcome` per input, in input order, keyed by
  `write.key`. Applying the same write twice leaves the CRM as applying it once.
- `create_tasks(tasks)` returns one outcome per input; a task whose `key` already exists in the CRM is
  not created again: its outcome is ok with the existing `crm_id` (`created=False`).
- Batch sizes: the connector never passes more than `max_write_batch` items in one call.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from connector.mapping import Mapping as FieldMapping

Cursor = dict[str, Any]
"""Opaque, JSON-serialisable position in the CRM's change stream (adapter-specific keys)."""


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One call as read from the CRM, with its related records, before mapping.

    `fields` holds the call's raw CRM fields (including the current values of the mapped output
    fields, so the connector can diff); `prospect` and `company` hold the raw fields of the related
    records (None when there is none); `associations` lists related record ids by kind
    ("contact", "lead", "company", "account", "deal", "opportunity").
    """

    id: str
    modified_at: datetime
    fields: Mapping[str, Any]
    prospect: Mapping[str, Any] | None = None
    company: Mapping[str, Any] | None = None
    associations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """A page of records and the cursor that resumes right after its last record."""

    records: Sequence[SourceRecord]
    cursor: Cursor


@dataclass(frozen=True, slots=True)
class FieldWrite:
    """Set `fields` (CRM field name → canonical Python value) on one record.

    `target` is "call" (the call record) or "prospect" (its contact / lead). `key` is the idempotency
    key of this write in the outbox.
    """

    key: str
    record_id: str
    fields: Mapping[str, Any]
    target: Literal["call", "prospect"] = "call"


@dataclass(frozen=True, slots=True)
class TaskCreate:
    """Create one follow-up task, at most once per `key` (stored in the CRM's key field)."""

    key: str
    subject: str
    body: str
    due_at: datetime
    type: str = "call"
    priority: str = "medium"
    owner: str | None = None
    associations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attempt: int = 0
    """How many times this creation was tried before (a retry may follow a lost response)."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why one record was refused. `retriable` errors are tried again on a later run."""

    code: str
    message: str
    retriable: bool = False


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What happened to one write or task creation."""

    key: str
    ok: bool
    crm_id: str | None = None
    created: bool = False
    error: RecordError | None = None


@dataclass(frozen=True, slots=True)
class OutcomeEvent:
    """A business outcome read from the CRM for the KPIs.

    kind "meeting": a meeting held with `prospect_id` (and/or `company_id`) at `occurred_at`;
    kind "opportunity": an opportunity/deal opened at `occurred_at`.
    """

    kind: Literal["meeting", "opportunity"]
    id: str
    occurred_at: datetime
    prospect_id: str | None = None
    company_id: str | None = None
    amount: float | None = None


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of `qualicall check`: what was checked, whether it is fine, and what to do if not."""

    name: str
    ok: bool
    detail: str = ""


class Adapter(abc.ABC):
    """Base class of CRM adapters. Subclasses set `name` and `max_write_batch`."""

    name: ClassVar[str]
    max_write_batch: ClassVar[int] = 100

    def __init__(self, mapping: FieldMapping) -> None:
        self.mapping = mapping

    @abc.abstractmethod
    def iter_pages(self, cursor: Cursor | None) -> Iterator[Page]:
        """Yield pages of calls changed at or after `cursor` (from the beginning when None)."""

    @abc.abstractmethod
    def apply_updates(self, writes: Sequence[FieldWrite]) -> list[WriteOutcome]:
        """Apply field updates in one or a few batch requests; one outcome per write, in order."""

    @abc.abstractmethod
    def create_tasks(self, tasks: Sequence[TaskCreate]) -> list[WriteOutcome]:
        """Create follow-up tasks exactly once per key; one outcome per task, in order."""

    @abc.abstractmethod
    def read_outcomes(self, since: datetime) -> Iterator[OutcomeEvent]:
        """Yield meetings held and opportunities opened at or after `since`."""

    @abc.abstractmethod
    def check(self) -> list[CheckItem]:
        """Check connectivity, credentials and that every mapped field exists with a usable type."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections. The default does nothing."""

    def __enter__(self) -> Adapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
