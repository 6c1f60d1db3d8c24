"""The compiled scanner (C extension over PCRE2) gives exactly the hits of Python's `re`.

Every check compares `find_hits` / `qualify` with the scanner and without it (`scanner=None`, the
pure-Python path) on the same lexicon: the texts of the sample calls and of the evaluation set (as
inputs only; no label is read), arbitrary text from hypothesis (any code point, lone surrogates and
the control characters Python's `\\s` matches included), and small lexicons written to hit each
construct `pcre2_source` rewrites. Where PCRE2 gives up (its JIT stack), the engine falls back.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connector.model import Call
from connector.rules import Ruleset, qualify
from connector.rules import text as text_module
from connector.rules.scanner import AVAILABLE, count_words, pcre2_source
from connector.rules.signals import Hit, Lexicon, compile_lexicon, find_hits
from connector.rules.text import detect_language, normalize
from tests.engine.conftest import make_call
from tests.engine.test_speed_equivalence import TEXTS

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "tests" / "data" / "eval_set.jsonl"
needs_scanner = pytest.mark.skipif(not AVAILABLE, reason="the C extension is not built (no PCRE2)")


def _pure(lex: Lexicon) -> Lexicon:
    return replace(lex, scanner=None, on_demand_tables={})


def test_the_extension_is_built_where_it_is_required(bant: Ruleset) -> None:
    """CI sets QUALICALL_REQUIRE_SCANNER so that a missing PCRE2 cannot pass unseen (the tests of the
    fast path would all be skipped)."""
    if not os.environ.get("QUALICALL_REQUIRE_SCANNER") and not AVAILABLE:
        pytest.skip("the C extension is not built here, and not required")
    assert AVAILABLE
    assert bant.lexicon.scanner is not None, "a built-in pattern was refused by pcre2_source or PCRE2"
    assert set(bant.lexicon.scanner.tables) == {"notes", "transcript"}


@pytest.mark.parametrize(
    ("python", "pcre2"),
    [
        (r"a\sb", r"a[\s\x{1c}-\x{1f}\x{85}]b"),
        (r"[\s,]", r"[\s\x{1c}-\x{1f}\x{85},]"),
        (r"a\Sb", r"a[^\s\x{1c}-\x{1f}\x{85}]b"),
        (r"end\Z", r"end\z"),
        (r"x{,3}", r"x{0,3}"),
        (r"x{,}", r"x{0,}"),
        (r"x{,y}", r"x{,y}"),  # a literal in both
        (r"[]{,3}]", r"[]{,3}]"),  # a leading "]" is a member: the set goes on
        (r"\[\s\]", r"\[[\s\x{1c}-\x{1f}\x{85}]\]"),
        (r"\\s", r"\\s"),  # an escaped backslash, then "s"
        (r"(?P<p0_when>demain)\b\d\w", r"(?P<p0_when>demain)\b\d\w"),
    ],
)
def test_pcre2_source_rewrites(python: str, pcre2: str) -> None:
    assert pcre2_source(python) == pcre2


@pytest.mark.parametrize(
    "python", [r"\u00e9", r"\U0001F600", r"\N{EURO SIGN}", r"[[:alpha:]]", r"[\S,]", r"[[.a.]]"]
)
def test_pcre2_source_refuses_what_the_engines_read_differently(python: str) -> None:
    assert pcre2_source(python) is None


def test_a_lexicon_pcre2_cannot_take_stays_on_python_re() -> None:
    problems: list[str] = []
    lex = compile_lexicon({"signals": {"s": {"patterns": [r"caf\u00e9 ok", "budget ok"]}}}, "t", problems)
    assert problems == [] and lex.scanner is None
    assert [h.signal for h in find_hits(lex, "café ok, budget ok", "notes")] == ["s", "s"]


_REWRITTEN = {
    "signals": {
        "space": {"patterns": [r"x\sy", r"xx[\s,]y"]},
        "not_space": {"patterns": [r"z\Sz"]},
        "end": {"patterns": [r"fin\Z", r"stop$"]},
        "upto": {"patterns": [r"q{,2}r"]},
        "word": {"patterns": [r"w\w+\b", r"d\d+"]},
        "dot": {"patterns": [r"p.p"]},
    }
}


@functools.cache
def _rewritten() -> Lexicon:
    problems: list[str] = []
    lex = compile_lexicon(_REWRITTEN, "t", problems)
    assert problems == [] and lex.scanner is not None
    return lex


@needs_scanner
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["x", "xx", "y", "z", "fin", "stop", "q", "qq", "r", "w", "d", "p", " ", ",", "\n"])
        | st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
        max_size=30,
    )
)
@example(["x", "\x1c", "y"])
@example(["x", "\x85", "y"])
@example(["z", "\x1f", "z"])
@example(["fin", "\n"])
@example(["stop", "\n"])
@example(["p", "\n", "p"])
@example(["q", "q", "r"])
@example(["w", "\u0301"])
@example(["d", "\U0001d7d8"])
def test_rewritten_constructs_match_as_in_python(parts: list[str]) -> None:
    """Each construct `pcre2_source` rewrites, and the Unicode classes it keeps, on any code point."""
    lex = _rewritten()
    text = "".join(parts)
    assert find_hits(lex, text, "notes") == find_hits(_pure(lex), text, "notes")


@needs_scanner
def test_where_pcre2_gives_up_python_re_takes_over() -> None:
    """A match deeper than PCRE2's JIT stack: the scanner reports it cannot tell, and `find_hits`
    uses Python's `re` for that text (same hits, none lost)."""
    problems: list[str] = []
    lex = compile_lexicon({"signals": {"long": {"patterns": ["ab(?:a|b)*c"]}}}, "t", problems)
    assert problems == [] and lex.scanner is not None
    text = "ab" * 1_000_000 + "c"
    assert lex.scanner.find(text, lex.scanner.tables["notes"], 64, "notes") is None
    assert [(h.signal, h.start, h.end) for h in find_hits(lex, text, "notes")] == [("long", 0, len(text))]


