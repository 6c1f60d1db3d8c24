"""What every adapter's test harness provides to the adapter contract suite (tests/contract/).

Each CRM has a module `tests/contract/harness_<crm>.py` defining `make_harness(tmp_path)`: a context
manager yielding a `CRMHarness` whose `adapter` talks to that CRM's wire-level fake (or, for `local`,
to a real SQLite file). The contract suite seeds canonical calls through the harness, drives the
adapter, and inspects the CRM's state through the harness only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from adapters.base import Adapter
from connector.model import Call


class CRMHarness(Protocol):
    adapter: Adapter

    def seed(self, calls: Iterable[Call]) -> list[str]:
        """Store the calls (with their prospect and company) in the CRM; return their CRM ids, in order.
        Calls seeded later get a later modified time than calls seeded earlier."""
        ...

    def edit_notes(self, crm_id: str, notes: str) -> None:
        """Change one call's notes as a rep would (bumps its modified time)."""
        ...

    def delete(self, crm_id: str) -> None:
        """Delete one call as a rep would."""
        ...

    def call_fields(self, crm_id: str) -> dict[str, Any]:
        """The call record's current raw field values in the CRM, by CRM field name."""
        ...

    def tasks(self) -> list[dict[str, Any]]:
        """Every task in the CRM, as raw field dicts; the idempotency key is under the mapping's
        `task.key` field name."""
        ...
