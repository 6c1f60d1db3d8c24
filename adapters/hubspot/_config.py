"""Connection settings of the HubSpot adapter (`[pipelines.<name>.connection]` with crm = "hubspot").

Secrets are never fields: `token_env` names the environment variable holding the private-app or OAuth
access token. Limits are the portal's: HubSpot grants 100, 190 or 250 requests per 10 s depending on
the subscription, 5 search requests per second, and a daily allowance shared by every integration of
the portal, of which Qualicall may use `daily_share`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

DEFAULT_BASE_URL = "https://api.hubapi.com"


class Connection(BaseModel):
    """Validated `[connection]` table for HubSpot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_env: str = Field(default="HUBSPOT_TOKEN", min_length=1, description="Env var holding the token")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="API root (sandbox, proxy or test server)")
    burst_per_10s: Literal[100, 190, 250] = Field(default=100, description="Portal burst limit per 10 s")
    search_per_s: int = Field(default=5, ge=1, le=5, description="Search requests per second")
    daily_limit: int = Field(default=250_000, ge=1, description="Portal daily request allowance")
    daily_share: float = Field(default=0.5, gt=0, le=1, description="Fraction of the daily allowance to use")
    page_size: int = Field(default=200, ge=1, le=200, description="Search page size (HubSpot max 200)")
    read_batch: int = Field(
        default=1000, ge=1, le=1000, description="Calls gathered per page (associations v4 reads take 1000)"
    )
    timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP request")
    max_attempts: int = Field(default=6, ge=1, le=20, description="Tries per request (429 / 5xx / resets)")
    settle_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Leave calls modified in the last N seconds to the next run: HubSpot's search index lags "
        "behind writes, so a run must not move its cursor past changes the index may not show yet",
    )
    track_deletions: bool = Field(default=True, description="Report deleted calls (lists archived calls)")
    cache_size: int = Field(default=20_000, ge=0, description="Related records kept between pages")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        HttpUrl(value)  # raises a ValidationError naming the field when malformed
        return value.rstrip("/")
