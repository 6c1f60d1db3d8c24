"""Pure conversions between Salesforce JSON and the adapter contract's records (no I/O).

- `to_source(row, plan)`: a Task row of the call query → `SourceRecord` (Who fields → prospect,
  Account fields → company, or the Lead's company fields when the Who is a Lead without an Account);
- `encode(value)`: a canonical Python value → its Salesforce JSON form;
- `update_record` / `task_record`: sObject Collections payload entries;
- `outcome_of(write_key, result)`: one sObject Collections result entry → `WriteOutcome`, per-record
  errors classified by `_errors.RECORD_ERRORS` (never raised).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from adapters.base import RecordError, SourceRecord, TaskCreate, WriteOutcome
from adapters.salesforce._errors import record_rule
from adapters.salesforce._soql import CallQueryPlan
from connector.mapping import parse_datetime

ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
PREFIXES = {
    "00Q": "Lead",
    "003": "Contact",
    "001": "Account",
    "006": "Opportunity",
    "00T": "Task",
    "005": "User",
}
PRIORITY = {"high": "High", "medium": "Normal", "low": "Low"}


def object_of(record_id: str) -> str | None:
    """The sObject type of a well-formed id by its key prefix (None when unknown or malformed)."""
    if not ID.match(record_id):
        return None
    return PREFIXES.get(record_id[:3])


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "attributes" and not isinstance(v, dict)}


def to_source(row: Mapping[str, Any], plan: CallQueryPlan) -> SourceRecord:
    """Build the contract's SourceRecord from one Task row of `plan.changes_query`."""
    fields = _plain(row)
    who = row.get("Who") if isinstance(row.get("Who"), dict) else None
    account = row.get("Account") if isinstance(row.get("Account"), dict) else None
    associations: dict[str, tuple[str, ...]] = {}
    prospect: dict[str, Any] | None = None
    who_type = None
    if who is not None:
        who_type = str(who.get("attributes", {}).get("type") or object_of(str(row.get("WhoId") or "")) or "")
        prospect = _plain(who)
        prospect.setdefault("Id", row.get("WhoId"))
    elif row.get("WhoId"):
        who_type = object_of(str(row["WhoId"]))
    if row.get("WhoId") and who_type in ("Lead", "Contact"):
        associations[who_type.lower()] = (str(row["WhoId"]),)
    company: dict[str, Any] | None = None
    if account is not None:
        company = _plain(account)
        company.setdefault("Id", row.get("AccountId"))
    elif who is not None and who_type == "Lead" and plan.lead_company:
        values = {acc: who.get(lead) for acc, lead in plan.lead_company.items()}
        if any(v not in (None, "") for v in values.values()):
            company = values
    if row.get("AccountId"):
        associations["account"] = (str(row["AccountId"]),)
    what = str(row.get("WhatId") or "")
    if object_of(what) == "Opportunity":
        associations["opportunity"] = (what,)
    return SourceRecord(
        id=str(row["Id"]),
        modified_at=parse_datetime(row["SystemModstamp"]),
        fields=fields,
        prospect=prospect,
        company=company,
        associations=associations,
        deleted=bool(row.get("IsDeleted")),
    )


def encode(value: Any) -> Any:
    """A canonical value in Salesforce's JSON form (datetimes in UTC with milliseconds, dates ISO)."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and not value.strip():
        return None  # Salesforce clears a field with null; "" is refused by restricted picklists
    return value


def update_record(sobject: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of an sObject Collections update."""
    return {"attributes": {"type": sobject}, "id": record_id, **{k: encode(v) for k, v in fields.items()}}


def _first(associations: Mapping[str, tuple[str, ...]], *kinds: str) -> str | None:
    for kind in kinds:
        ids = associations.get(kind)
        if ids:
            return ids[0]
    return None


def task_record(task: TaskCreate, key_field: str) -> dict[str, Any]:
    """One entry of the follow-up upsert: key, Subject, Description, ActivityDate, Priority, Who/What/Owner.

    A Lead as Who forbids a What (Salesforce rule); an owner that is not a User id is left to the API
    user's default.
    """
    record: dict[str, Any] = {
        "attributes": {"type": "Task"},
        key_field: task.key,
        "Subject": task.subject[:255],
        "Description": task.body[:32000],
        "ActivityDate": task.due_at.astimezone(UTC).date().isoformat(),
        "Priority": PRIORITY.get(task.priority, "Normal"),
    }
    who = _first(task.associations, "contact", "lead", "prospect")
    if who and object_of(who) in ("Lead", "Contact"):
        record["WhoId"] = who
    if object_of(who or "") != "Lead":
        what = _first(task.associations, "opportunity", "account", "company")
        if what and object_of(what) in ("Opportunity", "Account"):
            record["WhatId"] = what
    if task.owner and object_of(task.owner) == "User":
        record["OwnerId"] = task.owner
    return record


def record_error(errors: Any) -> RecordError:
    """The RecordError for the `errors` list of one collection result (first error decides)."""
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = str(first.get("statusCode") or "UNKNOWN")
    rule = record_rule(code)
    fields = ", ".join(str(f) for f in first.get("fields") or [])
    message = rule.reason + (f" ({fields})" if fields else "")
    if rule.show_message and first.get("message"):
        message += f": {str(first['message'])[:200]}"
    return RecordError(code=code, message=message, retriable=rule.retriable)


def outcome_of(key: str, result: Mapping[str, Any], *, upsert: bool = False) -> WriteOutcome:
    """One collection result entry → WriteOutcome (created only for upserts that inserted)."""
    if result.get("success"):
        return WriteOutcome(
            key, ok=True, crm_id=str(result.get("id") or ""), created=bool(upsert and result.get("created"))
        )
    return WriteOutcome(key, ok=False, error=record_error(result.get("errors")))
