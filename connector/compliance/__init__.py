"""Telemarketing compliance applied to every follow-up call (see docs/compliance.md).

Public surface:

- `ComplianceSettings` - the `[compliance]` config table (per-country policies, presets).
- `apply_compliance(result, call, settings, history, optouts, now)` - pure; moves, keeps or blocks each
  follow-up call and records a `ComplianceNote` per decision; marks objections as opted_out.
- `ContactEvent` (`.from_mapping(row)`) - one earlier call used for caps and refusal cool-downs.
- `OptOutList` (protocol), `OptOutSet`, `OptOutLookup`, `iter_optout_csv`, `BadRow` - opposition lists.
- `normalize_phone` - E.164 via `phonenumbers`.
- `explain_rule`, `audit_csv_row`, `AUDIT_COLUMNS` - audit trail.
"""

from connector.compliance.apply import apply_compliance
from connector.compliance.audit import AUDIT_COLUMNS, audit_csv_row
from connector.compliance.history import ContactEvent
from connector.compliance.optout import BadRow, OptOutList, OptOutLookup, OptOutSet, iter_optout_csv
from connector.compliance.phone import normalize_phone
from connector.compliance.rules import explain_rule
from connector.compliance.settings import ComplianceSettings, Policy, available_presets, load_preset

__all__ = [
    "AUDIT_COLUMNS",
    "BadRow",
    "ComplianceSettings",
    "ContactEvent",
    "OptOutList",
    "OptOutLookup",
    "OptOutSet",
    "Policy",
    "apply_compliance",
    "audit_csv_row",
    "available_presets",
    "explain_rule",
    "iter_optout_csv",
    "load_preset",
    "normalize_phone",
]
