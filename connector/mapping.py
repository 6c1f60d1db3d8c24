"""Declarative mappings between CRM fields and the canonical call (presets in the `mappings` package).

A preset is a TOML file with these tables (every entry can be overridden from the config):

    [mapping]   crm = "hubspot"; options for the adapter (e.g. call_filter) as plain keys
    [call]      canonical call field     = field spec   (id, occurred_at, outcome, notes, ...)
    [prospect]  canonical prospect field = field spec
    [company]   canonical company field  = field spec
    [output]    canonical output name    = CRM field on the call   (score, status, reason, ...)
    [output_prospect]  canonical output  = CRM field on the prospect (do_not_call)
    [task]      key = CRM field holding the follow-up idempotency key

A field spec is either a CRM field name or a table with `field` (or `fields` + `join`), optional
`type` (str, int, float, bool, datetime, list, html), `scale` (multiply numbers, e.g. 0.001 for
milliseconds → seconds), `values` (CRM value → canonical value), `default` (when the value is empty or
not in `values`) and `separator` (for lists).

`Mapping.to_call(record)` is pure; its errors name the record, the canonical field, the CRM field and
the preset file.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from connector.errors import ConfigError, MappingError
from connector.model import Call, Company, Prospect

if TYPE_CHECKING:
    from adapters.base import SourceRecord

ENTITIES = ("call", "prospect", "company")
_CANONICAL = {
    "call": set(Call.model_fields) - {"prospect", "company"},
    "prospect": set(Prospect.model_fields),
    "company": set(Company.model_fields),
}
_OUTPUTS = {"score", "status", "reason", "next_step", "explanation", "ruleset", "qualified_at", "variant"}
_TYPES = {"str", "int", "float", "bool", "datetime", "list", "html"}
_SPEC_KEYS = {"field", "fields", "join", "type", "scale", "values", "default", "separator"}
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.I)
_TRUE = {"true", "1", "yes", "y", "oui", "x"}
_FALSE = {"false", "0", "no", "n", "non", ""}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one canonical field is read from CRM fields."""

    fields: tuple[str, ...]
    type: str = "str"
    join: str = " "
    scale: float | None = None
    values: AbcMapping[str, Any] | None = None
    default: Any = None
    separator: str = ";"


def _parse_spec(path: str, raw: Any, problems: list[str]) -> FieldSpec | None:
    if isinstance(raw, str):
        return FieldSpec(fields=(raw,))
    if not isinstance(raw, dict):
        problems.append(f"{path}: expected a field name or a table, got {type(raw).__name__}")
        return None
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        problems.append(f"{path}: unknown key(s) {sorted(unknown)} (allowed: {sorted(_SPEC_KEYS)})")
    fields = raw.get("fields") or ([raw["field"]] if "field" in raw else [])
    if not fields or not all(isinstance(f, str) for f in fields):
        problems.append(f'{path}: needs `field = "name"` or `fields = ["a", "b"]`')
        return None
    kind = raw.get("type", "str")
    if kind not in _TYPES:
        problems.append(f"{path}.type: {kind!r} is not one of {sorted(_TYPES)}")
        return None
    values = raw.get("values")
    if values is not None and not isinstance(values, dict):
        problems.append(f"{path}.values: expected a table of CRM value = canonical value")
        values = None
    return FieldSpec(
        fields=tuple(fields),
        type=kind,
        join=str(raw.get("join", " ")),
        scale=float(raw["scale"]) if "scale" in raw else None,
        values={str(k).lower(): v for k, v in values.items()} if values else None,
        default=raw.get("default"),
        separator=str(raw.get("separator", ";")),
    )


