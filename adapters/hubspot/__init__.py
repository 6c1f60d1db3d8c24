"""The HubSpot adapter: incremental calls, batched write-back, exactly-once follow-up tasks, within limits.

Exposes what adapters/registry.py expects (`Connection`, `build`) plus `HubSpotAdapter` and `setup`
(for `qualicall setup hubspot`). Layout, one job per module:

    _config.py     Connection (pydantic, extra="forbid"): token env var name, base URL, portal limits
    _limits.py     Limiter: burst / search windows and the daily share, on an injected clock and sleep
    _errors.py     status / exception → action table; vendor exceptions → connector.errors
    _transport.py  the one network seam: SDK clients (urllib3 retries off), tenacity retries, counting
    _paging.py     pure keyset paging over the search API (10k cap, timestamp ties)
    adapter.py     HubSpotAdapter: pages, associations, batch writes, tasks, outcomes
    _setup.py      setup plan / apply and `check`
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from adapters.hubspot._config import Connection
from adapters.hubspot._limits import Limiter
from adapters.hubspot._setup import SetupAction, plan_properties, setup
from adapters.hubspot._transport import Transport
from adapters.hubspot.adapter import HubSpotAdapter, encode_value
from connector.errors import AuthError
from connector.mapping import Mapping as FieldMapping

__all__ = ["Connection", "HubSpotAdapter", "SetupAction", "build", "encode_value", "plan_properties", "setup"]


def build(
    connection: Connection,
    mapping: FieldMapping,
    *,
    env: Mapping[str, str],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> HubSpotAdapter:
    """A ready HubSpot adapter; the token is read from `env[connection.token_env]` (AuthError if unset)."""
    token = env.get(connection.token_env, "").strip()
    if not token:
        raise AuthError(f"environment variable {connection.token_env} is not set (HubSpot access token)")
    limiter = Limiter(
        burst=connection.burst_per_10s,
        search_per_s=connection.search_per_s,
        daily_limit=connection.daily_limit,
        daily_share=connection.daily_share,
        now=lambda: clock().timestamp(),
        sleep=sleep,
    )
    transport = Transport(connection, token, limiter=limiter, sleep=sleep)
    return HubSpotAdapter(mapping, connection, transport, clock)
