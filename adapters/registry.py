"""Which adapters exist, and how to build one from its validated connection settings.

Each adapter package `adapters/<crm>` exposes:
- `Connection`: a pydantic model (extra="forbid") validating the pipeline's `[connection]` table; secret
  values are never fields, only the *names* of environment variables holding them (`token_env = "..."`);
- `build(connection, mapping, *, env, clock, sleep) -> Adapter`: a ready adapter; `env` is the
  environment mapping to read secrets from, `clock()` returns an aware UTC datetime, `sleep(s)` waits.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from adapters.base import Adapter
from connector.mapping import Mapping as FieldMapping

CRMS = ("local", "hubspot", "salesforce")

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def adapter_module(crm: str) -> ModuleType:
    """The adapter package for `crm` (one of CRMS)."""
    if crm not in CRMS:
        raise ValueError(f"unknown CRM {crm!r} (one of {', '.join(CRMS)})")
    return importlib.import_module(f"adapters.{crm}")


def connection_model(crm: str) -> type[BaseModel]:
    """The pydantic model validating a `[connection]` table for `crm`."""
    model: type[BaseModel] = adapter_module(crm).Connection
    return model


def build_adapter(
    crm: str,
    connection: BaseModel,
    mapping: FieldMapping,
    *,
    env: Mapping[str, str],
    clock: Clock,
    sleep: Sleep,
) -> Adapter:
    """Build the adapter for `crm` from validated settings."""
    build: Any = adapter_module(crm).build
    adapter: Adapter = build(connection, mapping, env=env, clock=clock, sleep=sleep)
    return adapter
