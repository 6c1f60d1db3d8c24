"""Comparing and encoding written values: pure helpers used to plan only the writes that change something.

CRMs return what we wrote in their own shapes (HubSpot: every property as a string, datetimes in ISO
form even when written as epoch milliseconds; Salesforce: numbers as floats, datetimes with +0000).
`same_value(current, new)` answers whether writing `new` over `current` would change anything.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from connector.mapping import parse_datetime

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same_value(current: Any, new: Any) -> bool:
    """True when writing `new` over the CRM's `current` value would not change the field."""
    if _blank(current) or _blank(new):
        return _blank(current) and _blank(new)
    if isinstance(new, bool):
        text = str(current).strip().lower()
        return (text in _TRUE) if new else (text in _FALSE)
    if isinstance(new, int | float):
        try:
            return math.isclose(float(current), float(new), rel_tol=1e-9, abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    if isinstance(new, datetime):
        try:
            return parse_datetime(current) == new
        except (TypeError, ValueError):
            return False
    return str(current).strip() == str(new).strip()


def encode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Make field values JSON-safe for the outbox (datetimes become tagged ISO strings)."""
    return {k: ({"$datetime": v.isoformat()} if isinstance(v, datetime) else v) for k, v in fields.items()}


def decode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Inverse of `encode_fields`."""
    return {
        k: (datetime.fromisoformat(v["$datetime"]) if isinstance(v, dict) and "$datetime" in v else v)
        for k, v in fields.items()
    }
