"""Signal lexicons: compile TOML pattern lists and find their hits in a text, with offsets.

A *signal* is a named list of regular expressions over normalised text (see `text.normalize`). The
lexicon TOML has `[macros]` (`{NAME}` expansions) and `[signals.<name>]` tables with `patterns`,
optional `overrides` (signals whose overlapping hits this one cancels) and `doc`.

Speed: each pattern is analysed once (at load) for the literal word prefixes any match must start
with; at run time a text is indexed by word prefix and a signal's regex is only tried at the word
starts carrying one of its prefixes. Patterns whose start cannot be analysed are scanned in full.
Cost is therefore linear in the text length. `find_hits` is pure and never raises (its one piece of
state, the memo of the triggers of `only` sets on the lexicon, changes no result).

That word-start loop runs in C when the optional extension is built (`scanner.py`: the same rows and
patterns, compiled by PCRE2 with its JIT, tried signal after signal so that each signal's code stays
in the caches; same hits in the same order, falling back to the Python loop below for a text PCRE2
gives up on). With it (and text.py's folding and word counts in C), callgrind counts 1.38 M
instructions per `qualify` of a 1 KB note, against 3.73 M with Python's `re`. The notes below measure
the Python loop.

Measured and rejected: merging the signals of a key's row into ONE regex (each signal in an optional
lookahead with a capturing group, one `match` per word instead of ~3). Results were identical and the
regex calls per 1 KB note fell from ~300 to ~95, but warm calls on notes got ~5-9% slower
(transcripts: even): each distinct row compiles its own copy of its signals' code (~13 MB for the rows
a 1 KB note uses, vs ~3 MB for the shared per-signal regexes), and a row's first use costs ms of
compiling. Most of the time at a word is the regex work itself, not the Python loop around it.

Where the time goes (1 KB bench note, warm, 2026-11, ~750 µs per `qualify`): find_hits on the note
~360-400 µs = the trigger scan ~75, the Python loop ~30, hits and overrides ~60, regex tries
~250 (~245 tries, ~21 succeed; a try costs ~160 ns of call overhead even when it fails at once, and
up to 1.5 µs when it reaches {WHEN}: replacing {WHEN} by `(?!)` cuts find_hits by 15-25%).

Also measured and rejected (results byte-identical each time; timed by in-process A/B, interleaved):
- keying the next word by up to 3 characters (`_next_prefixes`-style walk over the sre tree, rows
  per (key part, next-word prefix), longest told-apart prefix as fallback): tries per 1 KB note fell
  244 → 179 and the pure regex time by ~20-25%, but find_hits was not faster: +6% (3 characters)
  and +5% (2) with the fallback lookups (~60% of keyed words miss the exact row), -2% and 0% with
  rows memoised per (key part, next word): the dropped tries are the cheap ones (failing at the
  second word) and the tables grow 3x (63k + 30k rows); loading a ruleset took 6.5 s, not 2.6 s.
- compiling each reduced part subset into one alternation instead of trying its parts in turn:
  callgrind counts -4.3% instructions per 1 KB-note `qualify`, but +10.7 G instructions to load a
  ruleset (~+80%; CLI runs and the tests load rulesets often).
- reading the trigger with `findall` (tuples, no match objects; offsets summed from the skipped text):
  +1%, noise.
- PCRE2 instead of `re` (packages pcre2 0.7.1, pypcre 0.6.4): the same ~360 tries of a 1 KB note took
  1.5-1.8 ms against 0.56 ms (per-call overhead of the bindings); whole-text scans per signal ~1.1 ms.
- compiling the engine modules with mypyc: -10-17% per call, but a C build step whose `.so` files
  shadow the sources in an editable install (an edit silently runs stale code).
- a lookahead "guard" before {WHEN} (or before every group of ≥ 100-1000 characters) listing the
  first 3 characters any match can start with (zero-width and implied, so no match changes):
  a failing {WHEN} attempt fell 1.5 → 1.0 µs, but find_hits moved by -4% to +7% (noise ±5%):
  {WHEN} starts with optional prepositions ("de", "la", "en", "the"...) that pass any such guard.
"""

from __future__ import annotations

import re
import re._constants as _sc  # type: ignore[import-not-found,unused-ignore]
import re._parser as _sp  # type: ignore[import-not-found,unused-ignore]
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, NamedTuple

from connector.rules.scanner import CompiledScanner, ScanRow, compile_scanner