@needs_scanner
@pytest.mark.parametrize("pack", ["bant", "champ"])
def test_same_hits_on_every_sample_and_evaluation_text(pack: str, request: pytest.FixtureRequest) -> None:
    rules: Ruleset = request.getfixturevalue(pack)
    lex, pure = rules.lexicon, _pure(rules.lexicon)
    fields = {crit.met + crit.not_met for crit in rules.criteria if crit.fields}
    assert fields, "the packs read job titles through signals asked for by name"
    checked = 0
    for text in TEXTS:
        norm = normalize(text)
        for source in ("notes", "transcript"):
            fast = find_hits(lex, norm, source)
            assert fast == find_hits(pure, norm, source), text[:80]
            assert all(type(h) is Hit for h in fast)
            checked += len(fast)
        for only in fields:
            head = norm[:200]
            assert find_hits(lex, head, "field:x", only=only) == find_hits(pure, head, "field:x", only=only)
        one = find_hits(lex, norm[:60], "transcript", only=("answer_yes", "answer_no"), max_hits=1)
        assert one == find_hits(pure, norm[:60], "transcript", only=("answer_yes", "answer_no"), max_hits=1)
    assert checked > 2000  # the texts do exercise the lexicon


def _calls() -> list[Call]:
    out: list[Call] = []
    for path, nested in ((ROOT / "connector" / "data" / "sample_calls.jsonl", False), (EVAL_SET, True)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out.append(Call.model_validate(d["call"] if nested else d))
    return out


@needs_scanner
@pytest.mark.parametrize("pack", ["bant", "champ"])
def test_same_results_on_every_sample_and_evaluation_call(pack: str, request: pytest.FixtureRequest) -> None:
    rules: Ruleset = request.getfixturevalue(pack)
    pure = replace(rules, lexicon=_pure(rules.lexicon))
    calls = _calls()
    assert len(calls) > 350
    for call in calls:
        assert qualify(call, rules, call.occurred_at) == qualify(call, pure, call.occurred_at), call.id


_LEXICON_WORDS = [
    "pas", "de", "budget", "besoin", "demo", "mardi", "14h", "rdv", "rappelez", "dans", "six", "mois",
    "call", "me", "back", "in", "3", "months", "the", "board", "decides", "send", "proposal", "c'est",
    "moi", "qui", "decide", "30", "k€", "t1", "fin", "not", "interested", "cfo", "daf", "ok", "non",
    "prospect:", "rep:", "\n", ".", ",", "?", "'", "-", "  ",
]  # fmt: skip


@needs_scanner
@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_LEXICON_WORDS) | st.text(max_size=3), max_size=80))
def test_same_hits_and_results_on_arbitrary_text(bant: Ruleset, parts: list[str]) -> None:
    """Lexicon words mixed with any characters (surrogates, controls, other scripts), raw and
    normalised, and the whole qualification of a call carrying them."""
    text = " ".join(parts)
    pure = _pure(bant.lexicon)
    for norm in (text, normalize(text)):
        for source in ("notes", "transcript"):
            assert find_hits(bant.lexicon, norm, source) == find_hits(pure, norm, source)
    call = make_call(notes=text, transcript="REP: " + text + "\nPROSPECT: " + text)
    assert qualify(call, bant, call.occurred_at) == qualify(
        call, replace(bant, lexicon=pure), call.occurred_at
    )


_WORD_SETS = [
    (text_module._FR_WORDS, text_module._EN_WORDS),  # the engine's (held in the extension's table)
    (frozenset({"le", "c'est", "a"}), frozenset({"the", "a", "it's"})),  # another pair: the table is rebuilt
    (frozenset({"le", "x" * 40}), frozenset({"the"})),  # a word too long for the table: left to Python
]


@needs_scanner
@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("abcdelsnoutyhwx' .,\n-é€0") | st.characters(), max_size=120),
    st.sampled_from(_WORD_SETS),
)
@example("c'est le budget, the need is there", _WORD_SETS[0])
@example("le " + "x" * 40 + " the", _WORD_SETS[2])
def test_language_counts_match_the_regex_tokens(text: str, sets: tuple[frozenset[str], ...]) -> None:
    """The compiled word counts equal the distinct [a-z']+ tokens found in each set; sets its table
    cannot hold (a 40-character word) get None, and the caller counts in Python."""
    words = re.findall(r"[a-z']+", text)
    counts = (len(sets[0].intersection(words)), len(sets[1].intersection(words)))
    assert count_words is not None
    fits = max(map(len, sets[0] | sets[1])) <= 32
    assert count_words(text, sets[0], sets[1], max(map(len, sets[0] | sets[1]))) == (counts if fits else None)
    fast = detect_language(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(text_module, "count_words", None)
        assert detect_language(text) == fast


@needs_scanner
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aÉé’`–\u00a0€œİẞ\U0001f600\ud800") | st.characters(), max_size=80))
@example("ÀÉÈÊËÎÏÔÖÙÛÜŸÇŒÆàéèêëîïôöùûüÿçœæ’‘´`–—−\u00a0\u202f€İẞ")
def test_folding_matches_translate(text: str) -> None:
    """`normalize` with the compiled `fold`, without it, and the per-character `translate` agree."""
    fast = normalize(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(text_module, "fold", None)
        assert normalize(text) == fast
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    assert fast == low.translate(text_module._TABLE) and len(fast) == len(text)
