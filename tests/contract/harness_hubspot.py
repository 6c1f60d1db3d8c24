"""Contract-suite harness for HubSpot: the real adapter, driven by hubspot-api-client, against the fake.

`make_harness(tmp_path)` starts tests.fakes.hubspot.FakeHubSpot on 127.0.0.1 with the Qualicall
properties defined (as `qualicall setup hubspot` would), and yields a `HubSpotHarness` whose `adapter` is
built through `adapters.hubspot.build` with a virtual clock (the adapter never sleeps for real).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.hubspot import Connection, HubSpotAdapter, build
from connector.mapping import Mapping
from connector.model import Call
from tests.fakes.hubspot import TOKEN, FakeHubSpot, VirtualClock

OUTCOME_GUIDS = {
    "connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "no_answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "wrong_number": "17b47fee-58de-441e-a44c-c6300d46f273",
    "other": "00000000-0000-4000-8000-000000000000",
}


def define_qualicall_properties(fake: FakeHubSpot, mapping: Mapping) -> None:
    """Define what `qualicall setup hubspot` creates, directly in the fake's state."""
    from adapters.hubspot import plan_properties

    vocabulary = {
        "status": ("qualified", "nurture", "disqualified", "unreached"),
        "reason": (
            "bad_timing",
            "no_authority",
            "no_budget",
            "no_need",
            "out_of_icp",
            "competitor_locked_in",
            "opted_out",
            "wrong_contact",
        ),
    }
    for spec in plan_properties(mapping, vocabulary):
        options = [
            {"label": v, "value": v, "displayOrder": i, "hidden": False} for i, v in enumerate(spec.options)
        ]
        fake.define(
            spec.object_type,
            spec.name,
            spec.type,
            spec.field_type,
            options=options,
            hasUniqueValue=spec.unique,
        )


class HubSpotHarness:
    """CRMHarness over the HubSpot fake (see tests/contract/harness.py)."""

    def __init__(self, fake: FakeHubSpot, clock: VirtualClock, adapter: HubSpotAdapter) -> None:
        self.fake = fake
        self.clock = clock
        self.adapter = adapter

    def seed(self, calls: Iterable[Call]) -> list[str]:
        """Store calls with their contact and company; each call 1 ms later than the previous one."""
        ids: list[str] = []
        for call in calls:
            self.clock.advance(0.001)
            contact_id = company_id = None
            if call.prospect is not None:
                p = call.prospect
                first, _, last = (p.name or "").partition(" ")
                contact_id = self.fake.create(
                    "contacts",
                    {
                        "firstname": first,
                        "lastname": last,
                        "jobtitle": p.title,
                        "email": p.email,
                        "phone": p.phone,
                        "country": p.country,
                        "qualicall_do_not_call": p.do_not_call,
                    },
                )
            if call.company is not None:
                c = call.company
                company_id = self.fake.create(
                    "companies",
                    {
                        "name": c.name,
                        "numberofemployees": c.employees,
                        "industry": c.industry,
                        "country": c.country,
                        "annualrevenue": c.annual_revenue,
                    },
                )
            call_id = self.fake.create(
                "calls",
                {
                    "hs_timestamp": call.occurred_at.isoformat(),
                    "hs_call_body": call.notes,
                    "hs_call_direction": call.direction.value.upper(),
                    "hs_call_duration": None if call.duration_s is None else call.duration_s * 1000,
                    "hs_call_disposition": OUTCOME_GUIDS[call.outcome.value],
                    "hs_call_summary": call.transcript or None,
                    "hubspot_owner_id": call.owner,
                    "hs_call_source": call.source,
                },
            )
            if contact_id is not None:
                self.fake.associate("calls", call_id, "contacts", contact_id, 194)
            if company_id is not None:
                self.fake.associate("calls", call_id, "companies", company_id, 182)
            ids.append(str(call_id))
        self.clock.advance(0.001)
        return ids

    def edit_notes(self, crm_id: str, notes: str) -> None:
        """Change a call's notes as a rep would (bumps hs_lastmodifieddate)."""
        self.clock.advance(0.001)
        self.fake.update("calls", int(crm_id), {"hs_call_body": notes})
        self.clock.advance(0.001)

    def delete(self, crm_id: str) -> None:
        """Archive a call."""
        self.clock.advance(0.001)
        self.fake.archive("calls", int(crm_id))

    def call_fields(self, crm_id: str) -> dict[str, Any]:
        """The call's current properties."""
        return dict(self.fake.objects["calls"][int(crm_id)]["properties"])

    def tasks(self) -> list[dict[str, Any]]:
        """Every task's properties (the key is under qualicall_key)."""
        return [dict(o["properties"]) for o in self.fake.objects["tasks"].values()]


@contextmanager
def make_harness(
    tmp_path: Path, connection: dict[str, Any] | None = None, **fake_options: Any
) -> Iterator[HubSpotHarness]:
    """A harness over a fresh fake; `connection` overrides Connection fields, `fake_options` go to
    FakeHubSpot (limits, faults, search cap)."""
    del tmp_path  # the fake keeps its state in memory
    clock = VirtualClock()
    mapping = Mapping.load("hubspot")
    with FakeHubSpot(clock=clock, **fake_options) as fake:
        define_qualicall_properties(fake, mapping)
        # the fake's search index never lags: no settling delay needed
        overrides = {"base_url": fake.base_url, "timeout": 10, "settle_seconds": 0, **(connection or {})}
        settings = Connection(**overrides)
        adapter = build(
            settings, mapping, env={"HUBSPOT_TOKEN": TOKEN}, clock=clock.datetime, sleep=clock.sleep
        )
        try:
            yield HubSpotHarness(fake, clock, adapter)
        finally:
            adapter.close()