PREFIX_LEN = 4
SCOPES = ("all", "fields", "notes", "transcript", "on_demand")
DIGIT_KEY = "#"
"""Index key of every word starting with a digit (patterns starting with a digit use it)."""
_WORD = re.compile(r"[a-z0-9]+")
_NEXT_ANY = frozenset("abcdefghijklmnopqrstuvwxyz0123456789") | {""}
_MACRO = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_CAPTURING_MACROS = ("WHEN", "AMOUNT")
_WORDCH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@dataclass(frozen=True, slots=True)
class Signal:
    """One compiled signal. `prefixes` is None when the signal must be scanned in full."""

    name: str
    positional: re.Pattern[str] | None
    prefixes: frozenset[str]
    scanned: re.Pattern[str] | None
    overrides: frozenset[str] = frozenset()
    scope: str = "all"
    parts: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...] = ()
    """The positional patterns (compiled, in order) with every key a match of each can start at
    (None: unbounded); at a word, only the patterns that can start there are tried (same first match)."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All compiled signals, in declaration order."""

    signals: tuple[Signal, ...]
    by_name: Mapping[str, Signal] = field(default_factory=dict)
    when_after: re.Pattern[str] | None = None
    """Matches a {WHEN} time expression right after an action hit (e.g. "demo ... mardi 14h")."""
    when_any: re.Pattern[str] | None = None
    """Finds a {WHEN} time expression anywhere (used on one short transcript turn)."""
    by_prefix: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Word prefix → indices (in `signals`) of the signals whose positional patterns start with it."""
    questions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Rep question signal → (signal a "yes" answer means, signal a "no" answer means)."""
    dispatch: Mapping[str, Dispatch] = field(default_factory=dict)
    """Per source ("notes", "transcript"): word key → the signals to try there (precomputed)."""
    triggers: Mapping[str, Trigger] = field(default_factory=dict)
    """Per source: the regex finding the keyed word starts, and (key part, next char) → the row."""
    group_kinds: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    """Regex source → `group_kinds` of it, for every signal regex (computed once)."""
    overriding: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Name of each signal that overrides others → the names it overrides."""
    names: tuple[str, ...] = ()
    """`signals[i].name` for every i."""
    index: Mapping[str, int] = field(default_factory=dict)
    """Signal name → its index in `signals`."""
    scanned: tuple[int, ...] = ()
    """Indices of the signals with patterns scanned in full (`Signal.scanned`)."""
    scanner: CompiledScanner | None = field(default=None, compare=False, repr=False)
    """The compiled scanner of the positional patterns (see connector/rules/scanner.py), or None."""
    on_demand: dict[frozenset[str], Trigger] = field(default_factory=dict, compare=False, repr=False)
    """Signal names asked for together (`find_hits(only=...)`) → their trigger, built on first use
    (at most ON_DEMAND_MAX sets are kept)."""
    on_demand_tables: dict[frozenset[str], int] = field(default_factory=dict, compare=False, repr=False)
    """Likewise, the compiled scanner's table of each `only` set."""


class Hit(NamedTuple):
    """One match of a signal in a source: offsets into that source, the normalised matched text,
    and the time expression / amount / number it captured (normalised text, unresolved).

    An immutable named tuple: a text yields many hits, and a tuple is built several times faster
    than a frozen dataclass."""

    signal: str
    source: str
    start: int
    end: int
    when: str | None = None
    amount: str | None = None
    number: str | None = None
    kind: str | None = None


def expand_macros(pattern: str, macros: Mapping[str, str], path: str, problems: list[str]) -> str:
    """Expand `{NAME}` macros (recursively, depth ≤ 5); the first {WHEN}/{AMOUNT} becomes a named group."""
    used: set[str] = set()

    def sub(text: str, depth: int) -> str:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in macros:
                problems.append(f"{path}: unknown macro {{{name}}}")
                return ""
            body = sub(macros[name], depth + 1) if depth < 5 else macros[name]
            if depth == 0 and name in _CAPTURING_MACROS and name not in used:
                used.add(name)
                return f"(?P<{name.lower()}>{body})"
            return f"(?:{body})"

        return _MACRO.sub(repl, text)

    return sub(pattern, 0)


def _close(cur: str, rest: list[Any], out: set[str], budget: list[int]) -> bool:
    """Record the key of a word that ends after `cur`: short words (< PREFIX_LEN chars) are keyed with
    the first character of the following word (every possibility when it cannot be known)."""
    nxt = _next_chars(rest, budget)
    for ch in nxt if nxt is not None else _NEXT_ANY:
        out.add(cur + "\0" + ch)
    return True


def _word_only(items: list[Any]) -> bool:
    """True when `items` can only match [a-z0-9] characters (e.g. \\d, [a-z], literal letters)."""
    for op, av in items:
        if op is _sc.LITERAL:
            if chr(av) not in _WORDCH:
                return False
        elif op is _sc.IN:
            chars = _small_set(av)
            if chars is None:
                if not all(o is _sc.CATEGORY and a is _sc.CATEGORY_DIGIT for o, a in av):
                    return False
            elif not chars <= _WORDCH:
                return False
        else:
            return False
    return bool(items)


def _after_word(items: list[Any], budget: list[int]) -> set[str] | None:
    """From inside a word: the first character of the next word once this one ends ("" = the text
    may end there); None when unknown (the pattern stops mid-word, or a class may go on)."""
    budget[0] -= 1
    if budget[0] < 0 or not items:
        return None
    op, av = items[0]
    rest = items[1:]
    if op is _sc.LITERAL:
        return _after_word(rest, budget) if chr(av) in _WORDCH else _next_chars(items, budget)
    if op is _sc.IN:
        return _next_chars(items, budget) if _non_word_set(av) else None
    if op is _sc.AT:
        return _next_chars(rest, budget)
    if op in (_sc.ASSERT, _sc.ASSERT_NOT):
        return _after_word(rest, budget)
    if op is _sc.SUBPATTERN:
        return _after_word(list(av[-1]) + rest, budget)
    if op is _sc.BRANCH:
        return _union(_after_word, (list(alt) + rest for alt in av[1]), budget)
    if op in (_sc.MAX_REPEAT, _sc.MIN_REPEAT, getattr(_sc, "POSSESSIVE_REPEAT", None)):
        lo, hi, body = av
        if _word_only(list(body)):
            return _after_word(rest, budget)  # the word goes on for a while, then `rest`
        if hi is _sc.MAXREPEAT or hi > 3:
            return None
        return _union(_after_word, (list(body) * n + rest for n in range(lo, hi + 1)), budget)
    return None


