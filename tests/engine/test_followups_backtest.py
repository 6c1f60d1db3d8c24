"""Follow-up tasks (keys, due dates on business days) and the backtest output / explain trace."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from rich.console import Console

from connector.backtest import render_explanation, result_record
from connector.rules import Ruleset, qualify
from tests.engine.conftest import make_call


def test_follow_up_key_owner_and_associations(bant: Ruleset) -> None:
    call = make_call("Intéressé, rappelez-moi dans 3 mois.", id="C-42")
    res = qualify(call, bant, call.occurred_at)
    (fu,) = res.follow_ups
    assert fu.key == "qc-" + hashlib.sha256(b"C-42|callback").hexdigest()[:32]
    assert (fu.owner, fu.call_id, fu.prospect_id, fu.company_id) == ("Camille Martin", "C-42", "p-1", "c-1")
    assert fu.subject.startswith("Rappeler Sophie Garnier")


def test_callback_lands_on_a_business_day_after_holidays(bant: Ruleset) -> None:
    # 1 May 2026 is a Friday and a French public holiday: "dans 3 mois" from 1 Feb lands on it.
    call = make_call("Rappelez-moi dans 3 mois.", occurred_at=datetime(2026, 2, 1, 10, tzinfo=UTC))
    res = qualify(call, bant, call.occurred_at)
    assert res.recontact_on is not None and res.recontact_on.isoformat() == "2026-05-04"
    assert res.follow_ups[0].due_at.date() == res.recontact_on


def test_unreached_retry_is_next_business_day(bant: Ruleset) -> None:
    friday = datetime(2026, 12, 24, 16, tzinfo=UTC)  # Thursday 24 Dec; 25 Dec is a holiday
    res = qualify(make_call("", outcome="no_answer", occurred_at=friday), bant, friday)
    assert res.follow_ups[0].due_at.date().isoformat() == "2026-12-28"


def test_due_dates_never_in_the_past(bant: Ruleset) -> None:
    call = make_call("", outcome="no_answer", occurred_at=datetime(2024, 1, 2, tzinfo=UTC))
    now = datetime(2026, 10, 6, 12, tzinfo=UTC)
    assert qualify(call, bant, now).follow_ups[0].due_at > now


def test_result_record_is_json(bant: Ruleset) -> None:
    call = make_call("DAF ok pr démo mardi, budget voté T1")
    rec = result_record(call, qualify(call, bant, call.occurred_at))
    again = json.loads(json.dumps(rec))
    assert set(again) == {
        "id", "status", "reason", "next_step", "score", "recontact_on", "language", "ruleset",
        "explanation", "evidence", "follow_ups",
    }  # fmt: skip
    assert again["status"] == "qualified" and again["next_step"] == "demo"
    assert {e["criterion"] for e in again["evidence"]} == {
        "icp",
        "need",
        "authority",
        "budget",
        "timing",
        "action",
    }


def test_render_explanation_lists_every_criterion(bant: Ruleset) -> None:
    call = make_call("DAF ok pr démo mardi, budget voté T1")
    console = Console(record=True, width=160)
    console.print(render_explanation(call, qualify(call, bant, call.occurred_at)))
    out = console.export_text()
    for word in ("authority", "budget", "pr démo", "qualified", "follow-ups"):
        assert word in out
