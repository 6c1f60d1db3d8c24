"""SOQL text for the adapter's reads. Every value is quoted by `simple_salesforce.format_soql`
(strings escaped per the SOQL quoted-string rules, datetimes as UTC literals); field names come from
the mapping and are checked against an identifier pattern, so neither can change a query's shape.

`CallQueryPlan` decides which fields a call query selects from the mapping: Task fields, the current
output values, Lead / Contact fields through `TYPEOF Who`, Account fields through `Task.Account`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from simple_salesforce.format import format_soql

from connector.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")

LEAD_ONLY = frozenset(
    {
        "Company",
        "Country",
        "Status",
        "Rating",
        "Industry",
        "NumberOfEmployees",
        "AnnualRevenue",
        "Website",
        "IsConverted",
        "ConvertedDate",
        "ConvertedOpportunityId",
        "ConvertedAccountId",
        "ConvertedContactId",
        "LeadSource",
        "City",
        "State",
        "PostalCode",
        "Street",
    }
)
CONTACT_ONLY = frozenset(
    {
        "AccountId",
        "MailingCountry",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingStreet",
        "Department",
        "Birthdate",
        "ReportsToId",
        "OtherPhone",
        "AssistantName",
    }
)
ALWAYS_CALL = ("Id", "IsDeleted", "SystemModstamp", "WhoId", "WhatId", "AccountId", "OwnerId")


def check_name(name: str, where: str) -> str:
    """Return `name` if it is a plain (or dotted relationship) field name, else raise ConfigError."""
    parts = name.split(".")
    if not all(_NAME.match(p) for p in parts):
        raise ConfigError([f"{where}: {name!r} is not a Salesforce field name"], source="salesforce mapping")
    return name


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class CallQueryPlan:
    """The fields of a call query. `lead_company` maps Account field → Lead field (leads have no Account)."""

    task_fields: Sequence[str]
    lead_fields: Sequence[str]
    contact_fields: Sequence[str]
    account_fields: Sequence[str]
    call_filter: str = "TaskSubtype = 'Call'"
    exclude_key_field: str | None = None
    lead_company: dict[str, str] = field(default_factory=dict)

    def select_list(self) -> str:
        """The SELECT list: Task fields, TYPEOF Who (Lead / Contact branches), Account.* fields."""
        items = _unique([*ALWAYS_CALL, *self.task_fields])
        if self.lead_fields or self.contact_fields:
            lead = ", ".join(_unique(["Id", *self.lead_fields]))
            contact = ", ".join(_unique(["Id", *self.contact_fields]))
            items.append(f"TYPEOF Who WHEN Lead THEN {lead} WHEN Contact THEN {contact} END")
        items.extend(self.account_columns())
        return ", ".join(items)

    def _window(self, upper: datetime) -> list[str]:
        where = [f"({self.call_filter})", format_soql("SystemModstamp <= {upper}", upper=upper)]
        if self.exclude_key_field:
            where.append(f"{self.exclude_key_field} = null")
        return where

    def account_columns(self) -> list[str]:
        """The mapped Account fields as child-to-parent columns of the Task (`Account.<field>`)."""
        return [f"Account.{f}" for f in _unique(self.account_fields) if f != "Id"]

    def bulk_query(self, upper: datetime) -> str:
        """The Bulk API 2.0 form of the first-sync window: the Task's own fields and the Account fields
        through the child-to-parent relationship (`Account.<field>`, which Bulk 2.0 supports). Bulk 2.0
        has no TYPEOF, ORDER BY or LIMIT, so the Who (Lead / Contact) fields are looked up by id
        afterwards; other dotted Task fields are left out."""
        items = [f for f in _unique([*ALWAYS_CALL, *self.task_fields]) if "." not in f]
        items.extend(self.account_columns())
        return f"SELECT {', '.join(items)} FROM Task WHERE {' AND '.join(self._window(upper))}"

    def changes_query(self, upper: datetime, after: tuple[datetime, str] | None) -> str:
        """Calls changed in the closed window (after, upper], ordered by (SystemModstamp, Id).

        `after` = (modstamp, id) of the last record already read: later modstamps, or the same modstamp
        with a greater Id (tie-break), are selected.
        """
        where = self._window(upper)
        if after is not None:
            where.append(
                format_soql(
                    "(SystemModstamp > {ts} OR (SystemModstamp = {ts} AND Id > {id}))",
                    ts=after[0],
                    id=after[1],
                )
            )
        return (
            f"SELECT {self.select_list()} FROM Task WHERE {' AND '.join(where)} ORDER BY SystemModstamp, Id"
        )


def plan_from_mapping(
    task_fields: Iterable[str],
    prospect_fields: Iterable[str],
    account_fields: Iterable[str],
    *,
    call_filter: str,
    exclude_key_field: str | None,
    lead_company: dict[str, str],
    lead_only: Iterable[str] = (),
    contact_only: Iterable[str] = (),
) -> CallQueryPlan:
    """Split the mapped prospect fields into the Lead and Contact branches of TYPEOF Who.

    A field known to exist on only one of the two objects goes to that branch; any other field (custom
    fields are usually created on both) goes to both.
    """
    lead_set = LEAD_ONLY | set(lead_only)
    contact_set = CONTACT_ONLY | set(contact_only)
    prospect = [check_name(f, "prospect") for f in prospect_fields]
    lead = [f for f in prospect if f not in contact_set]
    contact = [f for f in prospect if f not in lead_set]
    lead.extend(check_name(v, "mapping.lead_company") for v in lead_company.values())
    if not call_filter.strip() or ";" in call_filter:
        raise ConfigError(["mapping.call_filter: expected one SOQL condition"], source="salesforce mapping")
    return CallQueryPlan(
        task_fields=[check_name(f, "call") for f in task_fields],
        lead_fields=_unique(lead),
        contact_fields=_unique(contact),
        account_fields=[check_name(f, "company") for f in account_fields],
        call_filter=call_filter,
        exclude_key_field=check_name(exclude_key_field, "task.key") if exclude_key_field else None,
        lead_company=dict(lead_company),
    )


def ids_query(sobject: str, fields: Sequence[str], ids: Sequence[str]) -> str:
    """`fields` of the `sobject` records whose Id is in `ids` (values quoted by the formatter)."""
    names = ", ".join(check_name(f, sobject) for f in _unique(fields))
    return format_soql(
        f"SELECT {names} FROM {check_name(sobject, 'sobject')} WHERE Id IN {{ids}}", ids=list(ids)
    )


def keys_query(key_field: str, keys: Sequence[str]) -> str:
    """Existing tasks holding any of `keys` in `key_field`."""
    name = check_name(key_field, "task.key")
    return format_soql(f"SELECT Id, {name} FROM Task WHERE {name} IN {{keys}}", keys=list(keys))


def events_query(since: datetime, until: datetime) -> str:
    """Meetings held (Events with a Who that ended in [since, until])."""
    return format_soql(
        "SELECT Id, WhoId, AccountId, StartDateTime, EndDateTime FROM Event "
        "WHERE WhoId != null AND EndDateTime >= {since} AND EndDateTime <= {until} ORDER BY EndDateTime, Id",
        since=since,
        until=until,
    )


def converted_leads_query(since: datetime) -> str:
    """Leads converted with an opportunity on or after the day of `since`."""
    return format_soql(
        "SELECT Id, ConvertedOpportunityId, ConvertedAccountId, ConvertedDate FROM Lead "
        "WHERE IsConverted = true AND ConvertedOpportunityId != null AND ConvertedDate >= {day} "
        "ORDER BY ConvertedDate, Id",
        day=since.date(),
    )


def opportunities_query(since: datetime) -> str:
    """Opportunities created at or after `since`."""
    return format_soql(
        "SELECT Id, AccountId, CreatedDate, Amount FROM Opportunity WHERE CreatedDate >= {since} "
        "ORDER BY CreatedDate, Id",
        since=since,
    )
