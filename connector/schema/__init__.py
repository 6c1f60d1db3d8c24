"""The JSON Schema of the canonical call format, generated from connector.model.Call.

`python -m connector.schema` rewrites call.schema.json; a test fails when the committed file drifts
from the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connector.model import Call

SCHEMA_PATH = Path(__file__).with_name("call.schema.json")


def call_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one canonical call."""
    schema = Call.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/qualicall/qualicall/connector/schema/call.schema.json",
        "title": "Qualicall canonical call",
        "description": "One logged sales call. Files of calls hold one such object per line (JSON Lines).",
        **schema,
    }


def render() -> str:
    """The schema file's exact text."""
    return json.dumps(call_schema(), indent=2, ensure_ascii=False) + "\n"
