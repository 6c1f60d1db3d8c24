"""Mappings: presets + overrides → canonical calls; errors name the record, the field and the preset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.base import SourceRecord
from connector.errors import ConfigError, MappingError
from connector.mapping import Mapping, parse_datetime
from connector.values import decode_fields, encode_fields, same_value

SPEC = {
    "mapping": {"crm": "test"},
    "call": {
        "id": "Id",
        "occurred_at": {"field": "When", "type": "datetime"},
        "outcome": {
            "field": "Disp",
            "values": {"GUID-A": "connected", "guid-b": "no_answer"},
            "default": "other",
        },
        "duration_s": {"field": "Ms", "type": "int", "scale": 0.001},
        "notes": {"field": "Body", "type": "html"},
    },
    "prospect": {
        "name": {"fields": ["First", "Last"], "join": " "},
        "do_not_call": {"field": "Dnc", "type": "bool"},
    },
    "company": {
        "employees": {"field": "Emp", "type": "int"},
        "tech_stack": {"field": "Stack", "type": "list"},
    },
    "output": {"status": "Q_Status", "score": "Q_Score"},
}


def record(**fields: object) -> SourceRecord:
    base = {
        "Id": "r1",
        "When": "2026-10-01T08:00:00.000Z",
        "Disp": "guid-a",
        "Ms": "125400",
        "Body": "<p>DAF ok&nbsp;pr d&eacute;mo</p><br>mardi",
    }
    base.update(fields)
    return SourceRecord(
        id="r1",
        modified_at=datetime(2026, 10, 1, tzinfo=UTC),
        fields=base,
        prospect={"First": "Ana", "Last": "Lopes", "Dnc": "false"},
        company={"Emp": "250", "Stack": "A; B"},
    )


def test_fields_types_value_maps_and_joins() -> None:
    call = Mapping(SPEC, "spec").to_call(record())
    assert call.outcome == "connected" and call.duration_s == 125
    assert call.occurred_at == datetime(2026, 10, 1, 8, tzinfo=UTC)
    assert call.notes == "DAF ok\xa0pr démo\n\nmardi"
    assert (
        call.prospect is not None and call.prospect.name == "Ana Lopes" and call.prospect.do_not_call is False
    )
    assert (
        call.company is not None and call.company.employees == 250 and call.company.tech_stack == ("A", "B")
    )
    assert Mapping(SPEC, "spec").to_call(record(Disp="unknown-guid")).outcome == "other"


def test_errors_name_record_field_and_preset() -> None:
    with pytest.raises(MappingError) as info:
        Mapping(SPEC, "mappings/test.toml").to_call(record(Ms="twelve"))
    assert str(info.value) == (
        "record r1: field call.duration_s <- Ms: cannot read int: "
        "could not convert string to float: 'twelve' (mapping mappings/test.toml)"
    )
    with pytest.raises(MappingError, match=r"record r1: field call.occurred_at <- When"):
        Mapping(SPEC, "spec").to_call(record(When=None))


def test_invalid_mapping_lists_every_problem() -> None:
    bad = {
        "call": {"id": "Id", "outcome": {"type": "str"}, "notez": "x"},
        "output": {"stat": "Q"},
        "extra": {},
    }
    with pytest.raises(ConfigError) as info:
        Mapping(bad, "bad.toml")
    text = "\n".join(info.value.problems)
    for expected in (
        "extra: unknown table",
        "call.notez: not a canonical call field",
        "call.outcome: needs",
        "call.occurred_at: required",
        "output.stat: not an output",
    ):
        assert expected in text


def test_overrides_merge_into_a_preset() -> None:
    mapping = Mapping.load("local", {"call": {"notes": "transcript"}, "output": {"status": "my_status"}})
    assert mapping.specs["call"]["notes"].fields == ("transcript",)
    assert mapping.specs["call"]["owner"].fields == ("owner",)
    assert mapping.output["status"] == "my_status" and mapping.output["score"] == "qualicall_score"
    assert "my_status" in mapping.source_fields("call")


def test_same_value_across_crm_representations() -> None:
    assert same_value("72.5", 72.5) and same_value(72.5, 72.5) and not same_value("72", 72.5)
    assert same_value(None, "") and same_value("", None) and not same_value(None, "x")
    assert same_value("true", True) and same_value("false", False) and not same_value("false", True)
    moment = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    for text in (
        "2026-11-26T09:00:00Z",
        "2026-11-26T09:00:00.000+0000",
        "1795683600000",
        "2026-11-26T10:00:00+01:00",
    ):
        assert same_value(text, moment), text
    assert same_value(" qualified ", "qualified") and not same_value("nurture", "qualified")
    assert decode_fields(encode_fields({"a": moment, "b": 1})) == {"a": moment, "b": 1}
    assert parse_datetime(1795683600000) == moment