def _next_chars(items: list[Any], budget: list[int]) -> set[str] | None:
    """First [a-z0-9] character the rest of a pattern can start its next word with, after separators
    ("" = the text may end); None when unknown."""
    budget[0] -= 1
    if budget[0] < 0 or not items:
        return None
    op, av = items[0]
    rest = items[1:]
    if op is _sc.LITERAL:
        ch = chr(av)
        return {ch} if ch in _WORDCH else _next_chars(rest, budget)
    if op is _sc.IN:
        return _next_chars(rest, budget) if _non_word_set(av) else None
    if op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
        return _next_chars(rest, budget)
    if op is _sc.SUBPATTERN:
        return _next_chars(list(av[-1]) + rest, budget)
    if op is _sc.BRANCH:
        return _union(_next_chars, (list(alt) + rest for alt in av[1]), budget)
    if op in (_sc.MAX_REPEAT, _sc.MIN_REPEAT, getattr(_sc, "POSSESSIVE_REPEAT", None)):
        lo, _hi, body = av
        paths = [list(body) + rest, rest] if lo == 0 else [list(body) + rest]  # body once, or skipped
        return _union(_next_chars, paths, budget)
    return None


Walk = Callable[[list[Any], list[int]], "set[str] | None"]


def _union(walk: Walk, alternatives: Iterable[list[Any]], budget: list[int]) -> set[str] | None:
    """The union of `walk` over `alternatives` (tried in order); None as soon as one is unknown."""
    acc: set[str] = set()
    for items in alternatives:
        got = walk(items, budget)
        if got is None:
            return None
        acc |= got
    return acc


_PLAIN_GROUP = re.compile(r"\(\?:((?:[a-z0-9 '\-]|\\[-.+ ])+(?:\|(?:[a-z0-9 '\-]|\\[-.+ ])+)+)\)")


