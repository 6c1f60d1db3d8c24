"""Variant settings and the deterministic assignment of calls to A/B variants."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from connector.model import Call, Company, Prospect
from connector.variants import VariantSettings, assign_variant, bucket

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def make(call_id: str, prospect: str | None = None, company: str | None = None) -> Call:
    return Call(
        id=call_id,
        occurred_at=AT,
        outcome="connected",
        prospect=Prospect(id=prospect) if prospect else None,
        company=Company(id=company) if company else None,
    )


def settings(**over: object) -> VariantSettings:
    raw: dict[str, object] = {"variants": {"A": {}, "B": {"rules": "champ"}}}
    raw.update(over)
    return VariantSettings.model_validate(raw)


def test_bucket_is_sha256_based() -> None:
    expected = int.from_bytes(hashlib.sha256(b"k").digest()[:8], "big") / 2.0**64
    assert bucket("k") == expected


def test_assignment_is_stable_across_processes() -> None:
    s = settings()
    here = [assign_variant(make(f"c{i}"), s) for i in range(50)]
    code = (
        "from datetime import UTC, datetime\n"
        "from connector.model import Call\n"
        "from connector.variants import VariantSettings, assign_variant\n"
        "s = VariantSettings.model_validate({'variants': {'A': {}, 'B': {'rules': 'champ'}}})\n"
        "print(','.join(assign_variant(Call(id=f'c{i}', occurred_at=datetime(2026, 11, 2, tzinfo=UTC),"
        " outcome='connected'), s) for i in range(50)))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
    )
    assert other.stdout.strip().split(",") == here
    assert set(here) == {"A", "B"}


def test_split_weights_are_respected() -> None:
    s = settings(split={"A": 80, "B": 20})
    counts = Counter(assign_variant(make(f"call-{i}"), s) for i in range(20_000))
    assert counts["A"] / 20_000 == pytest.approx(0.8, abs=0.015)
    only_b = settings(split={"A": 0, "B": 1})
    assert {assign_variant(make(f"x{i}"), only_b) for i in range(200)} == {"B"}


def test_prospect_unit_keeps_a_lead_in_one_variant() -> None:
    s = settings(unit="prospect")
    for p in range(40):
        assert len({assign_variant(make(f"c{p}-{i}", prospect=f"p{p}"), s) for i in range(5)}) == 1
    # without a prospect id, the company, then the call decides
    assert assign_variant(make("z1", company="co1"), s) == assign_variant(make("z2", company="co1"), s)


def test_experiment_salt_reshuffles() -> None:
    a = [assign_variant(make(f"c{i}"), settings()) for i in range(200)]
    b = [assign_variant(make(f"c{i}"), settings(experiment="round-2")) for i in range(200)]
    assert a != b


def test_defaults_and_rulesets() -> None:
    s = settings(
        variants={"A": {}, "B": {"rules": "champ"}, "C": {"overrides": {"icp": {"employees_min": 50}}}}
    )
    assert s.control == "A" and s.mode == "split" and s.unit == "call"
    assert s.rulesets() == {"B": "champ"}
    assert s.weights() == [("A", 1.0), ("B", 1.0), ("C", 1.0)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"variants": {"A": {}}}, "at least two variants"),
        ({"variants": {"A": {}, "B": {}}, "split": {"Z": 1}}, "unknown variant(s) Z"),
        ({"variants": {"A": {}, "B": {}}, "split": {"A": -1}}, "finite and >= 0"),
        ({"variants": {"A": {}, "B": {}}, "split": {"A": 0, "B": 0}}, "at least one weight"),
        ({"variants": {"A": {}, "B": {}}, "control": "C"}, "not a declared variant"),
        ({"variants": {"A": {}, "B": {}}, "mode": "both"}, "mode"),
        ({"variants": {"A": {"rule": "x"}, "B": {}}}, "rule"),
    ],
)
def test_invalid_settings(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match="(?s)" + message.replace("(", r"\(").replace(")", r"\)")):
        VariantSettings.model_validate(raw)


def test_filter_overrides_make_a_distinct_ruleset() -> None:
    s = settings(variants={"A": {}, "B": {"overrides": {"icp": {"employees_min": 77}}}})
    rulesets = s.load_rulesets("bant")
    assert rulesets["B"].icp.employees_min == 77
    assert rulesets["A"].icp.employees_min != 77
    assert rulesets["A"].version != rulesets["B"].version
