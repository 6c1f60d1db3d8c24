"""Put canonical calls into a fake org as Salesforce would hold them: Accounts, Contacts (prospects with
a company) or Leads (without), and call Tasks (TaskSubtype 'Call') whose CreatedDate is the call time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.model import Call
from tests.fakes.salesforce.org import Org

OWNER = "005000000000001AAA"
DISPOSITION = {
    "connected": "Connected",
    "no_answer": "No Answer",
    "busy": "Busy",
    "voicemail": "Left Voicemail",
    "wrong_number": "Wrong Number",
    "other": "Other",
}


class Seeder:
    """Keeps canonical prospect / company ids → Salesforce ids, so repeated prospects are shared."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.accounts: dict[str, str] = {}
        self.people: dict[str, str] = {}

    def _account(self, call: Call) -> str | None:
        company = call.company
        if company is None:
            return None
        key = company.id or company.name or ""
        if key not in self.accounts:
            self.accounts[key] = self.org.insert(
                "Account",
                {
                    "Name": company.name,
                    "NumberOfEmployees": company.employees,
                    "Industry": company.industry,
                    "BillingCountry": company.country,
                    "AnnualRevenue": company.annual_revenue,
                },
            )
        return self.accounts[key]

    def _person(self, call: Call, account_id: str | None) -> str | None:
        prospect = call.prospect
        if prospect is None:
            return None
        key = prospect.id or prospect.name or ""
        if key not in self.people:
            fields: dict[str, Any] = {
                "LastName": prospect.name,
                "Title": prospect.title,
                "Email": prospect.email,
                "Phone": prospect.phone,
                "DoNotCall": prospect.do_not_call,
            }
            if account_id:
                fields.update(AccountId=account_id, MailingCountry=prospect.country)
                self.people[key] = self.org.insert("Contact", fields)
            else:
                fields.update(Country=prospect.country, Company=call.company.name if call.company else None)
                self.people[key] = self.org.insert("Lead", fields)
        return self.people[key]

    def call(self, call: Call) -> str:
        """Insert one call Task (with its prospect and account); returns the Task id."""
        account_id = self._account(call)
        who = self._person(call, account_id)
        fields = {
            "Subject": "Call",
            "TaskSubtype": "Call",
            "Status": "Completed",
            "Description": call.notes,
            "CallDurationInSeconds": call.duration_s,
            "CallType": call.direction.value.capitalize(),
            "CallDisposition": DISPOSITION[call.outcome.value],
            "WhoId": who,
            "WhatId": account_id,
            "OwnerId": OWNER,
        }
        return self.org.insert("Task", fields, system={"CreatedDate": call.occurred_at})

    def calls(self, calls: Iterable[Call]) -> list[str]:
        with self.org.lock:
            return [self.call(c) for c in calls]
