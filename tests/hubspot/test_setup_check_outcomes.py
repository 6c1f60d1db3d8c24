"""`qualicall setup hubspot`, `check`, outcomes for the KPIs, and custom dispositions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.hubspot import HubSpotAdapter, build, setup
from connector.mapping import Mapping
from tests.contract.harness_hubspot import make_harness
from tests.fakes.hubspot import TOKEN, FakeHubSpot, VirtualClock
from tests.hubspot.factory import make_calls

VOCABULARY = {
    "status": ("qualified", "nurture", "disqualified", "unreached"),
    "reason": ("no_budget", "no_need"),
    "next_step": ("meeting", "demo"),
}


def _bare_adapter(fake: FakeHubSpot, clock: VirtualClock) -> HubSpotAdapter:
    from adapters.hubspot import Connection

    return build(
        Connection(base_url=fake.base_url),
        Mapping.load("hubspot"),
        env={"HUBSPOT_TOKEN": TOKEN},
        clock=clock.datetime,
        sleep=clock.sleep,
    )


def test_setup_plans_then_applies_idempotently() -> None:
    clock = VirtualClock()
    with FakeHubSpot(clock=clock) as fake:
        adapter = _bare_adapter(fake, clock)
        plan = setup(adapter, VOCABULARY, apply=False)
        assert {(a.object_type, a.name) for a in plan if a.action == "create"} >= {
            ("calls", "qualicall"),
            ("calls", "qualicall_status"),
            ("tasks", "qualicall_key"),
            ("contacts", "qualicall_do_not_call"),
        }
        assert "qualicall_status" not in fake.properties["calls"]  # a plan changes nothing
        applied = setup(adapter, VOCABULARY, apply=True)
        assert all(a.applied for a in applied if a.action != "ok")
        status = fake.properties["calls"]["qualicall_status"]
        assert (status["type"], status["fieldType"]) == ("enumeration", "select")
        assert [o["value"] for o in status["options"]] == list(VOCABULARY["status"])
        assert fake.properties["calls"]["qualicall_score"]["type"] == "number"
        assert fake.properties["calls"]["qualicall_qualified_at"]["type"] == "datetime"
        assert fake.properties["calls"]["qualicall_explanation"]["fieldType"] == "textarea"
        assert fake.properties["tasks"]["qualicall_key"]["hasUniqueValue"] is True
        dnc = fake.properties["contacts"]["qualicall_do_not_call"]
        assert (dnc["type"], dnc["fieldType"]) == ("bool", "booleancheckbox")
        assert not fake.rejected
        # twice: nothing left to do
        assert {a.action for a in setup(adapter, VOCABULARY, apply=False)} == {"ok"}
        # a new vocabulary value: only the missing option is added, existing ones kept
        more = {**VOCABULARY, "reason": ("no_budget", "no_need", "bad_timing")}
        plan = setup(adapter, more, apply=True)
        assert [(a.name, a.action) for a in plan if a.action != "ok"] == [("qualicall_reason", "update")]
        assert [o["value"] for o in fake.properties["calls"]["qualicall_reason"]["options"]] == list(
            more["reason"]
        )
        adapter.close()


def test_check_reports_missing_properties_scopes_and_bad_tokens() -> None:
    clock = VirtualClock()
    with FakeHubSpot(clock=clock, daily=1000) as fake:
        adapter = _bare_adapter(fake, clock)
        items = {i.name: i for i in adapter.check()}
        assert items["token"].ok
        assert not items["calls.qualicall_status"].ok and "setup" in items["calls.qualicall_status"].detail
        setup(adapter, VOCABULARY, apply=True)
        fake.forbidden.add("meetings")
        items = {i.name: i for i in adapter.check()}
        assert items["calls.qualicall_status"].ok
        assert not items["scope crm.objects.meetings"].ok
        assert items["rate-limit headroom"].ok and "left today" in items["rate-limit headroom"].detail
        fake.properties["calls"]["qualicall_score"]["type"] = "string"
        assert not {i.name: i for i in adapter.check()}["calls.qualicall_score"].ok
        fake.token = "rotated"
        after_rotation = adapter.check()
        assert [(i.name, i.ok) for i in after_rotation] == [("token", False)]
        adapter.close()


def test_outcomes_meetings_completed_and_deals(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.seed(make_calls(1))
        record = next(iter(h.adapter.iter_pages(None))).records[0]
        contact, company = int(record.associations["contact"][0]), int(record.associations["company"][0])
        start = (h.clock.datetime() - timedelta(days=5)).replace(microsecond=0)
        held = h.fake.create(
            "meetings", {"hs_meeting_start_time": start.isoformat(), "hs_meeting_outcome": "COMPLETED"}
        )
        h.fake.create(
            "meetings", {"hs_meeting_start_time": start.isoformat(), "hs_meeting_outcome": "NO_SHOW"}
        )
        h.fake.associate("meetings", held, "contacts", contact, 200)
        deal = h.fake.create(
            "deals", {"dealname": "Acme", "amount": "1200.5", "createdate": start.isoformat()}
        )
        h.fake.associate("deals", deal, "companies", company, 5)
        h.fake.create("deals", {"dealname": "old", "createdate": "2025-01-01T00:00:00Z"})
        h.fake.create(
            "meetings",
            {
                "hs_meeting_start_time": (start + timedelta(days=30)).isoformat(),
                "hs_meeting_outcome": "COMPLETED",
            },
        )  # in the future: not held yet
        events = list(h.adapter.read_outcomes(start - timedelta(days=10)))
        assert [(e.kind, e.id) for e in events] == [("meeting", str(held)), ("opportunity", str(deal))]
        assert events[0].prospect_id == str(contact) and events[0].occurred_at == start
        assert events[1].company_id == str(company) and events[1].amount == 1200.5


def test_custom_dispositions_are_labelled(tmp_path: Path) -> None:
    with make_harness(tmp_path) as h:
        h.fake.dispositions["0b1b2b3b-1111-4222-8333-444444444444"] = "Meeting booked"
        crm_ids = h.seed(make_calls(2))
        h.fake.update(
            "calls", int(crm_ids[1]), {"hs_call_disposition": "0b1b2b3b-1111-4222-8333-444444444444"}
        )
        records = {r.id: r for p in h.adapter.iter_pages(None) for r in p.records}
        assert records[crm_ids[0]].fields["hs_call_disposition_label"] == "Connected"
        assert records[crm_ids[1]].fields["hs_call_disposition_label"] == "Meeting booked"
        assert h.adapter.mapping.to_call(records[crm_ids[1]]).outcome == "other"  # unmapped GUID
        assert h.fake.requests["dispositions"] == 1


def test_setup_falls_back_to_a_plain_key_property_when_unique_values_are_refused(tmp_path: Path) -> None:
    clock = VirtualClock()
    with FakeHubSpot(clock=clock) as fake:
        fake.no_unique_values.add("tasks")
        adapter = _bare_adapter(fake, clock)
        actions = {a.name: a for a in setup(adapter, VOCABULARY, apply=True)}
        assert actions["qualicall_key"].applied and "refused" in actions["qualicall_key"].detail
        assert fake.properties["tasks"]["qualicall_key"]["hasUniqueValue"] is False
        adapter.close()
