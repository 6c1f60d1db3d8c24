"""The compiled word-start scanner (optional C extension `connector.rules._scan`, over PCRE2).

`signals.find_hits` tries each signal's regexes at the word starts its prefix index allows. With
Python's `re` that loop costs ~60% of qualifying a 1 KB note; the extension runs the same loop in C
with the same patterns compiled by PCRE2 (JIT), and returns the same hits in the same order. It is
built at install time when PCRE2's development files are present (Debian/Ubuntu: libpcre2-dev;
macOS: brew install pcre2); without it, or when PCRE2 refuses a pattern, the engine keeps to the
pure-Python loop, with the same results, about 3x slower on 1 KB notes.

Exactness rests on two things, both tested (tests/engine/test_scanner.py) on the built-in lexicon and
on arbitrary text: `pcre2_source` rewrites the few constructs whose meaning differs between the two
engines, and the extension reads text as 32-bit code units without UTF checks, so its offsets are
Python's and any `str` (lone surrogates included) is a valid subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

_scan: ModuleType | None
try:  # built by setuptools from _scan.c when PCRE2 is available
    import connector.rules._scan as _scan
except ImportError:  # pragma: no cover - exercised on machines without PCRE2
    _scan = None

AVAILABLE = _scan is not None
"""True when the extension is importable (the engine then scans in C)."""

_PY_SPACE_EXTRA = r"\x{1c}-\x{1f}\x{85}"
"""Characters Python's `\\s` matches (str.isspace) that PCRE2's Unicode `\\s` does not."""
_EMPTY_MIN = re.compile(r"\{,(\d*)\}")
"""Python's `{,n}` quantifier (no lower bound)."""

ScanRow = tuple[tuple[int, tuple[int, ...]], ...]
"""(signal index, indices of its parts to try), in the order the signals are tried at a word."""
Rows = Mapping[tuple[str, str], ScanRow]
"""(word key part, first character of the next word) → the row of a word keyed so."""


def pcre2_source(regex: str) -> str | None:
    """The PCRE2 source matching exactly what the Python `regex` matches, or None when it holds a
    construct the two engines read differently that is not rewritten here: `\\u`, `\\U`, `\\N`
    (PCRE2 lacks or reads them otherwise), `\\S` inside a set, and "[:", "[." or "[=" inside a set
    (POSIX classes in PCRE2, literal characters in Python). A lexicon with such a pattern stays on `re`.

    Rewritten: `\\s` (Python's also matches U+001C-U+001F and U+0085), `\\Z` (Python's is PCRE2's
    `\\z`) and `{,n}` (Python's `{0,n}`; a literal in PCRE2 before 10.43)."""
    out: list[str] = []
    i, n = 0, len(regex)
    in_set = False
    while i < n:
        c = regex[i]
        if c == "\\" and i + 1 < n:
            esc = regex[i : i + 2]
            if esc[1] in "uUN":
                return None
            if esc == r"\s":
                out.append(r"\s" + _PY_SPACE_EXTRA if in_set else r"[\s" + _PY_SPACE_EXTRA + "]")
            elif esc == r"\S":
                if in_set:
                    return None
                out.append(r"[^\s" + _PY_SPACE_EXTRA + "]")
            elif esc == r"\Z":
                out.append(r"\z")
            else:
                out.append(esc)
            i += 2
            continue
        if in_set:
            if c == "]":
                in_set = False
            elif c == "[" and regex[i + 1 : i + 2] in (":", ".", "="):
                return None
        elif c == "[":
            in_set = True
            j = i + 1
            if j < n and regex[j] == "^":
                j += 1
            if j < n and regex[j] == "]":  # a leading "]" is a member, in both engines
                j += 1
            out.append(regex[i:j])
            i = j
            continue
        elif c == "{" and (m := _EMPTY_MIN.match(regex, i)):
            out.append("{0," + m.group(1) + "}")
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


class CompiledScanner:
    """The extension's Scanner over a lexicon's positional patterns, with its dispatch tables.

    `find(norm, table, max_hits, source)` returns the positional hits as `hit_type(names[signal],
    source, start, end, when, amount, number, kind)` items, or None when PCRE2 gave up (its match or
    JIT stack limit): the caller then uses Python's `re` for that text. `tables` maps a source to its
    table number."""

    def __init__(self, ext: Any, offsets: list[int], tables: dict[str, int]) -> None:
        self.find = ext.find
        self.tables = tables
        self._ext = ext
        self._offsets = offsets

    def _ids(self, rows: Rows) -> dict[tuple[str, str], ScanRow]:
        """`rows` with pattern numbers (in the extension) for (signal, part) indices (each row object
        converted once: the keys of a table share a few thousand rows)."""
        off = self._offsets
        done: dict[int, ScanRow] = {}
        out: dict[tuple[str, str], ScanRow] = {}
        for k, row in rows.items():
            ids = done.get(id(row))
            if ids is None:
                ids = done[id(row)] = tuple((i, tuple(off[i] + j for j in sub)) for i, sub in row)
            out[k] = ids
        return out

    def add_table(self, rows: Rows) -> int:
        """Add a dispatch table (e.g. for the signals asked for by name); returns its number."""
        return int(self._ext.add_table(self._ids(rows)))

    def sizes(self) -> list[tuple[int, int]]:
        """Per pattern: bytes of compiled pattern and of JIT code (0 where PCRE2 could not JIT it)."""
        return list(self._ext.sizes())


def compile_scanner(
    parts: Sequence[Sequence[tuple[str, tuple[tuple[int, int], ...]]]],
    tables: Mapping[str, Rows],
    hit_type: type[tuple[Any, ...]],
    names: tuple[str, ...],
) -> CompiledScanner | None:
    """The compiled scanner of these signal parts (per signal, in order: Python regex source and its
    `group_kinds`) with these dispatch tables (per source); None when the extension is missing or
    PCRE2 refuses a pattern (the caller then keeps to Python's `re`)."""
    if _scan is None:
        return None
    offsets: list[int] = []
    sources: list[str] = []
    kinds: list[tuple[tuple[int, int], ...]] = []
    for signal_parts in parts:
        offsets.append(len(sources))
        for regex, spec in signal_parts:
            translated = pcre2_source(regex)
            if translated is None:
                return None
            sources.append(translated)
            kinds.append(spec)
    try:
        ext = _scan.Scanner(sources, kinds, hit_type, names)
    except ValueError:  # PCRE2 refused a pattern that Python's re accepts
        return None
    scanner = CompiledScanner(ext, offsets, {})
    for source, rows in tables.items():
        scanner.tables[source] = scanner.add_table(rows)
    return scanner


count_words: Callable[[str, frozenset[str], frozenset[str], int], tuple[int, int] | None] | None = (
    _scan.count_words if _scan is not None else None
)
"""`count_words(text, first, second, longest)`: how many distinct [a-z']+ tokens of `text` are in each
set, `longest` being the length of their longest word; None when the sets do not fit its table (too
many or too long words). None without the extension."""

fold: Callable[[str, str], str] | None = _scan.fold if _scan is not None else None
"""`fold(text, table)`: `text` with each code point c < len(table) replaced by `table[c]` (None
without the extension)."""