def trie_regex(words: Sequence[str]) -> str:
    """A regex matching exactly `words`, factored as a trie ("(?:d(?:af|g)|pdg)") so the engine tests
    one character per level instead of every alternative in turn."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        keys = sorted(k for k in node if k)
        if not keys:
            return ""
        alts = [re.escape(k) + build(node[k]) for k in keys]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + build(trie) + ")"


def factor_alternations(regex: str) -> str:
    """Rewrite every innermost group of plain literal alternatives as a trie (same language; among
    several matches at one position the longest alternative is now tried first)."""

    def repl(m: re.Match[str]) -> str:
        return trie_regex([w.replace("\\", "") for w in m.group(1).split("|")])

    return _PLAIN_GROUP.sub(repl, regex)


def _starts(items: list[Any], cur: str, out: set[str], budget: list[int], full: bool = False) -> bool:
    """Collect the literal word prefixes a match of `items` must start with; False if unknowable.

    `full`: every key a match can start at (a leading optional part is not skipped)."""
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if len(cur) >= PREFIX_LEN:
        nxt = _after_word(items, budget)
        for ch in nxt if nxt is not None else _NEXT_ANY:
            out.add(cur + "\0" + ch)
        return True
    if not items:
        if not cur:
            return False
        return _close(cur, [], out, budget)  # the word ends here
    op, av = items[0]
    rest = items[1:]
    if op is _sc.LITERAL:
        ch = chr(av)
        if not cur and ch.isdigit():
            return _digit_keys(rest, out, budget)
        if ch in _WORDCH:
            return _starts(rest, cur + ch, out, budget, full)
        if not cur:
            return False
        return _close(cur, items, out, budget)
    if op is _sc.SUBPATTERN:
        return _starts(list(av[-1]) + rest, cur, out, budget, full)
    if op is _sc.BRANCH:
        return all(_starts(list(alt) + rest, cur, out, budget, full) for alt in av[1])
    if op in (_sc.MAX_REPEAT, _sc.MIN_REPEAT, getattr(_sc, "POSSESSIVE_REPEAT", None)):
        lo, hi, body = av
        if not full and not cur and lo == 0 and rest and _ends_with_separator(list(body)):
            # a leading optional part ending in a separator ("(?:une |the )?demo"): any match that
            # includes it also has a match starting after it, at a word start, so index only that.
            return _starts(rest, cur, out, budget, full)
        ok = True
        if lo == 0 and not _starts(rest, cur, out, budget, full):
            ok = False
        again = [(op, (max(lo - 1, 0), hi, body))] if hi != 1 else []
        return _starts(list(body) + again + rest, cur, out, budget, full) and ok
    if op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
        return _starts(rest, cur, out, budget, full)
    if op is _sc.IN:
        if not cur and all(o is _sc.CATEGORY and a is _sc.CATEGORY_DIGIT for o, a in av):
            return _digit_keys(rest, out, budget)
        if cur and _non_word_set(av):
            return _close(cur, items, out, budget)
        chars = _small_set(av)
        if cur and chars is not None:
            return all(_starts([(_sc.LITERAL, ord(c)), *rest], cur, out, budget, full) for c in sorted(chars))
    return False  # a class, any-char, backreference...: the start is open


def _digit_keys(rest: list[Any], out: set[str], budget: list[int]) -> bool:
    """Keys of a match starting with a digit: DIGIT_KEY, NUL, first letter of the next word."""
    nxt = _after_word(rest, budget)
    for ch in nxt if nxt is not None else _NEXT_ANY:
        out.add(DIGIT_KEY + "\0" + ch)
    return True


def _small_set(av: Any) -> set[str] | None:
    """The characters of a small character set (≤ 12, e.g. [st] or \\d), else None."""
    chars: set[str] = set()
    for o, a in av:
        if o is _sc.LITERAL:
            chars.add(chr(a))
        elif o is _sc.RANGE:
            chars |= {chr(c) for c in range(a[0], a[1] + 1)}
        elif o is _sc.CATEGORY and a is _sc.CATEGORY_DIGIT:
            chars |= set("0123456789")
        else:
            return None
    return chars if 0 < len(chars) <= 12 else None


def _ends_with_separator(items: list[Any]) -> bool:
    """True when every way through `items` ends with a literal character outside [a-z0-9]."""
    if not items:
        return False
    op, av = items[-1]
    if op is _sc.LITERAL:
        return chr(av) not in _WORDCH
    if op is _sc.SUBPATTERN:
        return _ends_with_separator(list(av[-1]))
    if op is _sc.BRANCH:
        return all(_ends_with_separator(list(alt)) for alt in av[1])
    return False


def _non_word_set(av: Any) -> bool:
    """True when a character set can only match characters outside [a-z0-9]."""
    for o, a in av:
        if o is _sc.LITERAL:
            if chr(a) in _WORDCH:
                return False
        elif o is _sc.CATEGORY:
            if a is not _sc.CATEGORY_SPACE:
                return False
        else:
            return False
    return True


def _prefix_sets(regex: str) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """`word_prefixes(regex)` and `word_prefixes(regex, full=True)`, parsing the regex once."""
    try:
        parsed = list(_sp.parse(regex))
    except Exception:
        return None, None
    return _keys_of(parsed, False), _keys_of(parsed, True)


def _keys_of(parsed: list[Any], full: bool) -> frozenset[str] | None:
    out: set[str] = set()
    if not _starts(parsed, "", out, [50000], full) or len(out) > 20000:
        return None
    return frozenset(out)


def word_prefixes(regex: str, full: bool = False) -> frozenset[str] | None:
    """The set of index keys any match of `regex` starts at, or None when the start cannot be bounded.

    Keys: the first PREFIX_LEN characters of a word; for shorter words, the word, NUL and the first
    character of the next word ("a\0v" for "a vu"); DIGIT_KEY for words starting with a digit.
    """
    try:
        parsed = _sp.parse(regex)
    except Exception:
        return None
    return _keys_of(list(parsed), full)


def compile_lexicon(data: Mapping[str, Any], path: str, problems: list[str]) -> Lexicon:
    """Compile a lexicon table (`macros`, `signals`); append every problem (with its TOML path)."""
    macros_raw = data.get("macros", {})
    macros: dict[str, str] = {}
    if not isinstance(macros_raw, Mapping):
        problems.append(f"{path}.macros: must be a table of strings")
    else:
        for k, v in macros_raw.items():
            if not isinstance(v, str):
                problems.append(f"{path}.macros.{k}: must be a string")
            else:
                macros[str(k)] = v
    signals_raw = data.get("signals", {})
    if not isinstance(signals_raw, Mapping):
        problems.append(f"{path}.signals: must be a table of signal tables")
        return Lexicon(())
    compiled: list[Signal] = []
    for name, spec in signals_raw.items():
        sp = f"{path}.signals.{name}"
        if not isinstance(spec, Mapping):
            problems.append(f"{sp}: must be a table with `patterns`")
            continue
        unknown = set(spec) - {"patterns", "overrides", "doc", "scope"}
        for key in sorted(unknown):
            problems.append(f"{sp}.{key}: unknown key (expected patterns, overrides, scope, doc)")
        pats = spec.get("patterns")
        if not isinstance(pats, list) or not pats or not all(isinstance(p, str) for p in pats):
            problems.append(f"{sp}.patterns: must be a non-empty list of strings")
            continue
        overrides = spec.get("overrides", [])
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            problems.append(f"{sp}.overrides: must be a list of signal names")
            overrides = []
        scope = spec.get("scope", "all")
        if scope not in SCOPES:
            problems.append(f"{sp}.scope: must be one of {', '.join(SCOPES)}")
        sig = _compile_signal(str(name), pats, macros, sp, problems)
        if sig is not None:
            compiled.append(
                Signal(
                    sig.name,
                    sig.positional,
                    sig.prefixes,
                    sig.scanned,
                    frozenset(overrides),
                    str(scope),
                    sig.parts,
                )
            )
    names = {s.name for s in compiled}
    for s in compiled:
        for o in sorted(s.overrides - names):
            problems.append(f"{path}.signals.{s.name}.overrides: unknown signal {o!r}")
    when_after = when_any = None
    if "WHEN" in macros:
        body = expand_macros("{WHEN}", macros, f"{path}.macros.WHEN", problems)
        try:
            when_after = re.compile(r"[\s,:;\-]{0,3}(?:(?:le|on|pour|for|at|a|ce|cette|this|next)\s)?" + body)
            when_any = re.compile(r"(?<![a-z0-9])" + body)
        except re.error as exc:
            problems.append(f"{path}.macros.WHEN: invalid regular expression: {exc}")
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for i, sig in enumerate(compiled):
        for p in sig.prefixes:
            by_prefix[p].append(i)
    questions: dict[str, tuple[str, str]] = {}
    q_raw = data.get("questions", {})
    if not isinstance(q_raw, Mapping):
        problems.append(f"{path}.questions: must be a table of {{yes, no}} tables")
        q_raw = {}
    for q, spec in q_raw.items():
        qp = f"{path}.questions.{q}"
        if q not in names:
            problems.append(f"{qp}: unknown signal {q!r}")
        if not isinstance(spec, Mapping) or not all(isinstance(spec.get(k), str) for k in ("yes", "no")):
            problems.append(f"{qp}: must be a table with `yes` and `no` signal names")
            continue
        for k in ("yes", "no"):
            if spec[k] not in names:
                problems.append(f"{qp}.{k}: unknown signal {spec[k]!r}")
        questions[str(q)] = (str(spec["yes"]), str(spec["no"]))
    for needed in ("answer_yes", "answer_no"):
        if questions and needed not in names:
            problems.append(f"{path}.questions: needs a signal named {needed}")
    lexicon = Lexicon(
        tuple(compiled),
        {s.name: s for s in compiled},
        when_after,
        when_any,
        {p: tuple(v) for p, v in by_prefix.items()},
        questions,
    )
    cache: dict[tuple[int, tuple[int, ...]], Matcher] = {}
    subsets: Subsets = {}
    dispatch = {
        src: _dispatch(lexicon, [s.scope == "all" or s.scope == src for s in compiled], cache, subsets)
        for src in ("notes", "transcript")
    }
    regexes = [rx for sig in compiled for rx in (sig.positional, sig.scanned) if rx is not None]
    regexes += [rx for sig in compiled for rx, _ in sig.parts]
    kinds = {rx.pattern: group_kinds(rx) for rx in regexes}
    return replace(
        lexicon,
        scanner=compile_scanner(
            [[(rx.pattern, kinds[rx.pattern]) for rx, _ in sig.parts] for sig in compiled],
            {src: _scan_rows(lexicon, table, subsets) for src, table in dispatch.items()},
            Hit,
            tuple(s.name for s in compiled),
        ),
        dispatch=dispatch,
        triggers={src: _trigger(t) for src, t in dispatch.items()},
        group_kinds=kinds,
        overriding={s.name: s.overrides for s in compiled if s.overrides},
        names=tuple(s.name for s in compiled),
        index={s.name: i for i, s in enumerate(compiled)},
        scanned=tuple(i for i, s in enumerate(compiled) if s.scanned is not None),
    )


def _compile_signal(
    name: str, patterns: Sequence[str], macros: Mapping[str, str], path: str, problems: list[str]
) -> Signal | None:
    positional: list[str] = []
    parts: list[tuple[re.Pattern[str], frozenset[str] | None]] = []
    scanned: list[str] = []
    prefixes: set[str] = set()
    ok = True
    for i, raw in enumerate(patterns):
        pp = f"{path}.patterns[{i}]"
        if re.search(r"[A-Z]", re.sub(r"\\.|\{[A-Z0-9_]+\}|\(\?P<[^>]+>", "", raw)) or any(
            ord(c) > 127 and c not in "€£°" for c in raw
        ):
            problems.append(f"{pp}: write patterns in normalised form (lower case, no accents)")
            ok = False
            continue
        expanded = factor_alternations(expand_macros(raw, macros, pp, problems))
        renamed = re.sub(r"\(\?P<([a-z_][a-z0-9_]*)>", rf"(?P<p{i}_\1>", expanded)
        bare = f"(?:{renamed})"
        try:
            rx = re.compile(bare)
        except re.error as exc:
            problems.append(f"{pp}: invalid regular expression: {exc}")
            ok = False
            continue
        body = f"(?<![a-z0-9]){bare}"  # every match starts at a word start
        pre, full = _prefix_sets(body)
        if pre is None:
            scanned.append(body)
        else:  # only ever tried at word starts (see find_hits), where the guard holds: left out
            positional.append(bare)
            parts.append((rx, full))
            prefixes |= pre
    if not ok:
        return None
    return Signal(
        name,
        re.compile("|".join(positional)) if positional else None,
        frozenset(prefixes),
        re.compile("|".join(scanned)) if scanned else None,
        parts=tuple(parts),
    )


@dataclass(slots=True)
class WordIndex:
    """Start offsets of the words of a normalised text, keyed as in `word_prefixes` (first PREFIX_LEN
    chars; shorter words: word + NUL + first char of the next word; digits: DIGIT_KEY)."""

    positions: dict[str, list[int]]

    @classmethod
    def build(cls, norm: str, keep: Mapping[str, Any] | None = None) -> WordIndex:
        """Index the [a-z0-9]+ words of `norm` (only those whose key is in `keep`, when given)."""
        words = _WORD.findall(norm)
        if not words:
            return cls({})
        starts = [m.start() for m in _WORD.finditer(norm)]
        nexts = [w[0] for w in words[1:]]
        nexts.append("")
        keys = [
            (DIGIT_KEY if w[0] <= "9" else w[:PREFIX_LEN]) + "\0" + nx
            for w, nx in zip(words, nexts, strict=True)
        ]
        positions: dict[str, list[int]] = {}
        for key, pos in zip(keys, starts, strict=True):
            if keep is not None and key not in keep:
                continue
            lst = positions.get(key)
            if lst is None:
                positions[key] = [pos]
            else:
                lst.append(pos)
        return cls(positions)


Matcher = Callable[[str, int], "re.Match[str] | None"]
Row = tuple[tuple[int, Matcher], ...]
Dispatch = Mapping[str, Row]
Trigger = tuple["re.Pattern[str]", Mapping[tuple[str, ...], Row]]
_DIGITS = "0123456789"


Subsets = dict[tuple[int, str], tuple[int, ...]]
"""Memo of `_subset` while tables are built: (signal index, word key) → part indices."""


def _matcher(
    sig: Signal, i: int, key: str, cache: dict[tuple[int, tuple[int, ...]], Matcher], subsets: Subsets
) -> Matcher:
    """`match` of the signal's patterns that can start at a word keyed `key` (same first match as the
    whole alternation there: a pattern that cannot start at that word cannot win)."""
    assert sig.positional is not None
    subset = _subset(sig, i, key, subsets)
    if len(subset) == len(sig.parts):
        return sig.positional.match
    if len(subset) == 1:
        return sig.parts[subset[0]][0].match
    found = cache.get((i, subset))
    if found is None:
        found = cache[(i, subset)] = _first_of(tuple(sig.parts[j][0].match for j in subset))
    return found


def _subset(sig: Signal, i: int, key: str, subsets: Subsets) -> tuple[int, ...]:
    """Indices of the signal's parts that can start at a word keyed `key` (all, when none is known to);
    `sig` is signal number `i`."""
    found = subsets.get((i, key))
    if found is None:
        found = tuple(j for j, (_, keys) in enumerate(sig.parts) if keys is None or key in keys)
        found = subsets[(i, key)] = found or tuple(range(len(sig.parts)))
    return found


def _first_of(matchers: tuple[Matcher, ...]) -> Matcher:
    """The first match among `matchers`, tried in order: at one position, the first alternative of a
    top-level alternation that matches is the alternation's match (no regex to compile at load)."""

    def match(text: str, pos: int) -> re.Match[str] | None:
        for one in matchers:
            m = one(text, pos)
            if m is not None:
                return m
        return None

    return match


