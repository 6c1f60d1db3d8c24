"""The fake org's state: schema, records, ids, clock, logins, API usage, validation rule and faults.

Records are dicts of Python values (datetime for datetime fields, date for date fields). Every change to
a record stamps SystemModstamp with the org clock, which then moves one second, so later changes always
carry later stamps. Not thread-safe on its own: the server holds `lock` around each request.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.fakes.salesforce.soql import parse_literal_datetime

PREFIX = {
    "Task": "00T",
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Event": "00U",
    "Opportunity": "006",
    "User": "005",
}
OBJECT_OF_PREFIX = {v: k for k, v in PREFIX.items()}
RELATIONS = {"Who": "WhoId", "What": "WhatId", "Account": "AccountId", "Owner": "OwnerId"}
SYSTEM = {"Id", "IsDeleted", "SystemModstamp", "CreatedDate", "LastModifiedDate"}


@dataclass(frozen=True)
class F:
    """One field of the fake schema."""

    type: str = "string"
    length: int = 255
    values: tuple[str, ...] = ()
    restricted: bool = False
    updateable: bool = True
    external_id: bool = False


def _fields(**extra: F) -> dict[str, F]:
    base = {
        "Id": F("id", 18, updateable=False),
        "IsDeleted": F("boolean", updateable=False),
        "SystemModstamp": F("datetime", updateable=False),
        "CreatedDate": F("datetime", updateable=False),
        "LastModifiedDate": F("datetime", updateable=False),
        "OwnerId": F("reference", 18),
    }
    base.update(extra)
    return base


STATUS = ("qualified", "nurture", "disqualified", "unreached")
REASON = (
    "bad_timing",
    "no_authority",
    "no_budget",
    "no_need",
    "out_of_icp",
    "competitor_locked_in",
    "opted_out",
    "wrong_contact",
)

SCHEMA: dict[str, dict[str, F]] = {
    "Task": _fields(
        Subject=F(),
        Description=F("textarea", 32000),
        TaskSubtype=F("picklist", values=("Task", "Call", "Email")),
        Type=F("picklist", values=("Call", "Email", "Meeting", "Other")),
        CallDurationInSeconds=F("int"),
        CallType=F("picklist", values=("Inbound", "Outbound", "Internal")),
        CallDisposition=F(),
        ActivityDate=F("date"),
        CompletedDateTime=F("datetime", updateable=False),
        Priority=F("picklist", values=("High", "Normal", "Low")),
        Status=F("picklist", values=("Not Started", "Completed")),
        WhoId=F("reference", 18),
        WhatId=F("reference", 18),
        AccountId=F("reference", 18, updateable=False),
        Qualicall_Score__c=F("double"),
        Qualicall_Status__c=F("picklist", values=STATUS, restricted=True),
        Qualicall_Reason__c=F("picklist", values=REASON, restricted=True),
        Qualicall_Next_Step__c=F("string", 80),
        Qualicall_Explanation__c=F("textarea", 32768),
        Qualicall_Ruleset__c=F("string", 80),
        Qualicall_Qualified_At__c=F("datetime"),
        Qualicall_Key__c=F("string", 255, external_id=True),
    ),
    "Lead": _fields(
        Name=F(updateable=False),
        FirstName=F(),
        LastName=F(),
        Title=F(),
        Email=F("email"),
        Phone=F("phone"),
        Country=F(),
        Company=F(),
        NumberOfEmployees=F("int"),
        Industry=F(),
        AnnualRevenue=F("currency"),
        DoNotCall=F("boolean"),
        HasOptedOutOfEmail=F("boolean"),
        Status=F("picklist"),
        Rating=F("picklist"),
        IsConverted=F("boolean", updateable=False),
        ConvertedDate=F("date", updateable=False),
        ConvertedOpportunityId=F("reference", 18, updateable=False),
        ConvertedAccountId=F("reference", 18, updateable=False),
    ),
    "Contact": _fields(
        Name=F(updateable=False),
        FirstName=F(),
        LastName=F(),
        Title=F(),
        Email=F("email"),
        Phone=F("phone"),
        MailingCountry=F(),
        AccountId=F("reference", 18),
        DoNotCall=F("boolean"),
        HasOptedOutOfEmail=F("boolean"),
    ),
    "Account": _fields(
        Name=F(),
        NumberOfEmployees=F("int"),
        Industry=F(),
        BillingCountry=F(),
        AnnualRevenue=F("currency"),
    ),
    "Event": _fields(
        Subject=F(),
        WhoId=F("reference", 18),
        WhatId=F("reference", 18),
        AccountId=F("reference", 18),
        StartDateTime=F("datetime"),
        EndDateTime=F("datetime"),
    ),
    "Opportunity": _fields(Name=F(), AccountId=F("reference", 18), Amount=F("currency"), StageName=F()),
    "User": _fields(Name=F()),
}


def to_json(value: Any) -> Any:
    """A stored value in Salesforce's JSON form."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if isinstance(value, date):
        return value.isoformat()
    return value


