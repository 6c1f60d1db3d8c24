"""Signal extraction: negation and hedging, roles, timelines, amounts, and the word-prefix index."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connector.rules import Ruleset
from connector.rules import signals as signals_module
from connector.rules.signals import find_hits, word_prefixes
from connector.rules.text import detect_language, normalize, segment_transcript
from connector.rules.timeparse import parse_number, resolve


def signals(rules: Ruleset, text: str) -> set[str]:
    return {h.signal for h in find_hits(rules.lexicon, normalize(text), "notes")}


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("pas de budget", "budget_none", "budget_ok"),
        ("le budget n'est pas un problème", "budget_ok", "budget_none"),
        ("budget pas encore validé mais prévu en janvier", "budget_pending", "budget_none"),
        ("no budget", "budget_none", "budget_ok"),
        ("budget isn't an issue", "budget_ok", "budget_none"),
        ("bdgt ok, 30 k€", "budget_ok", "budget_none"),
        ("on a trente mille euros", "budget_ok", "budget_none"),
        ("je ne suis pas décisionnaire", "auth_no", "auth_yes"),
        ("c'est moi qui décide", "auth_yes", "auth_no"),
        ("the board decides", "auth_no", "auth_yes"),
        ("DAF ok pr démo mardi", "action_demo", "action_declined"),
        ("send me a proposal", "action_proposal", "action_declined"),
        ("pas intéressé", "need_no", "need_yes"),
        ("ne pas rappeler avant juin", "timing_later", "opt_out"),
        ("ne me rappelez plus", "opt_out", "callback_request"),
    ],
)
def test_negation_and_hedging(bant: Ruleset, text: str, present: str, absent: str) -> None:
    found = signals(bant, text)
    assert present in found
    assert absent not in found


def test_missing_accents_and_case_do_not_matter(bant: Ruleset) -> None:
    assert signals(bant, "JE NE SUIS PAS DECISIONNAIRE") == signals(bant, "je ne suis pas décisionnaire")


REF = date(2026, 10, 6)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("dans six mois", date(2027, 4, 6)),
        ("in 3 months", date(2027, 1, 6)),
        ("fin t1", date(2027, 3, 31)),
        ("la rentree", date(2027, 9, 1)),
        ("after our fiscal year ends in june", date(2027, 7, 1)),
        ("septembre", date(2027, 9, 1)),
        ("mardi 14h", date(2026, 10, 13)),
        ("l'annee prochaine", date(2027, 1, 1)),
        ("le 14/01", date(2027, 1, 14)),
        ("next quarter", date(2027, 1, 1)),
        ("2026", REF),
        ("le 20 octobre", date(2026, 10, 20)),  # later this month, not next year
        ("oct 6th", REF),
        ("le 2 octobre", date(2027, 10, 2)),  # already past this month: next year
        ("mi-octobre", date(2026, 10, 15)),
        ("14 mars", date(2027, 3, 14)),
        ("le 20", date(2026, 10, 20)),  # a day of the month alone: the next such day
        ("by the 5th", date(2026, 11, 5)),
        ("le 31", date(2026, 10, 31)),
        ("13.10", date(2026, 10, 13)),  # dotted, as in Switzerland and Belgium
        ("10/22", date(2026, 10, 22)),  # month first when the day cannot be a month
        ("semaine 44", date(2026, 10, 26)),  # ISO week: its Monday
        ("s44", date(2026, 10, 26)),
        ("week 2", date(2027, 1, 11)),  # already over this year: next year's
        ("s+2", date(2026, 10, 19)),
        ("la semaine pro", date(2026, 10, 13)),
        ("fin du mois", date(2026, 10, 31)),
        ("eow", date(2026, 10, 9)),
        ("en fin de semaine", date(2026, 10, 9)),
        ("la semaine du 19", date(2026, 10, 19)),
        ("apres la toussaint", date(2026, 11, 1)),
        ("noel", date(2026, 12, 25)),
        ("apres les fetes", date(2027, 1, 2)),  # Quebec's "les Fêtes": after them is the new year
        ("after the holidays", date(2027, 1, 2)),
        ("la relache", date(2027, 3, 1)),  # Quebec's spring break
    ],
)
def test_timelines_resolve_against_the_call_date(expr: str, expected: date) -> None:
    assert resolve(expr, REF) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30 000", 30000),
        ("30k", 30000),
        ("trente mille", 30000),
        ("1.5", 1.5),
        ("abc", None),
        ("50'000", 50000),  # Swiss thousands separator
        ("septante-cinq", 75),  # Belgian and Swiss French
        ("nonante mille", 90000),
        ("huitante", 80),
        ("quatre-vingt-dix", 90),
        ("quatre-vingts", 80),
        ("soixante-quinze", 75),
        ("deux cents", 200),
    ],
)
def test_amounts(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("budget de 50'000 CHF", "50'000 chf"),
        ("CHF 40'000 de budget", "chf 40'000"),
        ("budget of £30k", "£30k"),
        ("budget: septante mille francs", "septante mille francs"),
        ("budget de 30 euro", "30 euro"),
        ("on a réservé 40 000 $ CA", "40 000 $"),
    ],
)
def test_amounts_in_budget_statements(bant: Ruleset, text: str, amount: str) -> None:
    hits = [h for h in find_hits(bant.lexicon, normalize(text), "notes") if h.signal == "budget_ok"]
    assert [h.amount for h in hits] == [amount]


def test_a_denied_amount_is_no_budget_statement(bant: Ruleset) -> None:
    norm = normalize("on n'a pas 30 000 € de budget")
    assert [h for h in find_hits(bant.lexicon, norm, "notes") if h.signal == "budget_ok"] == []


def test_normalize_preserves_offsets() -> None:
    s = "Ça coûte 30 k€ — c’est l’ŒUVRE"
    n = normalize(s)
    assert len(n) == len(s)
    assert n.startswith("ca coute 30 k€ - c'est l'o")


def test_language_detection() -> None:
    assert detect_language("Besoin confirmé, rappeler dans trois mois, pas de budget cette année") == "fr"
    assert detect_language("We need a demo next week, the CFO will join the call") == "en"
    assert detect_language("") == "fr"


def test_speaker_tags() -> None:
    t = "REP: Hello\nPROSPECT: No budget.\nCommercial: ok\nClient: oui\n[00:01:02] Julie: hm"
    segs = segment_transcript(t, owner="Tom Walsh", prospect_name="Julie Martin")
    assert [s.speaker for s in segs] == ["rep", "prospect", "rep", "prospect", "prospect"]
    assert t[segs[1].start : segs[1].end].strip() == "No budget."


def test_word_prefixes_of_simple_patterns() -> None:
    assert word_prefixes(r"(?<![a-z0-9])(?:budget|bdg) ok") == {"budg\0o", "bdg\0o"}
    demo = word_prefixes(r"(?<![a-z0-9])(?:une |the )?demo")  # the pattern may stop mid-word
    assert demo is not None and {k[:5] for k in demo} == {"demo\0"} and len(demo) == 37
    digits = word_prefixes(r"(?<![a-z0-9])\d+ ?k")  # "30k" may go on ("30kg"): any next word
    assert digits is not None and {k[:2] for k in digits} == {"#\0"} and len(digits) == 37
    assert word_prefixes(r"(?<![a-z0-9])[a-z]+ ok") is None


_WORDS = [
    'pas', 'de', 'budget', 'besoin', 'interesse', 'demo', 'mardi', '14h', 'rdv', 'jeudi', 'a',
    'vu', 'la', 'on', 'a', 'ne', 'me', 'rappelez', 'plus', 'dans', 'six', 'mois', 'call', 'me',
    'back', 'in', '3', 'months', 'the', 'board', 'decides', 'send', 'me', 'a', 'proposal', "c'est",
    'moi', 'qui', 'decide', '30', 'k€', '2027', 't1', 'fin', "d'annee", 'not', 'interested', 'we',
    'need', "i'm", 'the', 'cfo', 'ok', 'oui', 'non',
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*_WORDS, ",", ".", ":", "'", "-"]), max_size=60))
@example(["mardi", "decides"])  # a pattern that would match inside a word ("di decides")
def test_prefix_index_finds_exactly_what_a_full_scan_finds(bant: Ruleset, words: list[str]) -> None:
    """The word-prefix index is an optimisation only: same hits as trying every position."""
    norm = normalize(" ".join(words))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(signals_module, "apply_overrides", lambda lexicon, hits: hits)
        fast = {(h.signal, h.start, h.end) for h in find_hits(bant.lexicon, norm, "notes", max_hits=10_000)}
    slow: set[tuple[str, int, int]] = set()
    for sig in bant.lexicon.signals:
        if sig.scope not in ("all", "notes"):
            continue
        # positional patterns are compiled without the word-start guard (they are only tried at word
        # starts): the full scan puts it back
        full = [re.compile(r"(?<![a-z0-9])(?:" + sig.positional.pattern + ")")] if sig.positional else []
        for rx in [*full, *([sig.scanned] if sig.scanned else [])]:
            slow |= {(sig.name, m.start(), m.end()) for m in rx.finditer(norm) if m.end() > m.start()}
    assert fast == slow


def test_the_full_scan_oracle_needs_the_word_start_guard(bant: Ruleset) -> None:
    """A bare positional pattern would match inside a word ("mardi decides": "di decides"); the index
    never tries it there."""
    norm = "mardi decides"
    auth = bant.lexicon.by_name["auth_yes"]
    assert auth.positional is not None and auth.positional.search(norm, 1) is not None
    assert [h for h in find_hits(bant.lexicon, norm, "notes") if h.signal == "auth_yes"] == []


def test_every_builtin_pattern_is_indexed(bant: Ruleset) -> None:
    """No built-in pattern falls back to a full scan (that would make the engine several times slower)."""
    assert [s.name for s in bant.lexicon.signals if s.scanned is not None] == []
