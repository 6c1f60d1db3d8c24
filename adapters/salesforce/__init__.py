"""The Salesforce adapter: calls are Task rows (TaskSubtype = 'Call' by default).

Exposes `Connection` (settings), `build(connection, mapping, *, env, clock, sleep)` (adapters/registry.py),
`SalesforceAdapter`, and `setup(adapter, vocabulary, *, apply, out_dir)` for `qualicall setup
salesforce`. Modules: `config` (settings, secrets), `_http` (the session: timeouts, CA, login redirect,
Sforce-Limit-Info budget), `_errors` (errors as data), `_client` (login, re-login, retries), `_soql`
(queries, quoting), `_records` (JSON ↔ contract records), `_bulk` (Bulk API 2.0 backfill), `_composite`
(lookups batched in Composite requests), `adapter`, `setup`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import requests

from adapters.salesforce._client import SalesforceClient
from adapters.salesforce._http import ApiBudget, make_session
from adapters.salesforce.adapter import SalesforceAdapter
from adapters.salesforce.config import Connection, read_secrets
from adapters.salesforce.setup import FieldCheck, SetupAction, field_checks, setup
from connector.mapping import Mapping as FieldMapping

__all__ = [
    "Connection",
    "FieldCheck",
    "SalesforceAdapter",
    "SetupAction",
    "build",
    "connect",
    "field_checks",
    "setup",
]


def connect(
    connection: Connection,
    mapping: FieldMapping,
    *,
    env: Mapping[str, str],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    session: requests.Session | None = None,
) -> SalesforceAdapter:
    """Like `build`, optionally with a caller-made session (its budget hook is added here).

    Nothing is sent until the first call (login is lazy). Raises ConfigError naming every missing
    environment variable.
    """
    secrets = read_secrets(connection, env)
    budget = ApiBudget(connection.daily_share)
    if session is None:
        session = make_session(
            budget,
            domain=connection.domain,
            timeout=connection.timeout_s,
            login_url=connection.login_url,
            ca_file=connection.ca_file,
        )
    else:
        session.hooks["response"].append(budget.observe)
    client = SalesforceClient(connection, secrets, session, budget, sleep)
    return SalesforceAdapter(client, mapping, clock=clock)


def build(
    connection: Connection,
    mapping: FieldMapping,
    *,
    env: Mapping[str, str],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> SalesforceAdapter:
    """A ready Salesforce adapter from validated settings (adapters/registry.py contract)."""
    return connect(connection, mapping, env=env, clock=clock, sleep=sleep)
