"""Opposition lists (Bloctel-style): the lookup protocol, an in-memory list, and the CSV reader.

`iter_optout_csv` is the only function of the compliance package that does I/O: it streams a file, one
normalised number (or one `BadRow`) per data row, and never stops on a bad row.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from connector.compliance.phone import normalize_phone

_PHONE_HEADERS = ("phone", "telephone", "téléphone", "numero", "numéro", "number", "msisdn", "tel", "tél")


@runtime_checkable
class OptOutList(Protocol):
    """A set of E.164 numbers whose owners object to telemarketing."""

    def __contains__(self, e164: str) -> bool: ...


class OptOutSet:
    """An in-memory `OptOutList` built from raw numbers (normalised on the way in; bad ones dropped)."""

    def __init__(self, numbers: Iterable[str] = (), default_region: str = "FR") -> None:
        self._numbers = frozenset(n for n in (normalize_phone(r, default_region) for r in numbers) if n)

    def __contains__(self, e164: object) -> bool:
        return e164 in self._numbers

    def __len__(self) -> int:
        return len(self._numbers)


class OptOutLookup:
    """An `OptOutList` backed by a lookup function, e.g. ``OptOutLookup(store.is_opted_out)``.

    Answers are cached per number for the lifetime of the object (one pipeline run)."""

    def __init__(self, lookup: Callable[[str], bool]) -> None:
        self._lookup = lookup
        self._seen: dict[str, bool] = {}

    def __contains__(self, e164: str) -> bool:
        if e164 not in self._seen:
            self._seen[e164] = bool(self._lookup(e164))
        return self._seen[e164]


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row of an opposition file that holds no usable phone number (`line` is 1-based)."""

    line: int
    raw: str
    problem: str


def iter_optout_csv(path: Path, default_region: str = "FR") -> Iterator[str | BadRow]:
    """Stream an opposition-list CSV: yield each row's number in E.164 form, or a `BadRow`.

    Accepts ``,``, ``;``, tab or ``|`` separators (sniffed on the first line), an optional header row
    (the phone column is the one whose header looks like phone/téléphone/numéro/number/msisdn, else the
    first column), blank lines (skipped), a UTF-8 BOM and non-UTF-8 bytes (replaced). National numbers
    are read in `default_region`.
    """
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
        delimiter = max(",;\t|", key=first.count) if any(c in first for c in ",;\t|") else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        column = 0
        for index, row in enumerate(reader, start=1):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if index == 1 and _is_header(cells):
                column = next((i for i, c in enumerate(cells) if c.lower() in _PHONE_HEADERS), 0)
                continue
            raw = cells[column] if column < len(cells) else ""
            number = normalize_phone(raw, default_region) if raw else None
            if number is None:
                problem = "no phone number in the expected column" if not raw else "not a phone number"
                yield BadRow(index, delimiter.join(row), problem)
            else:
                yield number


def _is_header(cells: list[str]) -> bool:
    return all(not any(ch.isdigit() for ch in c) for c in cells) and any(c.isalpha() for c in "".join(cells))
