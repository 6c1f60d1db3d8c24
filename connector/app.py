"""Wiring: from validated settings to ready objects (store, adapters, decision function, pipelines).

This is the only place that reads the real clock and the process environment; everything it builds
takes them as parameters, so tests build the same objects with a fake clock and a test environment.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from adapters.base import Adapter
from adapters.registry import build_adapter
from connector.compliance import ContactEvent, apply_compliance
from connector.compliance.optout import OptOutLookup
from connector.config import PipelineSettings, Settings
from connector.model import Call, Result
from connector.pipeline import Pipeline, Qualifier, e164
from connector.rules import Ruleset, load_ruleset, qualify
from connector.store import Store, open_store
from connector.store.tables import utc_naive
from connector.variants import VariantSettings, assign_variant


def utc_now() -> datetime:
    """The real clock (aware UTC)."""
    return datetime.now(UTC)


def open_state(settings: Settings, env: Mapping[str, str]) -> Store:
    """Open (and migrate) the state store named by the settings."""
    return open_store(settings.store.resolved_url(env, settings.base_dir))


def make_adapter(
    ps: PipelineSettings,
    *,
    env: Mapping[str, str],
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
) -> Adapter:
    """Build the pipeline's adapter from its connection settings."""
    return build_adapter(
        ps.crm, ps.connection_settings, ps.build_mapping(), env=env, clock=clock, sleep=sleep
    )


def _history_events(store: Store, call: Call) -> list[ContactEvent]:
    prospect = call.prospect
    rows = store.contact_history(prospect.id if prospect else None, e164(call), call.occurred_at, call.id)
    return [ContactEvent.from_mapping(r) for r in rows]


def _shadow_row(call: Call, variant: str, result: Result, now: datetime) -> dict[str, Any]:
    return {
        "call_id": call.id,
        "variant": variant,
        "ruleset": result.ruleset,
        "status": result.status,
        "reason": result.reason,
        "next_step": result.next_step,
        "score": result.score,
        "decided_at": utc_naive(now),
    }


def make_qualifier(
    name: str, ps: PipelineSettings, settings: Settings, store: Store, ruleset: Ruleset
) -> tuple[Qualifier, str]:
    """The decision function of a pipeline and the salt of its fingerprints.

    Engine → A/B variant (split: the variant's ruleset decides; shadow: the control decides and the
    others are recorded in shadow_results) → compliance policy. The salt changes whenever something
    that decides changes (ruleset versions, variant split, compliance policy), so calls are re-qualified.
    """
    compliance = settings.compliance_settings
    optouts = OptOutLookup(store.is_opted_out)
    variants: dict[str, Ruleset] = {}
    ab: VariantSettings | None = ps.ab_settings
    if ab is not None:
        variants = ab.load_rulesets(ps.rules)

    def decide(call: Call, now: datetime) -> Result:
        if ab is None:
            result = qualify(call, ruleset, now)
        elif ab.mode == "shadow":
            result = replace(qualify(call, variants[ab.control], now), variant=ab.control)
            shadow = [(v, qualify(call, rs, now)) for v, rs in variants.items() if v != ab.control]
            store.save_shadow(name, [_shadow_row(call, v, r, now) for v, r in shadow])
        else:
            chosen = assign_variant(call, ab)
            result = replace(qualify(call, variants[chosen], now), variant=chosen)
        return apply_compliance(result, call, compliance, _history_events(store, call), optouts, now)

    salt_parts = {
        "ruleset": ruleset.version,
        "variants": {v: rs.version for v, rs in variants.items()},
        "ab": ab.model_dump(mode="json") if ab is not None else None,
        "compliance": compliance.model_dump(mode="json") if compliance is not None else None,
    }
    salt = hashlib.sha256(json.dumps(salt_parts, sort_keys=True, default=str).encode()).hexdigest()
    return decide, salt


def make_pipeline(
    name: str,
    settings: Settings,
    store: Store,
    *,
    env: Mapping[str, str],
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
    dry_run: bool | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Pipeline:
    """A ready-to-run pipeline for the named pipeline of the settings."""
    [(_, ps)] = settings.pipeline(name)
    ruleset = load_ruleset(ps.rules)
    qualifier, salt = make_qualifier(name, ps, settings, store, ruleset)
    return Pipeline(
        name=name,
        adapter=make_adapter(ps, env=env, clock=clock, sleep=sleep),
        store=store,
        mapping=ps.build_mapping(),
        ruleset=ruleset,
        clock=clock,
        qualifier=qualifier,
        dry_run=ps.dry_run if dry_run is None else dry_run,
        batch_size=ps.batch_size,
        stop=stop or threading.Event(),
        on_page=on_page,
        fingerprint_salt=salt,
    )
