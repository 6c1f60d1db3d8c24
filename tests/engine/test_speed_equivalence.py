"""The engine's speed-ups change no result: each fast path is checked against the plain computation.

- the trigger regex finds exactly the keyed word starts (and keys) the word index finds;
- at every keyed word, the reduced per-key regex of a signal (only the patterns that can start there)
  gives the same first match (span and named groups) as the signal's whole positional regex;
- the triggers built on demand for `find_hits(only=...)` give the hits of the plain index;
- `normalize` equals the per-character `translate` it replaces.

These are the Python paths; tests/engine/test_scanner.py checks the compiled scanner against them.

Texts: every note and transcript of the sample calls and of the evaluation set (no timing asserted).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from connector.rules import Ruleset
from connector.rules import text as text_module
from connector.rules.signals import (
    ON_DEMAND_MAX,
    Dispatch,
    Lexicon,
    Trigger,
    _dispatch,
    find_hits,
    keyed_positions,
)
from connector.rules.text import normalize

ROOT = Path(__file__).resolve().parents[2]


def _texts() -> list[str]:
    out: list[str] = []
    for path, nested in (
        (ROOT / "connector" / "data" / "sample_calls.jsonl", False),
        (ROOT / "tests" / "data" / "eval_set.jsonl", True),
    ):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                call = d["call"] if nested else d
                out += [t for t in (call.get("notes"), call.get("transcript")) if t]
    return out


TEXTS = _texts()


def _set_groups(m: re.Match[str]) -> list[tuple[str, str]]:
    """The named groups that took part in the match, in order (the others are None)."""
    return [(k, v) for k, v in m.groupdict().items() if v is not None]


def _check_trigger(lex: Lexicon, table: Dispatch, trigger: Trigger, norm: str) -> int:
    """Assert the trigger finds the word starts and rows of the plain index of `table`, and that every
    reduced per-key regex gives the whole positional regex's first match; return the matches checked."""
    checked = 0
    rx, by_key = trigger
    plain = keyed_positions(norm, table)
    fast = [(m.start(), m.groups()) for m in rx.finditer(" " + norm)]
    assert [p for p, _ in plain] == [p for p, _ in fast]
    for (pos, key), (_, groups) in zip(plain, fast, strict=True):
        assert [i for i, _ in by_key[groups]] == [i for i, _ in table[key]]
        for i, match in by_key[groups]:
            whole = lex.signals[i].positional
            assert whole is not None
            a, b = whole.match(norm, pos), match(norm, pos)
            assert (a is None) == (b is None), (lex.signals[i].name, norm[pos : pos + 60])
            if a is not None and b is not None:
                assert a.span() == b.span()
                assert _set_groups(a) == _set_groups(b)
                checked += 1
    return checked


@pytest.mark.parametrize("rules_name", ["bant", "champ"])
def test_trigger_and_reduced_regexes_match_the_plain_index(
    rules_name: str, bant: Ruleset, champ: Ruleset
) -> None:
    lex = (bant if rules_name == "bant" else champ).lexicon
    checked = 0
    for raw in TEXTS:
        norm = normalize(raw)
        for source in ("notes", "transcript"):
            checked += _check_trigger(lex, lex.dispatch[source], lex.triggers[source], norm)
    assert checked > 1000


@pytest.mark.parametrize("rules_name", ["bant", "champ"])
def test_on_demand_triggers_give_the_hits_of_the_plain_index(
    rules_name: str, bant: Ruleset, champ: Ruleset
) -> None:
    rules = bant if rules_name == "bant" else champ
    lex = replace(rules.lexicon, scanner=None, on_demand={})  # the Python path (see test_scanner.py)
    onlys = [c.met + c.not_met for c in rules.criteria if c.fields]
    onlys += [("accept",), ("answer_yes", "answer_no"), tuple(lex.names)]
    # a lexicon whose memo is full indexes each text itself (the plain path)
    full = {frozenset({f"x{k}"}): lex.triggers["notes"] for k in range(ON_DEMAND_MAX)}
    plain_lex = replace(lex, on_demand=full)
    tables = {only: _dispatch(lex, [name in only for name in lex.names]) for only in onlys}
    hits = 0
    for raw in TEXTS:
        norm = normalize(raw)
        for only in onlys:
            for source, max_hits in (("transcript", 1), ("field:prospect.title", 64)):
                got = find_hits(lex, norm, source, only=only, max_hits=max_hits)
                assert got == find_hits(plain_lex, norm, source, only=only, max_hits=max_hits)
                hits += len(got)
            _check_trigger(lex, tables[only], lex.on_demand[frozenset(only)], norm)
    assert hits > 100
    assert len(plain_lex.on_demand) == ON_DEMAND_MAX and len(lex.on_demand) >= len(set(onlys))


def test_normalize_equals_translate() -> None:
    table = text_module._TABLE
    extra = "ÀÉÈÊËÎÏÔÖÙÛÜŸÇŒÆàéèêëîïôöùûüÿçœæ’‘´`–—−\u00a0\u202f€İẞ"
    for raw in [*TEXTS, extra, extra.lower(), "plain ascii `quoted`"]:
        low = raw.lower()
        if len(low) != len(raw):
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in raw)
        assert normalize(raw) == low.translate(table)
