"""Loading rule packs: built-ins, overrides with `extends`, every error reported with its TOML path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connector.errors import RulesError
from connector.rules import Ruleset, load_ruleset, qualify
from tests.engine.conftest import NOW, make_call


def test_builtin_packs(bant: Ruleset, champ: Ruleset) -> None:
    assert bant.name == "bant" and champ.name == "champ"
    assert re.fullmatch(r"bant-[0-9a-f]{8}", bant.version)
    assert bant.statuses == ("qualified", "nurture", "disqualified", "unreached")
    assert set(bant.reasons) == {"bad_timing", "no_authority", "no_budget", "no_need", "out_of_icp",
                                 "competitor_locked_in", "opted_out", "wrong_contact"}  # fmt: skip
    assert bant.next_steps == ("meeting", "demo", "proposal", "callback", "reach_decision_maker", "none")


def test_version_is_stable(bant: Ruleset) -> None:
    assert load_ruleset("bant").version == bant.version


def test_extends_overrides_icp_and_changes_version(tmp_path: Path, bant: Ruleset) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('extends = "bant"\nname = "acme"\n[icp]\nemployees_min = 200\ncountries = ["FR", "US"]\n')
    rules = load_ruleset(path)
    assert rules.version.startswith("acme-") and rules.icp.employees_min == 200
    assert rules.icp.employees_max == 5000  # merged, not replaced
    call = make_call("DAF ok pr démo mardi, budget voté", company={"country": "US", "employees": 300})
    assert qualify(call, rules, NOW).status == "qualified"
    assert qualify(call, bant, NOW).reason == "out_of_icp"


def test_every_problem_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        """
extends = "bant"
colour = "blue"
[icp]
employees_min = "twenty"
[[criteria]]
name = "need"
weight = 300
met = ["need_yes", "nede_yes"]
[[decisions]]
name = "oops"
when = ["signal:opt_oot", "criterion:need=maybe", "horizon>>6"]
status = "hot"
next_step = "lunch"
[[decisions]]
status = "nurture"
[follow_ups.callback]
due = "someday"
[signals.bad]
patterns = ["(unclosed", "Décideur"]
"""
    )
    with pytest.raises(RulesError) as err:
        load_ruleset(path)
    text = "\n".join(err.value.problems)
    for fragment in [
        "colour: unknown top-level key",
        "icp.employees_min: must be a number",
        "criteria[0].weight: must be between 0 and 100",
        "criteria[0].met[1]: unknown signal 'nede_yes'",
        "decisions[0].when[0]: unknown signal 'opt_oot'",
        "decisions[0].when[1]: state must be one of",
        "decisions[0].when[2]: cannot read condition",
        "decisions[0].status: 'hot' is not in vocabulary.statuses",
        "decisions[0].next_step: 'lunch'",
        "decisions[1].reason: required when status is nurture",
        "follow_ups.callback.due: must be one of",
        "lexicon.signals.bad.patterns[0]: invalid regular expression",
        "lexicon.signals.bad.patterns[1]: write patterns in normalised form",
    ]:
        assert fragment in text, fragment
    assert len(err.value.problems) >= 13


def test_unknown_pack_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_ruleset(tmp_path / "missing.toml")
    bad = tmp_path / "x.toml"
    bad.write_text("name = ")
    with pytest.raises(RulesError, match="invalid TOML"):
        load_ruleset(bad)
