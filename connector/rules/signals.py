"""Signal lexicons: compile TOML pattern lists and find their hits in a text, with offsets.

A *signal* is a named list of regular expressions over normalised text (see `text.normalize`). The
lexicon TOML has `[macros]` (`{NAME}` expansions) and `[signals.<name>]` tables with `patterns`,
optional `overrides` (signals whose overlapping hits this one cancels) and `doc`.

Speed: each pattern is analysed once (at load) for the literal word prefixes any match must start
with; at run time a text is indexed by word prefix and a signal's regex is only tried at the word
starts carrying one of its prefixes. Patterns whose start cannot be analysed are scanned in full.
Cost is therefore linear in the text length. `find_hits` is pure and never raises.
"""

from __future__ import annotations

import re
import re._constants as _sc  # type: ignore[import-not-found,unused-ignore]
import re._parser as _sp  # type: ignore[import-not-found,unused-ignore]
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PREFIX_LEN = 4
_WORD = re.compile(r"[a-z0-9]+")
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
    fields_only: bool = False


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All compiled signals, in declaration order."""

    signals: tuple[Signal, ...]
    by_name: Mapping[str, Signal] = field(default_factory=dict)
    when_after: re.Pattern[str] | None = None
    """Matches a {WHEN} time expression right after an action hit (e.g. "demo ... mardi 14h")."""
    when_any: re.Pattern[str] | None = None
    """Finds a {WHEN} time expression anywhere (used on one short transcript turn)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a signal in a source: offsets into that source, the normalised matched text,
    and the time expression / amount / number it captured (normalised text, unresolved)."""

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


def _starts(items: list[Any], cur: str, out: set[str], budget: list[int]) -> bool:
    """Collect the literal word prefixes a match of `items` must start with; False if unknowable."""
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if len(cur) >= PREFIX_LEN:
        out.add(cur)
        return True
    if not items:
        if not cur:
            return False
        out.add(cur + "\0")  # closed: the word ends here
        return True
    op, av = items[0]
    rest = items[1:]
    if op is _sc.LITERAL:
        ch = chr(av)
        if ch in _WORDCH:
            return _starts(rest, cur + ch, out, budget)
        if not cur:
            return False
        out.add(cur + "\0")
        return True
    if op is _sc.SUBPATTERN:
        return _starts(list(av[-1]) + rest, cur, out, budget)
    if op is _sc.BRANCH:
        return all(_starts(list(alt) + rest, cur, out, budget) for alt in av[1])
    if op in (_sc.MAX_REPEAT, _sc.MIN_REPEAT, getattr(_sc, "POSSESSIVE_REPEAT", None)):
        lo, hi, body = av
        ok = True
        if lo == 0 and not _starts(rest, cur, out, budget):
            ok = False
        again = [(op, (max(lo - 1, 0), hi, body))] if hi != 1 else []
        return _starts(list(body) + again + rest, cur, out, budget) and ok
    if op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
        return _starts(rest, cur, out, budget)
    return False  # a class, any-char, backreference...: the start is open


def word_prefixes(regex: str) -> frozenset[str] | None:
    """The set of word prefixes (≤ PREFIX_LEN chars; a trailing NUL marks a whole short word) any
    match of `regex` starts with, or None when the pattern's start cannot be bounded."""
    try:
        parsed = _sp.parse(regex)
    except Exception:
        return None
    out: set[str] = set()
    if not _starts(list(parsed), "", out, [4000]) or len(out) > 400:
        return None
    return frozenset(out)


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
        if scope not in ("all", "fields"):
            problems.append(f"{sp}.scope: must be 'all' or 'fields'")
        sig = _compile_signal(str(name), pats, macros, sp, problems)
        if sig is not None:
            compiled.append(
                Signal(
                    sig.name,
                    sig.positional,
                    sig.prefixes,
                    sig.scanned,
                    frozenset(overrides),
                    scope == "fields",
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
    return Lexicon(tuple(compiled), {s.name: s for s in compiled}, when_after, when_any)


def _compile_signal(
    name: str, patterns: Sequence[str], macros: Mapping[str, str], path: str, problems: list[str]
) -> Signal | None:
    positional: list[str] = []
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
        expanded = expand_macros(raw, macros, pp, problems)
        renamed = re.sub(r"\(\?P<([a-z_][a-z0-9_]*)>", rf"(?P<p{i}_\1>", expanded)
        body = f"(?<![a-z0-9])(?:{renamed})"
        try:
            re.compile(body)
        except re.error as exc:
            problems.append(f"{pp}: invalid regular expression: {exc}")
            ok = False
            continue
        pre = word_prefixes(body)
        if pre is None:
            scanned.append(body)
        else:
            positional.append(body)
            prefixes |= pre
    if not ok:
        return None
    return Signal(
        name,
        re.compile("|".join(positional)) if positional else None,
        frozenset(prefixes),
        re.compile("|".join(scanned)) if scanned else None,
    )


@dataclass(slots=True)
class WordIndex:
    """Start offsets of the words of a normalised text, keyed by the word's first PREFIX_LEN chars
    (words shorter than that are keyed by the whole word followed by NUL)."""

    positions: dict[str, list[int]]

    @classmethod
    def build(cls, norm: str) -> WordIndex:
        """Index every [a-z0-9]+ word of `norm`."""
        positions: dict[str, list[int]] = defaultdict(list)
        for m in _WORD.finditer(norm):
            w = m.group()
            key = w[:PREFIX_LEN] if len(w) >= PREFIX_LEN else w + "\0"
            positions[key].append(m.start())
        return cls(positions)


def _hit(name: str, source: str, m: re.Match[str]) -> Hit:
    when = amount = number = kind = None
    if m.lastindex is not None:
        for key, val in m.groupdict().items():
            if val is None:
                continue
            if key.endswith("_when"):
                when = when or val
            elif key.endswith("_amount"):
                amount = amount or val
            elif key.endswith(("_number", "_number2")):
                number = number or val
            elif key.endswith("_kind"):
                kind = kind or val
    return Hit(name, source, m.start(), m.end(), when, amount, number, kind)


def find_hits(
    lexicon: Lexicon, norm: str, source: str, only: Iterable[str] | None = None, max_hits: int = 64
) -> list[Hit]:
    """All non-overridden hits of the lexicon's signals (or of `only`) in normalised text `norm`.

    Signals with `scope = "fields"` (e.g. job titles) are only looked for when named in `only`.

    At most `max_hits` hits are kept per signal (the first ones), which bounds the work on huge texts
    without changing decisions: criteria use the strongest hit per signal and source.
    """
    index = WordIndex.build(norm).positions
    wanted = set(only) if only is not None else None
    hits: list[Hit] = []
    for sig in lexicon.signals:
        if (wanted is None and sig.fields_only) or (wanted is not None and sig.name not in wanted):
            continue
        found: list[Hit] = []
        if sig.positional is not None:
            starts: list[int] = []
            for p in sig.prefixes:
                lst = index.get(p)
                if lst:
                    starts.extend(lst)
            if starts:
                starts.sort()
                last_end = -1
                match = sig.positional.match
                for pos in starts:
                    if pos < last_end:
                        continue
                    m = match(norm, pos)
                    if m is not None and m.end() > m.start():
                        found.append(_hit(sig.name, source, m))
                        last_end = m.end()
                        if len(found) >= max_hits:
                            break
        if sig.scanned is not None and len(found) < max_hits:
            for m in sig.scanned.finditer(norm):
                if m.end() > m.start():
                    found.append(_hit(sig.name, source, m))
                    if len(found) >= max_hits:
                        break
        hits.extend(found)
    return apply_overrides(lexicon, hits)


def apply_overrides(lexicon: Lexicon, hits: list[Hit]) -> list[Hit]:
    """Drop every hit overlapped by a hit of a signal that overrides it."""
    if not hits:
        return hits
    hits.sort(key=lambda h: (h.start, h.end))
    dropped: set[int] = set()
    for i, h in enumerate(hits):
        sig = lexicon.by_name.get(h.signal)
        if sig is None or not sig.overrides:
            continue
        j = i - 1
        while j >= 0 and hits[j].start > h.start - 600:
            o = hits[j]
            if o.end > h.start and o.signal in sig.overrides:
                dropped.add(j)
            j -= 1
        j = i + 1
        while j < len(hits) and hits[j].start < h.end:
            if hits[j].signal in sig.overrides:
                dropped.add(j)
            j += 1
    return [h for i, h in enumerate(hits) if i not in dropped]
