"""`KpiSettings`: the `[kpi]` table of the config (meeting window, costs, teams, A/B and signal thresholds).

Every field has a safe default, so an empty `[kpi]` table (or none) gives a report with zero costs.
Money amounts are in `currency`; they are never converted.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class KpiSettings(BaseModel):
    """Settings of the KPI report.

    Costs (all optional, summed): `cost_per_rep_hour` × rep hours (talk time plus
    `handling_overhead_s` per call), `cost_per_call` × calls handled, `monthly_fixed` (name → amount
    per calendar month, e.g. tools, outsourcing) spread over the days of each month, and
    `period_amounts` ("YYYY-MM" → amount spent in that month) spread the same way.
    """

    model_config = ConfigDict(extra="forbid")

    meeting_window_days: int = Field(default=30, ge=1, le=3650)
    currency: str = Field(default="EUR", min_length=1, max_length=8)
    cost_per_rep_hour: float = Field(default=0.0, ge=0)
    handling_overhead_s: int = Field(default=0, ge=0, description="Rep time per call beyond talk time")
    cost_per_call: float = Field(default=0.0, ge=0)
    monthly_fixed: dict[str, float] = Field(default_factory=dict)
    period_amounts: dict[str, float] = Field(default_factory=dict)
    teams: dict[str, str] = Field(default_factory=dict, description="rep (call owner) -> team")
    ab_min_sample: int = Field(default=30, ge=1, description="Fewer calls per variant: 'sample too small'")
    signal_min_calls: int = Field(default=5, ge=1, description="Ignore signals seen in fewer calls")
    top_signals: int = Field(default=15, ge=1, le=500)

    @field_validator("monthly_fixed", "period_amounts")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in value.items() if v < 0]
        if bad:
            raise ValueError(f"amounts must be >= 0 (see {', '.join(sorted(bad))})")
        return value

    @field_validator("period_amounts")
    @classmethod
    def _month_keys(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k in value if not _MONTH.match(k)]
        if bad:
            raise ValueError(f"keys must be months written YYYY-MM (got {', '.join(sorted(bad))})")
        return value
