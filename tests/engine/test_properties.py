"""Property tests: the engine never raises, stays in its vocabulary, and its evidence points at the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.model import Call, Result
from connector.rules import Ruleset, qualify
from tests.engine.conftest import NOW, make_call

_PHRASES = [
    "pas de budget", "budget voté", "DAF ok", "démo mardi 14h", "rappeler dans 3 mois", "ne me rappelez plus",
    "we need this by Q1", "the board decides", "send me a proposal", "no budget",
    "call me back in six months",
    "c'est notre DG qui signe", "je vous le présente", "REP: ", "\nPROSPECT: ", "\nClient: ", "30 k€",
    "trente mille euros", "pas avant la rentrée", "after our fiscal year ends in June", "mauvais numéro",
    "Привет", "你好", "🙂", "\u00a0", "’", "(?P<x>", "{WHEN}", "\\", "\x00", "ñ", "İ", "ß",
]  # fmt: skip

texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(_PHRASES), max_size=30).map(" ".join),
    st.lists(st.one_of(st.sampled_from(_PHRASES), st.text(max_size=20)), max_size=20).map("".join),
)
outcomes = st.sampled_from(["connected", "no_answer", "busy", "voicemail", "wrong_number", "other"])
countries = st.sampled_from([None, "FR", "BE", "CH", "LU", "CA", "US", "DE", "XX", "ZZ"])


def check(result: Result, call: Call, rules: Ruleset) -> None:
    assert result.status in rules.statuses
    assert result.reason is None or result.reason in rules.reasons
    assert result.next_step in rules.next_steps
    assert (result.reason is None) == (result.status in ("qualified", "unreached"))
    assert 0 <= result.score <= 100
    assert result.ruleset == rules.version
    assert result.language in ("fr", "en")
    assert result.explanation
    for e in result.evidence:
        if e.start is not None and e.end is not None:
            source = {"notes": call.notes, "transcript": call.transcript}.get(e.source)
            if source is None:
                assert e.source.startswith("field:")
                continue
            assert 0 <= e.start <= e.end <= len(source)
            assert source[e.start : e.end] == e.snippet
    for f in result.follow_ups:
        assert f.key.startswith("qc-") and len(f.key) == 35
        assert f.due_at.tzinfo is not None
        assert f.due_at >= NOW
        assert f.due_at.weekday() < 5


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    notes=texts,
    transcript=texts,
    outcome=outcomes,
    country=countries,
    employees=st.none() | st.integers(0, 10**6),
)
def test_never_raises_on_arbitrary_text(
    bant: Ruleset, notes: str, transcript: str, outcome: str, country: str | None, employees: int | None
) -> None:
    call = make_call(notes, transcript, outcome=outcome, company={"country": country, "employees": employees},
                     prospect={"country": country})  # fmt: skip
    check(qualify(call, bant, NOW), call, bant)


@settings(max_examples=40, deadline=None)
@given(
    when=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
    ),
    notes=st.lists(st.sampled_from(_PHRASES), max_size=12).map(" ".join),
)
def test_any_call_date(bant: Ruleset, when: datetime, notes: str) -> None:
    call = make_call(notes, occurred_at=when)
    check(qualify(call, bant, NOW), call, bant)


def test_empty_call(bant: Ruleset, champ: Ruleset) -> None:
    call = Call(id="x", occurred_at=NOW - timedelta(days=1), outcome="connected")
    for rules in (bant, champ):
        check(qualify(call, rules, NOW), call, rules)


def test_one_megabyte_notes_and_transcript(bant: Ruleset) -> None:
    block = (
        "Besoin confirmé, pas de budget cette année. REP: démo mardi ?\nPROSPECT: rappelez-moi dans 3 mois. "
    )
    huge = (block * (1_000_000 // len(block) + 1))[:1_000_000]
    call = make_call(huge, huge)
    check(qualify(call, bant, NOW), call, bant)


def test_mixed_languages(bant: Ruleset) -> None:
    call = make_call(
        "DAF ok, budget voté, send me a proposal by Friday. Need is clear, on perd un temps fou."
    )
    res = qualify(call, bant, NOW)
    check(res, call, bant)
    assert res.next_step == "proposal"


def test_pure_same_inputs_same_result(bant: Ruleset) -> None:
    call = make_call("DAF ok pr démo mardi, budget voté T1")
    assert qualify(call, bant, NOW) == qualify(call, bant, NOW)


def test_language_hint_wins(bant: Ruleset) -> None:
    call = make_call("DAF ok pr démo mardi", language="en")
    res = qualify(call, bant, NOW)
    assert res.language == "en"
    assert res.explanation.startswith("Qualified")
    assert res.follow_ups[0].subject.startswith("Confirm the demo")
