"""Read and write files of canonical calls, streaming (one call in memory at a time).

`.jsonl`: one canonical call object per line (connector/schema/call.schema.json).
`.csv`: one call per row; nested fields use dotted column names (`prospect.name`, `company.employees`),
`company.tech_stack` is `;`-separated, booleans are true/false/1/0/yes/no, empty cells are absent.

A line that is not a valid call never stops the stream: it is yielded as a `BadLine` naming the file,
the line number, the call id when readable, and the field at fault.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from connector.model import Call


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line of a call file that could not be read as a canonical call."""

    path: str
    line: int
    call_id: str | None
    message: str

    def __str__(self) -> str:
        who = f" (call {self.call_id})" if self.call_id else ""
        return f"{self.path}:{self.line}{who}: {self.message}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "(line)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _from_dict(path: str, line: int, data: Any) -> Call | BadLine:
    call_id = str(data.get("id")) if isinstance(data, dict) and data.get("id") else None
    try:
        return Call.model_validate(data)
    except ValidationError as exc:
        return BadLine(path, line, call_id, _describe(exc))


def _iter_jsonl(handle: TextIO, path: str) -> Iterator[Call | BadLine]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BadLine(path, number, None, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        yield _from_dict(path, number, data)


def _nest(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column is None or value is None or value == "":
            continue
        target = out
        *parents, leaf = column.strip().split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        if leaf == "tech_stack":
            target[leaf] = [v.strip() for v in value.split(";") if v.strip()]
        else:
            target[leaf] = value
    return out


def _iter_csv(handle: TextIO, path: str) -> Iterator[Call | BadLine]:
    reader = csv.DictReader(handle)
    for row in reader:
        yield _from_dict(path, reader.line_num, _nest(row))


def iter_calls(path: str | Path) -> Iterator[Call | BadLine]:
    """Yield each call of a `.jsonl` or `.csv` file in order, or a BadLine for each unreadable line."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".csv"):
        raise ValueError(f"{file}: unsupported call file type {suffix!r} (use .jsonl or .csv)")
    with file.open(encoding="utf-8-sig", newline="") as handle:
        if suffix == ".csv":
            yield from _iter_csv(handle, str(file))
        else:
            yield from _iter_jsonl(handle, str(file))


def write_jsonl(records: Iterable[dict[str, Any]], handle: TextIO) -> int:
    """Write one JSON object per line; return how many were written."""
    count = 0
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False, default=str))
        handle.write("\n")
        count += 1
    return count
