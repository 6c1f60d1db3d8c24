"""Formatting shared by the terminal, HTML and CSV outputs (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RATE_LABELS = {
    "qualified_call_rate": "Qualified-call rate",
    "post_qualification_conversion": "Post-qualification conversion",
    "opportunity_rate_per_qualified_call": "Opportunities per qualified call",
    "opportunity_rate_per_meeting": "Opportunities per meeting held",
    "connected_rate": "Connected rate",
    "qualified_per_connected": "Qualified per connected call",
}
SLICE_LABELS = {
    "rep": "Rep",
    "team": "Team",
    "source": "Source / campaign",
    "language": "Language",
    "ruleset": "Ruleset",
    "variant": "Variant",
}


def percent(value: float | None, digits: int = 1) -> str:
    """0.2777… -> "27.8 %"; None -> "—"."""
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def rate_text(block: Mapping[str, Any]) -> str:
    """A rate block as "30.0 %" or its message ("no qualified calls yet")."""
    value = block.get("value")
    return str(block.get("message") or "—") if value is None else percent(float(value))


def money(value: float | None, currency: str) -> str:
    """1234.5 -> "1,234.50 EUR"; None -> "—"."""
    return "—" if value is None else f"{value:,.2f} {currency}"


def cost_text(block: Mapping[str, Any], currency: str) -> str:
    """The cost-per-qualified-call block as money or its message."""
    value = block.get("value")
    return str(block.get("message") or "—") if value is None else money(float(value), currency)


def days(value: float | None) -> str:
    """12.25 -> "12.2 d"; None -> "—"."""
    return "—" if value is None else f"{value:.1f} d"


def key_text(key: Any) -> str:
    """A slice key for display: None (calls without that attribute) -> "(none)"."""
    return "(none)" if key is None else str(key)