def _dispatch(
    lexicon: Lexicon,
    active: Sequence[bool],
    cache: dict[tuple[int, tuple[int, ...]], Matcher] | None = None,
    subsets: Subsets | None = None,
) -> Dispatch:
    """Word key → (signal index, bound `match` of its patterns that can start there) for the active
    signals."""
    memo: dict[tuple[int, tuple[int, ...]], Matcher] = {} if cache is None else cache
    parts: Subsets = {} if subsets is None else subsets
    out: dict[str, Row] = {}
    for key, idxs in lexicon.by_prefix.items():
        row = tuple(
            (i, _matcher(sig, i, key, memo, parts))
            for i in idxs
            if active[i] and (sig := lexicon.signals[i]).positional is not None
        )
        if row:
            out[key] = row
    return out


def _scan_rows(
    lexicon: Lexicon, table: Dispatch, subsets: Subsets | None = None
) -> dict[tuple[str, str], ScanRow]:
    """`table` for the compiled scanner: (key part, next char) → (signal index, its part indices to
    try there), rows in the same order as the Python matchers of `table` (see `_trigger`). Equal rows
    are one object (the scanner converts each once)."""
    parts: Subsets = {} if subsets is None else subsets
    signals = lexicon.signals
    rows: dict[tuple[str, str], ScanRow] = {}
    same: dict[ScanRow, ScanRow] = {}
    for key, row in table.items():
        word, _, nx = key.partition("\0")
        entry = tuple((i, _subset(signals[i], i, key, parts)) for i, _ in row)
        entry = same.setdefault(entry, entry)
        for w in _DIGITS if word == DIGIT_KEY else (word,):
            rows[(w, nx)] = entry
    return rows