def _merge(base: dict[str, Any], override: AbcMapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if (
            isinstance(value, AbcMapping)
            and isinstance(merged.get(key), dict)
            and key
            in {
                "mapping",
                *ENTITIES,
                "output",
                "output_prospect",
                "task",
            }
        ):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def preset_path(name: str) -> str:
    """Where the named preset lives (for error messages)."""
    return f"mappings/{name}.toml"


def load_preset_dict(name_or_path: str) -> tuple[dict[str, Any], str]:
    """Read a preset by name (shipped in the `mappings` package) or by file path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return tomllib.loads(path.read_text(encoding="utf-8")), str(path)
    try:
        text = resources.files("mappings").joinpath(f"{name_or_path}.toml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"mapping preset {name_or_path!r} not found"], source="mapping") from None
    return tomllib.loads(text), preset_path(name_or_path)


class Mapping:
    """A validated mapping: read CRM records into canonical calls, name the output fields."""

    def __init__(self, data: AbcMapping[str, Any], source: str) -> None:
        self.source = source
        problems: list[str] = []
        unknown_tables = set(data) - {"mapping", *ENTITIES, "output", "output_prospect", "task"}
        for table in sorted(unknown_tables):
            problems.append(f"{table}: unknown table in mapping")
        self.options: dict[str, Any] = dict(data.get("mapping", {}))
        self.specs: dict[str, dict[str, FieldSpec]] = {}
        for entity in ENTITIES:
            self.specs[entity] = {}
            for name, raw in dict(data.get(entity, {})).items():
                if name not in _CANONICAL[entity]:
                    problems.append(
                        f"{entity}.{name}: not a canonical {entity} field "
                        f"(one of {', '.join(sorted(_CANONICAL[entity]))})"
                    )
                    continue
                spec = _parse_spec(f"{entity}.{name}", raw, problems)
                if spec is not None:
                    self.specs[entity][name] = spec
        for required in ("id", "occurred_at", "outcome"):
            if required not in self.specs["call"]:
                problems.append(f"call.{required}: required by every mapping")
        self.output: dict[str, str] = {}
        for name, crm_field in dict(data.get("output", {})).items():
            if name not in _OUTPUTS:
                problems.append(f"output.{name}: not an output (one of {', '.join(sorted(_OUTPUTS))})")
            elif not isinstance(crm_field, str):
                problems.append(f"output.{name}: expected a CRM field name")
            else:
                self.output[name] = crm_field
        self.output_prospect: dict[str, str] = {
            str(k): str(v) for k, v in dict(data.get("output_prospect", {})).items()
        }
        self.task: dict[str, str] = {str(k): str(v) for k, v in dict(data.get("task", {})).items()}
        if problems:
            raise ConfigError(problems, source=source)

    @classmethod
    def load(cls, preset: str, overrides: AbcMapping[str, Any] | None = None) -> Mapping:
        """Load a preset by name or path and apply an admin's overrides (same tables as a preset)."""
        data, source = load_preset_dict(preset)
        if overrides:
            data = _merge(data, overrides)
            source = f"{source} + config overrides"
        return cls(data, source)

    @property
    def crm(self) -> str:
        return str(self.options.get("crm", ""))

    def source_fields(self, entity: str) -> list[str]:
        """The CRM fields to read for `entity` (call fields include the current output values)."""
        names: dict[str, None] = {}
        for spec in self.specs[entity].values():
            names.update(dict.fromkeys(spec.fields))
        if entity == "call":
            names.update(dict.fromkeys(self.output.values()))
        if entity == "prospect":
            names.update(dict.fromkeys(self.output_prospect.values()))
        return list(names)

    def _value(
        self, record_id: str, entity: str, name: str, spec: FieldSpec, raw: AbcMapping[str, Any]
    ) -> Any:
        parts = [raw.get(f) for f in spec.fields]
        if len(parts) == 1:
            value = parts[0]
        else:
            texts = [str(p).strip() for p in parts if p not in (None, "")]
            value = spec.join.join(texts) if texts else None
        if isinstance(value, str) and spec.type != "html":
            value = value.strip()
        if spec.values is not None:
            if value in (None, ""):
                return spec.default
            return spec.values.get(str(value).lower(), spec.default)
        if value in (None, ""):
            return spec.default
        field_label = f"{entity}.{name} <- {'+'.join(spec.fields)}"
        try:
            return _convert(value, spec)
        except (TypeError, ValueError) as exc:
            raise MappingError(
                record_id, field_label, f"cannot read {spec.type}: {exc}", self.source
            ) from None

    def _entity(self, record_id: str, entity: str, raw: AbcMapping[str, Any] | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        out: dict[str, Any] = {}
        for name, spec in self.specs[entity].items():
            value = self._value(record_id, entity, name, spec, raw)
            if value is not None:
                out[name] = value
        return out

    def to_call(self, record: SourceRecord) -> Call:
        """Build the canonical call from a source record; raise MappingError naming the field."""
        data = self._entity(record.id, "call", record.fields) or {}
        data.setdefault("id", record.id)
        prospect = self._entity(record.id, "prospect", record.prospect)
        company = self._entity(record.id, "company", record.company)
        if prospect is not None:
            data["prospect"] = prospect
        if company is not None:
            data["company"] = company
        try:
            return Call.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = [str(p) for p in err["loc"]]
            entity = loc[0] if loc and loc[0] in ("prospect", "company") else "call"
            name = loc[1] if entity != "call" and len(loc) > 1 else (loc[0] if loc else "?")
            spec = self.specs[entity].get(name)
            crm = "+".join(spec.fields) if spec else "?"
            raise MappingError(record.id, f"{entity}.{name} <- {crm}", err["msg"], self.source) from None

    def output_values(self, outputs: AbcMapping[str, Any]) -> dict[str, Any]:
        """Rename canonical outputs to the call's CRM fields; outputs with no mapped field are dropped."""
        return {self.output[k]: v for k, v in outputs.items() if k in self.output}


def _convert(value: Any, spec: FieldSpec) -> Any:
    kind = spec.type
    if kind == "str":
        return str(value)
    if kind == "html":
        text = _BREAK.sub("\n", str(value))
        return html.unescape(_TAG.sub("", text)).strip()
    if kind in ("int", "float"):
        number = float(value)
        if spec.scale is not None:
            number *= spec.scale
        return round(number) if kind == "int" else number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not a boolean")
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "list":
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if str(v).strip())
        return tuple(p.strip() for p in str(value).split(spec.separator) if p.strip())
    raise ValueError(f"unknown type {kind}")


def parse_datetime(value: Any) -> datetime:
    """Read an ISO 8601 string, a Salesforce timestamp (+0000) or epoch milliseconds as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
