"""Audit trail rows: one compliance decision as a flat dict of strings with stable column names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from connector.compliance.rules import explain_rule
from connector.model import ComplianceNote

AUDIT_COLUMNS: Final[tuple[str, ...]] = (
    "decided_at",
    "call_id",
    "follow_up_key",
    "action",
    "rule",
    "rule_text",
    "detail",
    "due_at",
)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def audit_csv_row(note: ComplianceNote, call_id: str, decided_at: datetime) -> dict[str, str]:
    """One CSV row (keys: `AUDIT_COLUMNS`, in that order) for `note` about `call_id`.

    Datetimes are ISO 8601 in UTC with a "Z" suffix; `due_at` is empty for blocked follow-ups;
    `follow_up_key` is empty for a decision about the prospect itself (objection / opt-out).
    """
    return {
        "decided_at": _iso(decided_at),
        "call_id": call_id,
        "follow_up_key": note.follow_up_key,
        "action": note.action,
        "rule": note.rule,
        "rule_text": explain_rule(note.rule),
        "detail": note.detail,
        "due_at": _iso(note.due_at) if note.due_at is not None else "",
    }