def _trigger(table: Dispatch) -> Trigger:
    """One regex finding, in one C-level scan of " " + text, the word starts whose key is in `table`
    (match start = word offset in the text); it captures the word's key part (its first PREFIX_LEN
    characters, a shorter whole word, or its first digit) and the first character of the next word
    (empty at the end of the text). Also returns (key part, next char) → row."""
    nexts: dict[str, set[str]] = {}
    rows: dict[tuple[str, ...], Row] = {}
    for key, row in table.items():
        word, _, nx = key.partition("\0")
        nexts.setdefault(word, set()).add(nx)
        for w in _DIGITS if word == DIGIT_KEY else (word,):
            rows[(w, nx)] = row

    def leaf(word: str) -> str:
        out = "" if word == DIGIT_KEY or len(word) >= PREFIX_LEN else "(?![a-z0-9])"
        allowed = nexts[word]
        if not allowed >= _NEXT_ANY:
            chars = "".join(sorted(c for c in allowed if c))
            alts = ([f"[{chars}]"] if chars else []) + ([r"\Z"] if "" in allowed else [])
            out += "(?=[a-z0-9]*+[^a-z0-9]*+(?:" + "|".join(alts) + "))"
        return out

    trie: dict[str, Any] = {}
    for word in nexts:
        if word == DIGIT_KEY:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = leaf(word)

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append(node[""])
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    alts = [build(trie)] if trie else []
    if DIGIT_KEY in nexts:
        alts.append("[0-9]" + leaf(DIGIT_KEY))
    body = "|".join(alts) if alts else "(?!)"
    # run on " " + text: the leading class (the separator before the word) lets the regex engine skip
    # ahead in C; a match's start is then the word's offset in the text itself
    return re.compile(r"[^a-z0-9](" + body + r")(?=[a-z0-9]*+[^a-z0-9]*+([a-z0-9]?))"), rows


