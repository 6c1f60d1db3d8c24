"""Check request bodies against hubspot-api-client's generated model classes (not copies of the specs).

`parse(model_cls, data)` builds the SDK model from JSON the way the API reads it: every JSON key must be
in the class's `attribute_map`, nested values must match `openapi_types` (lists, dicts, scalars, other
models of the same package), and the constructor's own checks apply (required fields, enum values).
It raises `BadRequest` naming the offending path.
"""

from __future__ import annotations

import importlib
from typing import Any


class BadRequest(Exception):
    """A request body that HubSpot would refuse with 400 VALIDATION_ERROR."""


_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "object": (object,),
    "datetime": (str,),
    "date": (str,),
}


def _convert(typ: str, value: Any, package: str, path: str) -> Any:
    if value is None:
        return None
    if typ.startswith("list["):
        if not isinstance(value, list):
            raise BadRequest(f"{path}: expected a list")
        return [_convert(typ[5:-1], v, package, f"{path}[{i}]") for i, v in enumerate(value)]
    if typ.startswith("dict["):
        if not isinstance(value, dict):
            raise BadRequest(f"{path}: expected an object")
        inner = typ[5:-1].split(", ", 1)[1]
        return {k: _convert(inner, v, package, f"{path}.{k}") for k, v in value.items()}
    if typ in _SCALARS:
        kinds = _SCALARS[typ]
        if not isinstance(value, kinds) or (typ in ("int", "float") and isinstance(value, bool)):
            raise BadRequest(f"{path}: expected {typ}")
        return value
    models = importlib.import_module(f"{package}.models")
    return parse(getattr(models, typ), value, path)


def parse(model_cls: type, data: Any, path: str = "body") -> Any:
    """The SDK model built from `data`; BadRequest when HubSpot's model would not accept it."""
    if not isinstance(data, dict):
        raise BadRequest(f"{path}: expected an object")
    attribute_map: dict[str, str] = model_cls.attribute_map  # type: ignore[attr-defined]
    types: dict[str, str] = model_cls.openapi_types  # type: ignore[attr-defined]
    by_json = {v: k for k, v in attribute_map.items()}
    unknown = sorted(set(data) - set(by_json))
    if unknown:
        raise BadRequest(f"{path}: unknown field(s) {unknown} for {model_cls.__name__}")
    package = model_cls.__module__.rsplit(".models", 1)[0]
    kwargs = {
        by_json[key]: _convert(types[by_json[key]], value, package, f"{path}.{key}")
        for key, value in data.items()
    }
    try:
        return model_cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise BadRequest(f"{path}: {exc}") from None
