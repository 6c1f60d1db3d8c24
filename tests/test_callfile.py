"""The canonical call format: JSON Schema in sync with the model, streaming readers for .jsonl and .csv."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.callfile import BadLine, iter_calls
from connector.model import Call
from connector.schema import SCHEMA_PATH, render


def test_committed_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run: python -m connector.schema"


def test_schema_lists_every_documented_field() -> None:
    schema = json.loads(render())
    assert set(schema["properties"]) >= {
        "id",
        "occurred_at",
        "direction",
        "duration_s",
        "outcome",
        "owner",
        "source",
        "language",
        "notes",
        "transcript",
        "prospect",
        "company",
    }
    assert set(schema["$defs"]["Prospect"]["properties"]) >= {
        "id",
        "name",
        "title",
        "email",
        "phone",
        "country",
        "consumer",
        "do_not_call",
        "consent_at",
    }
    assert set(schema["$defs"]["Company"]["properties"]) >= {
        "id",
        "name",
        "employees",
        "industry",
        "country",
        "annual_revenue",
        "tech_stack",
    }
    assert schema["additionalProperties"] is False


def test_jsonl_bad_lines_are_reported_and_do_not_stop_the_stream(tmp_path: Path) -> None:
    good = {"id": "a", "occurred_at": "2026-10-01T10:00:00+02:00", "outcome": "connected", "notes": "ok"}
    path = tmp_path / "calls.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                "{not json",
                json.dumps({**good, "id": "b", "occurred_at": "2026-10-01T10:00:00"}),  # no offset
                json.dumps({**good, "id": "c", "outcome": "maybe"}),
                "",
                json.dumps({**good, "id": "d", "prospect": {"name": "X", "consumer": True}}),
            ]
        ),
        encoding="utf-8",
    )
    items = list(iter_calls(path))
    assert [i.id for i in items if isinstance(i, Call)] == ["a", "d"]
    bad = [i for i in items if isinstance(i, BadLine)]
    assert [(b.line, b.call_id) for b in bad] == [(2, None), (3, "b"), (4, "c")]
    assert "occurred_at" in bad[1].message and "outcome" in bad[2].message
    assert str(bad[2]).startswith(f"{path}:4 (call c): ")


def test_csv_with_dotted_columns(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "id,occurred_at,outcome,notes,prospect.name,prospect.consumer,company.employees,company.tech_stack\n"
        'x1,2026-10-01T10:00:00+02:00,connected,"DAF ok, démo mardi",Ana,false,120,Salesforce; Slack\n'
        "x2,2026-10-01T11:00:00+02:00,busy,,,,abc,\n",
        encoding="utf-8",
    )
    first, second = list(iter_calls(path))
    assert (
        isinstance(first, Call)
        and first.company is not None
        and first.company.tech_stack == ("Salesforce", "Slack")
    )
    assert first.prospect is not None and first.prospect.consumer is False
    assert isinstance(second, BadLine) and "company.employees" in second.message


def test_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        list(iter_calls(tmp_path / "calls.xlsx"))