ON_DEMAND_MAX = 64
"""Most `only` sets whose trigger a lexicon keeps (the engine asks for a handful)."""


def _on_demand(lexicon: Lexicon, wanted: Iterable[str]) -> Trigger | None:
    """The trigger of the signals named in `wanted` (any scope), built on first use and kept on the
    lexicon; None when ON_DEMAND_MAX other sets are kept (the caller then indexes the text itself).
    Same hits as that indexing: its rows hold, in order, the wanted signals keyed there."""
    key = frozenset(wanted)
    found = lexicon.on_demand.get(key)
    if found is None and len(lexicon.on_demand) < ON_DEMAND_MAX:
        found = _trigger(_dispatch(lexicon, [name in key for name in lexicon.names]))
        lexicon.on_demand[key] = found
    return found


def _on_demand_table(lexicon: Lexicon, scanner: CompiledScanner, wanted: Iterable[str]) -> int | None:
    """The compiled scanner's table for the signals named in `wanted` (as `_on_demand`)."""
    key = frozenset(wanted)
    found = lexicon.on_demand_tables.get(key)
    if found is None and len(lexicon.on_demand_tables) < ON_DEMAND_MAX:
        table = _dispatch(lexicon, [name in key for name in lexicon.names])
        found = lexicon.on_demand_tables[key] = scanner.add_table(_scan_rows(lexicon, table))
    return found


