"""The engine's speed-ups change no result: each fast path is checked against the plain computation.

- the trigger regex finds exactly the keyed word starts (and keys) the word index finds;
- at every keyed word, the reduced per-key regex of a signal (only the patterns that can start there)
  gives the same first match (span and named groups) as the signal's whole positional regex;
- `normalize` equals the per-character `translate` it replaces.

Texts: every note and transcript of the sample calls and of the evaluation set (no timing asserted).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from connector.rules import Ruleset
from connector.rules import text as text_module
from connector.rules.signals import keyed_positions
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


@pytest.mark.parametrize("rules_name", ["bant", "champ"])
def test_trigger_and_reduced_regexes_match_the_plain_index(
    rules_name: str, bant: Ruleset, champ: Ruleset
) -> None:
    lex = (bant if rules_name == "bant" else champ).lexicon
    checked = 0
    for raw in TEXTS:
        norm = normalize(raw)
        for source in ("notes", "transcript"):
            table = lex.dispatch[source]
            rx, by_key = lex.triggers[source]
            plain = keyed_positions(norm, table)
            fast = [(m.start(), m.groups()) for m in rx.finditer(" " + norm)]
            assert [p for p, _ in plain] == [p for p, _ in fast]
            for (pos, key), (_, groups) in zip(plain, fast, strict=True):
                assert by_key[groups] == table[key]
                for i, match in table[key]:
                    whole = lex.signals[i].positional
                    assert whole is not None
                    a, b = whole.match(norm, pos), match(norm, pos)
                    assert (a is None) == (b is None), (lex.signals[i].name, norm[pos : pos + 60])
                    if a is not None and b is not None:
                        assert a.span() == b.span()
                        assert _set_groups(a) == _set_groups(b)
                        checked += 1
    assert checked > 1000


def test_normalize_equals_translate() -> None:
    table = text_module._TABLE
    extra = "ÀÉÈÊËÎÏÔÖÙÛÜŸÇŒÆàéèêëîïôöùûüÿçœæ’‘´`–—−\u00a0\u202f€İẞ"
    for raw in [*TEXTS, extra, extra.lower(), "plain ascii `quoted`"]:
        low = raw.lower()
        if len(low) != len(raw):
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in raw)
        assert normalize(raw) == low.translate(table)
