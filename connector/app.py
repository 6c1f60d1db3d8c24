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

from adapters.base import Adapter
from adapters.registry import build_adapter
from connector.compliance import ContactEvent, apply_compliance
from connector.compliance.optout import OptOutLookup
from connector.config import PipelineSettings, Settings
from connector.model import Call, Result
from connector.pipeline import Pipeline, Qualifier, e164
from connector.rules import Ruleset, load_ruleset, qualify
from connector.store import Store, open_store


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
    ab = ps.ab_settings
    if ab is not None:
        from connector.variants import assign_variant

        variants = {v: load_ruleset(spec) for v, spec in ab.rulesets().items()}

    def decide(call: Call, now: datetime) -> Result:
        result = qualify(call, ruleset, now)
        if ab is not None:
            chosen = assign_variant(call, ab)
            if ab.mode == "shadow":
                shadow = [(v, qualify(call, rs, now)) for v, rs in variants.items() if v != ab.control]
                store.save_shadow(
                    name,
                    [
                        {
                            "call_id": call.id,
                            "variant": v,
                            "ruleset": r.ruleset,
                            "status": r.status,
                            "reason": r.reason,
                            "next_step": r.next_step,
                            "score": r.score,
                            "decided_at": now.replace(tzinfo=None),
                        }
                        for v, r in shadow
                    ],
                )
                result = replace(qualify(call, variants.get(ab.control, ruleset), now), variant=ab.control)
            else:
                result = replace(qualify(call, variants.get(chosen, ruleset), now), variant=chosen)
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