def keyed_positions(norm: str, keep: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(start offset, key) of every word of `norm` whose key is in `keep`, in text order."""
    words = _WORD.findall(norm)
    if not words:
        return []
    starts = [m.start() for m in _WORD.finditer(norm)]
    nexts = [w[0] for w in words[1:]]
    nexts.append("")
    keys = [
        (DIGIT_KEY if w[0] <= "9" else w[:PREFIX_LEN]) + "\0" + nx for w, nx in zip(words, nexts, strict=True)
    ]
    return [(pos, key) for pos, key in zip(starts, keys, strict=True) if key in keep]


_KIND_SUFFIXES = (("_when",), ("_amount",), ("_number", "_number2"), ("_kind",))


def group_kinds(rx: re.Pattern[str]) -> tuple[tuple[int, int], ...]:
    """(group number, 0 when | 1 amount | 2 number | 3 kind) of the named groups `_hit` reads, in order."""
    out: list[tuple[int, int]] = []
    for name, idx in sorted(rx.groupindex.items(), key=lambda kv: kv[1]):
        for code, suffixes in enumerate(_KIND_SUFFIXES):
            if name.endswith(suffixes):
                out.append((idx, code))
                break
    return tuple(out)


def _hit(
    name: str, source: str, m: re.Match[str], kinds: Mapping[str, tuple[tuple[int, int], ...]] | None = None
) -> Hit:
    if m.lastindex is None:
        return Hit(name, source, m.start(), m.end())
    found: list[str | None] = [None, None, None, None]
    spec = kinds.get(m.re.pattern) if kinds is not None else None
    if spec is None:
        spec = group_kinds(m.re)
    values = m.groups()
    for idx, code in spec:
        val = values[idx - 1]
        if val is not None:
            found[code] = found[code] or val
    return Hit(name, source, m.start(), m.end(), found[0], found[1], found[2], found[3])


def _positional_hits(
    lexicon: Lexicon, norm: str, source: str, wanted: frozenset[str] | None, max_hits: int, count: list[int]
) -> list[Hit]:
    """The hits of the positional patterns with Python's `re` (what the compiled scanner returns for
    a source), counting them per signal in `count`."""
    signals = lexicon.signals
    names = lexicon.names
    kinds = lexicon.group_kinds
    last_end = [-1] * len(signals)
    hits: list[Hit] = []
    trigger = lexicon.triggers.get(source) if wanted is None else _on_demand(lexicon, wanted)
    if trigger is not None:
        rx, by_key = trigger
        get = by_key.get
        for mk in rx.finditer(" " + norm):  # the hot loop: same steps as the loop below, inlined
            pos = mk.start()
            for i, match in get(mk.groups(), ()):
                if pos < last_end[i]:
                    continue
                m = match(norm, pos)
                if m is not None:
                    end = m.end()
                    if end > pos and count[i] < max_hits:
                        if m.lastindex is None:
                            hits.append(Hit(names[i], source, pos, end))
                        else:
                            hits.append(_hit(names[i], source, m, kinds))
                        last_end[i] = end
                        count[i] += 1
    else:
        if wanted is not None:  # a new `only` set once ON_DEMAND_MAX are kept: index the text here
            index = lexicon.index
            rows = [(i, sig.prefixes, sig.positional.match)
                    for i in sorted(index[n] for n in wanted if n in index)
                    if (sig := signals[i]).positional is not None]  # fmt: skip
            keyed: list[tuple[int, Sequence[tuple[int, Matcher]]]] = [
                (pos, [(i, match) for i, prefixes, match in rows if key in prefixes])
                for pos, key in keyed_positions(norm, lexicon.by_prefix)
            ]
        else:
            active = [sig.scope == "all" or sig.scope == source for sig in signals]
            table = lexicon.dispatch.get(source)
            if table is None:
                table = _dispatch(lexicon, active)
            keyed = [(pos, table[key]) for pos, key in keyed_positions(norm, table)]
        for pos, row in keyed:
            for i, match in row:
                if pos < last_end[i]:
                    continue
                m = match(norm, pos)
                if m is not None:
                    end = m.end()
                    if end > pos and count[i] < max_hits:
                        hits.append(_hit(names[i], source, m, kinds))
                        last_end[i] = end
                        count[i] += 1
    return hits


def find_hits(
    lexicon: Lexicon,
    norm: str,
    source: str,
    only: Iterable[str] | None = None,
    max_hits: int = 64,
    void: Callable[[Hit], bool] | None = None,
) -> list[Hit]:
    """All non-overridden hits of the lexicon's signals (or of `only`) in normalised text `norm`.

    Signals with `scope = "fields"` (e.g. job titles) or `"on_demand"` (e.g. the acceptance of an
    offer, looked for in one transcript turn) are only looked for when named in `only`;
    `scope = "notes"` / `"transcript"` restrict a signal to that source (e.g. "c'est lui qui signe" is
    the contact in a rep's notes but a third party in a transcript).

    At most `max_hits` hits are kept per signal (the first ones), which bounds the work on huge texts
    without changing decisions: criteria use the strongest hit per signal and source.

    Hits with a time expression for which `void` is true (e.g. "budget 2026" said in 2026: not a
    later budget) are dropped before overrides are applied, so they cancel nothing.
    """
    wanted = frozenset(only) if only is not None else None
    signals = lexicon.signals
    count = [0] * len(signals)
    found = None
    if (sc := lexicon.scanner) is not None:
        table_no = sc.tables.get(source) if wanted is None else _on_demand_table(lexicon, sc, wanted)
        if table_no is not None:
            found = sc.find(norm, table_no, max_hits, source)  # None: PCRE2 gave up, use `re`
    if found is None:
        hits = _positional_hits(lexicon, norm, source, wanted, max_hits, count)
    else:
        hits = found
        if lexicon.scanned:  # their hits count towards the same max_hits
            index = lexicon.index
            for h in found:
                count[index[h.signal]] += 1
    kinds = lexicon.group_kinds
    for i in lexicon.scanned:
        sig = signals[i]
        scan = sig.scanned
        if scan is None or not (sig.name in wanted if wanted is not None else sig.scope in ("all", source)):
            continue
        for m in scan.finditer(norm):
            if m.end() > m.start():
                hits.append(_hit(sig.name, source, m, kinds))
                count[i] += 1
                if count[i] >= max_hits:
                    break
    if void is not None:
        hits = [h for h in hits if not (h.when and void(h))]
    return apply_overrides(lexicon, hits)


_START_END = attrgetter("start", "end")


def apply_overrides(lexicon: Lexicon, hits: list[Hit]) -> list[Hit]:
    """Drop every hit overlapped by a hit of a signal that overrides it (hits are sorted by offsets)."""
    if not hits:
        return hits
    hits.sort(key=_START_END)
    overriding = lexicon.overriding
    firing = [i for i, h in enumerate(hits) if h.signal in overriding]
    if not firing:
        return hits
    dropped: set[int] = set()
    n = len(hits)
    reach: list[int] = []  # reach[j]: the furthest end among hits[0..j]
    furthest = -1
    for h in hits:
        if h.end > furthest:
            furthest = h.end
        reach.append(furthest)
    for i in firing:
        h = hits[i]
        over = overriding[h.signal]
        start, end = h.start, h.end
        j = i - 1
        while j >= 0 and reach[j] > start and (o := hits[j]).start > start - 600:
            if o.end > start and o.signal in over:
                dropped.add(j)
            j -= 1
        j = i + 1
        while j < n and (o := hits[j]).start < end:
            if o.signal in over:
                dropped.add(j)
            j += 1
    if not dropped:
        return hits
    return [h for i, h in enumerate(hits) if i not in dropped]
