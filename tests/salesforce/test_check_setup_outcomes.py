"""`check`, `setup` (describe-based field check, metadata written for what is missing) and outcomes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.salesforce import SalesforceAdapter, setup
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.org import SCHEMA, F

VOCABULARY = {
    "status": ("qualified", "nurture", "disqualified", "unreached"),
    "reason": ("bad_timing", "no_budget", "no_need", "gdpr_objection"),
}


def test_check_reports_auth_version_fields_and_allowance(
    adapter: SalesforceAdapter, fake: FakeSalesforce
) -> None:
    fake.org.api_max, fake.org.api_used = 100_000, 60_000
    items = {i.name: i for i in adapter.check()}
    assert items["auth"].ok and items["api version"].ok and items["Task fields"].ok
    allowance = items["daily API allowance"]
    assert not allowance.ok and "50%" in allowance.detail  # 60 % used, the share is 50 %


def test_check_names_a_missing_field(adapter: SalesforceAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    task = dict(SCHEMA["Task"])
    del task["Qualicall_Ruleset__c"]
    monkeypatch.setitem(SCHEMA, "Task", task)
    items = {i.name: i for i in adapter.check()}
    assert (
        not items["Task fields"].ok and "Qualicall_Ruleset__c: does not exist" in items["Task fields"].detail
    )


def test_setup_writes_metadata_for_missing_fields_and_values(
    adapter: SalesforceAdapter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = {k: v for k, v in SCHEMA["Task"].items() if k not in ("Qualicall_Score__c", "Qualicall_Key__c")}
    task["Qualicall_Next_Step__c"] = F("string", 80, updateable=False)
    monkeypatch.setitem(SCHEMA, "Task", task)
    actions = setup(adapter, VOCABULARY, apply=False, out_dir=tmp_path)
    by_field = {(a.sobject, a.field): a for a in actions}
    assert by_field[("Task", "Qualicall_Score__c")].action == "create"
    assert by_field[("Task", "Qualicall_Key__c")].action == "create"
    assert by_field[("Task", "Qualicall_Reason__c")].action == "update"  # lacks gdpr_objection
    assert by_field[("Task", "Qualicall_Next_Step__c")].action == "manual"  # exists but read-only
    assert by_field[("Task", "Qualicall_Status__c")].action == "ok"
    fields = tmp_path / "force-app/main/default/objects/Activity/fields"
    key_xml = (fields / "Qualicall_Key__c.field-meta.xml").read_text()
    assert "<externalId>true</externalId>" in key_xml and "<unique>true</unique>" in key_xml
    reason_xml = (fields / "Qualicall_Reason__c.field-meta.xml").read_text()
    assert (
        "<fullName>gdpr_objection</fullName>" in reason_xml and "<restricted>true</restricted>" in reason_xml
    )
    assert (tmp_path / "sfdx-project.json").exists()


def test_outcomes_are_meetings_with_a_who_and_opportunities(
    adapter: SalesforceAdapter, fake: FakeSalesforce
) -> None:
    org = fake.org
    since = org.now - timedelta(days=30)
    with org.lock:
        account = org.insert("Account", {"Name": "Acme"})
        contact = org.insert("Contact", {"LastName": "Durand", "AccountId": account})
        held = org.now - timedelta(days=2)
        org.insert(
            "Event",
            {
                "WhoId": contact,
                "AccountId": account,
                "StartDateTime": held,
                "EndDateTime": held + timedelta(hours=1),
            },
        )
        org.insert("Event", {"Subject": "no who", "StartDateTime": held, "EndDateTime": held})
        org.insert(
            "Event",
            {
                "WhoId": contact,
                "StartDateTime": org.now + timedelta(days=3),
                "EndDateTime": org.now + timedelta(days=3),
            },
        )  # not held yet
        opp = org.insert("Opportunity", {"Name": "Deal", "AccountId": account, "Amount": 12000.0})
        org.insert(
            "Lead",
            {"LastName": "Martin"},
            system={"IsConverted": True, "ConvertedOpportunityId": opp, "ConvertedDate": date.today()},
        )
    events = list(adapter.read_outcomes(since))
    kinds = sorted((e.kind, e.prospect_id == contact, e.amount) for e in events)
    assert kinds == [("meeting", True, None), ("opportunity", False, 12000.0)]
    opportunity = next(e for e in events if e.kind == "opportunity")
    assert opportunity.prospect_id is not None and opportunity.prospect_id.startswith("00Q")
    assert opportunity.company_id == account and opportunity.occurred_at.tzinfo is not None
    assert all(e.occurred_at >= since for e in events)


def test_check_reports_a_refused_login_without_raising(fake: FakeSalesforce) -> None:
    from tests.contract.harness_salesforce import make_adapter

    items = make_adapter(fake, env={"SF_PASSWORD": "nope"}).check()
    assert [(i.name, i.ok) for i in items] == [("auth", False)]
    assert "nope" not in items[0].detail


def test_setup_on_a_complete_org_writes_nothing_and_apply_is_manual(
    adapter: SalesforceAdapter, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    actions = setup(adapter, {"status": VOCABULARY["status"]}, apply=True, out_dir=out)
    assert {a.action for a in actions[:-1]} == {"ok"}
    assert actions[-1].action == "manual" and "sf project deploy start" in actions[-1].detail
    assert not out.exists()