class RecordFailure(Exception):
    """One record refused: statusCode, message, fields."""

    def __init__(self, code: str, message: str, fields: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = list(fields)


@dataclass
class Faults:
    """Seeded random faults (rate, kinds) plus scripted one-shot faults for tests.

    Kinds: "5xx" (503 SERVER_UNAVAILABLE, not applied), "lock" (one record of a write batch fails with
    UNABLE_TO_LOCK_ROW), "lost" (applied, then the connection drops without a response), "limit" (403
    REQUEST_LIMIT_EXCEEDED, concurrency), "session" (every session revoked, 401 INVALID_SESSION_ID),
    "budget" (403 REQUEST_LIMIT_EXCEEDED TotalRequests).

    Subrequest kinds (inside a composite request whose own answer is 200): "sub5xx" (the subrequest
    answers 500 UNKNOWN_EXCEPTION), "subquery" (it answers 400 MALFORMED_QUERY). `pick` never returns a
    subrequest kind and `pick_sub` only those; random subrequest faults use `sub_kinds` at `rate`.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = ("5xx", "lock", "lost", "limit", "session")
    seed: int = 7
    sub_kinds: tuple[str, ...] = ("sub5xx",)
    scripted: list[tuple[str, Callable[[str, str], bool]]] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def script(self, kind: str, when: Callable[[str, str], bool] = lambda method, path: True) -> None:
        """Inject `kind` into the next request (method, path) for which `when` is true."""
        self.scripted.append((kind, when))

    def _scripted(self, method: str, path: str, sub: bool) -> str | None:
        """The first scripted fault of the right level (request or subrequest) whose `when` matches."""
        for i, (kind, when) in enumerate(self.scripted):
            if kind.startswith("sub") == sub and when(method, path):
                del self.scripted[i]
                self.injected[kind] += 1
                return kind
        return None

    def pick(self, method: str, path: str, is_write: bool) -> str | None:
        """The fault for one request, if any (scripted first, then random at `rate`)."""
        kind = self._scripted(method, path, sub=False)
        if kind is not None:
            return kind
        if self.rate and self.rng.random() < self.rate:
            kinds = [k for k in self.kinds if k != "lock" or is_write]
            kind = self.rng.choice(kinds)
            self.injected[kind] += 1
            return kind
        return None

    def pick_sub(self, method: str, path: str) -> str | None:
        """The fault for one composite subrequest, if any (scripted first, then random at `rate`)."""
        kind = self._scripted(method, path, sub=True)
        if kind is not None:
            return kind
        if self.rate and self.sub_kinds and self.rng.random() < self.rate:
            kind = self.rng.choice(self.sub_kinds)
            self.injected[kind] += 1
            return kind
        return None


class Org:
    """State of one fake org."""

    def __init__(self, start: datetime | None = None, api_max: int = 1_000_000) -> None:
        self.lock = threading.RLock()
        self.now = start or datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}
        self.counter = 0
        self.api_used = 0
        self.api_max = api_max
        self.tokens: set[str] = set()
        self.logins = 0
        self.users = {"qualicall@example.com": ("s3cret", "TOKEN")}
        self.client_apps = {"CONSUMER": "SECRET"}
        self.validation: Callable[[str, dict[str, Any]], str | None] | None = None
        self.faults = Faults()
        self.requests: Counter[str] = Counter()
        self.subrequests: Counter[str] = Counter()
        """Composite subrequests by label (not API calls: the composite request is the one call)."""
        self.max_collection = 0
        self.unique_index: dict[tuple[str, str], dict[Any, str]] = {}

    # -- time and ids -----------------------------------------------------------------------------
    def stamp(self) -> datetime:
        """The time of the current change; the clock then moves one second."""
        moment = self.now
        self.now += timedelta(seconds=1)
        return moment

    def new_id(self, sobject: str) -> str:
        self.counter += 1
        return f"{PREFIX[sobject]}{self.counter:012d}AAA"

    # -- record access ----------------------------------------------------------------------------
    def get(self, record_id: str | None) -> dict[str, Any] | None:
        if not record_id or len(record_id) < 3:
            return None
        sobject = OBJECT_OF_PREFIX.get(record_id[:3])
        return self.records[sobject].get(record_id) if sobject else None

    def resolve(self, record: dict[str, Any], path: str) -> Any:
        """A (possibly dotted) field's value on a record."""
        current: dict[str, Any] | None = record
        parts = path.split(".")
        for part in parts[:-1]:
            if current is None:
                return None
            ref = RELATIONS.get(part, part + "Id")
            current = self.get(current.get(ref))
        return None if current is None else current.get(parts[-1])

    def convert(self, sobject: str, name: str, value: Any) -> Any:
        """Validate and convert an incoming JSON value for a field (RecordFailure when refused)."""
        spec = SCHEMA[sobject].get(name)
        if spec is None:
            raise RecordFailure(
                "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}", [name]
            )
        if value is None:
            return None
        if spec.type == "datetime":
            try:
                return parse_literal_datetime(str(value)).replace(microsecond=0)
            except ValueError:
                raise RecordFailure(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{name}: bad datetime", [name]
                ) from None
        if spec.type == "date":
            return date.fromisoformat(str(value)[:10])
        if spec.type in ("double", "currency", "percent"):
            return float(value)
        if spec.type == "int":
            return int(value)
        if spec.type == "boolean":
            return bool(value)
        text = str(value)
        if len(text) > spec.length:
            raise RecordFailure("STRING_TOO_LONG", f"{name}: data value too large: {text[:20]}...", [name])
        if spec.restricted and text not in spec.values:
            raise RecordFailure(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"bad value for restricted picklist field: {text}",
                [name],
            )
        return text

    def insert(self, sobject: str, fields: dict[str, Any], *, system: dict[str, Any] | None = None) -> str:
        """Create a record (fields already converted); returns its id."""
        moment = self.stamp()
        record_id = self.new_id(sobject)
        record = {
            "Id": record_id,
            "IsDeleted": False,
            "CreatedDate": moment,
            "LastModifiedDate": moment,
            "SystemModstamp": moment,
            **fields,
            **(system or {}),
        }
        self._derive(sobject, record)
        self.records[sobject][record_id] = record
        return record_id

    def _derive(self, sobject: str, record: dict[str, Any]) -> None:
        if sobject == "Task":
            what = self.get(record.get("WhatId"))
            who = self.get(record.get("WhoId"))
            if what is not None and str(what["Id"]).startswith("001"):
                record["AccountId"] = what["Id"]
            elif what is not None and what.get("AccountId"):
                record["AccountId"] = what["AccountId"]
            elif who is not None and who.get("AccountId"):
                record["AccountId"] = who["AccountId"]
            else:
                record.setdefault("AccountId", None)
        if sobject in ("Lead", "Contact", "User") and (record.get("FirstName") or record.get("LastName")):
            record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)

    def update(self, sobject: str, record_id: str, incoming: dict[str, Any]) -> None:
        """Apply one record update from an API request (RecordFailure when refused)."""
        record = self.records[sobject].get(record_id)
        if record is None:
            raise RecordFailure("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if record["IsDeleted"]:
            raise RecordFailure("ENTITY_IS_DELETED", "entity is deleted", [])
        converted: dict[str, Any] = {}
        for name, value in incoming.items():
            spec = SCHEMA[sobject].get(name)
            if spec is not None and not spec.updateable:
                raise RecordFailure(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {name}", [name]
                )
            converted[name] = self.convert(sobject, name, value)
        after = {**record, **converted}
        if self.validation is not None:
            message = self.validation(sobject, after)
            if message:
                raise RecordFailure("FIELD_CUSTOM_VALIDATION_EXCEPTION", message, [])
        moment = self.stamp()
        record.update(converted, LastModifiedDate=moment, SystemModstamp=moment)
        self._derive(sobject, record)

    def delete(self, record_id: str) -> None:
        record = self.get(record_id)
        assert record is not None
        moment = self.stamp()
        record.update(IsDeleted=True, SystemModstamp=moment, LastModifiedDate=moment)

    def find_by(self, sobject: str, name: str, value: Any) -> list[dict[str, Any]]:
        return [r for r in self.records[sobject].values() if r.get(name) == value and not r["IsDeleted"]]

    def upsert(self, sobject: str, key_field: str, incoming: dict[str, Any]) -> tuple[str, bool]:
        """Insert or update by external id; returns (id, created)."""
        spec = SCHEMA[sobject].get(key_field)
        if spec is None or not spec.external_id:
            raise RecordFailure("INVALID_FIELD", f"{key_field} is not an external id", [key_field])
        key = incoming.get(key_field)
        if not key:
            raise RecordFailure("REQUIRED_FIELD_MISSING", f"{key_field} required", [key_field])
        found = self.find_by(sobject, key_field, key)
        if len(found) > 1:
            raise RecordFailure("DUPLICATE_EXTERNAL_ID", "more than one record", [key_field])
        if found:
            fields = {k: v for k, v in incoming.items() if k != key_field}
            self.update(sobject, found[0]["Id"], fields)
            return found[0]["Id"], False
        converted = {name: self.convert(sobject, name, value) for name, value in incoming.items()}
        if self.validation is not None:
            message = self.validation(sobject, converted)
            if message:
                raise RecordFailure("FIELD_CUSTOM_VALIDATION_EXCEPTION", message, [])
        return self.insert(sobject, converted), True

    def describe(self, sobject: str) -> dict[str, Any]:
        fields = []
        for name, spec in SCHEMA[sobject].items():
            fields.append(
                {
                    "name": name,
                    "type": spec.type,
                    "length": spec.length
                    if spec.type in ("string", "textarea", "picklist", "email", "phone")
                    else 0,
                    "updateable": spec.updateable and name not in SYSTEM,
                    "createable": spec.updateable or name in ("Qualicall_Key__c",),
                    "externalId": spec.external_id,
                    "unique": spec.external_id,
                    "restrictedPicklist": spec.restricted,
                    "picklistValues": [{"value": v, "label": v, "active": True} for v in spec.values],
                    "custom": name.endswith("__c"),
                }
            )
        return {"name": sobject, "fields": fields}

    def count(self, sobject: str, **where: Any) -> int:
        return sum(1 for r in self.records[sobject].values() if all(r.get(k) == v for k, v in where.items()))
