"""A/B variants and compliance through the real wiring (config → app.make_pipeline → run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from adapters.local import LocalCRM
from connector import app as wiring
from connector.config import load_settings
from connector.pipeline import run_pipeline
from connector.store import open_store
from connector.store import tables as t
from tests.conftest import FakeClock
from tests.factories import make_calls


def setup(tmp_path: Path, extra: str) -> tuple[Any, Any, LocalCRM]:
    crm = LocalCRM(tmp_path / "crm.sqlite")
    crm.import_calls(make_calls(60))
    crm.close()
    config = tmp_path / "q.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///state.sqlite"\n[pipelines.ab]\ncrm = "local"\n'
        f'[pipelines.ab.connection]\npath = "crm.sqlite"\n{extra}',
        encoding="utf-8",
    )
    settings = load_settings(config)
    store = open_store(settings.store.resolved_url({}, settings.base_dir))
    return settings, store, LocalCRM(tmp_path / "crm.sqlite")


def test_split_assigns_variants_deterministically_and_writes_them_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    extra = (
        '[pipelines.ab.ab]\nunit = "prospect"\nmode = "split"\n'
        '[pipelines.ab.ab.variants.control]\nrules = "bant"\n'
        '[pipelines.ab.ab.variants.champ]\nrules = "champ"\n'
    )
    settings, store, crm = setup(tmp_path, extra)
    result = run_pipeline(wiring.make_pipeline("ab", settings, store, env={}, clock=clock))
    assert result.status == "ok"
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.ledger.c.call_id, t.ledger.c.prospect_id, t.ledger.c.variant)).all()
    by_prospect: dict[str, set[str]] = {}
    for _, prospect, variant in rows:
        by_prospect.setdefault(prospect, set()).add(variant)
    assert all(len(v) == 1 for v in by_prospect.values()), "one prospect, one variant"
    assert {v for vs in by_prospect.values() for v in vs} == {"control", "champ"}
    assert {crm.call_row(call_id)["qualicall_variant"] for call_id, _, _ in rows} == {"control", "champ"}
    crm.close()
    store.close()


def test_shadow_mode_writes_only_the_control(tmp_path: Path, clock: FakeClock) -> None:
    extra = (
        '[pipelines.ab.ab]\nmode = "shadow"\ncontrol = "bant"\n'
        '[pipelines.ab.ab.variants.bant]\nrules = "bant"\n[pipelines.ab.ab.variants.champ]\nrules = "champ"\n'
    )
    settings, store, crm = setup(tmp_path, extra)
    run_pipeline(wiring.make_pipeline("ab", settings, store, env={}, clock=clock))
    with store.engine.connect() as conn:
        variants = {v for (v,) in conn.execute(sa.select(t.ledger.c.variant))}
        shadow = conn.execute(
            sa.select(t.shadow_results.c.variant, sa.func.count()).group_by("variant")
        ).all()
    assert variants == {"bant"}
    assert shadow == [("champ", 60)]
    assert crm.call_row("c0000")["qualicall_variant"] == "bant"
    crm.close()
    store.close()


def test_consumer_without_consent_gets_no_callback_and_the_decision_is_audited(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings, store, crm = setup(tmp_path, "")
    calls = make_calls(3, prefix="x")
    connected, unanswered = (
        c.model_copy(update={"prospect": c.prospect.model_copy(update={"consumer": True, "id": f"px{i}"})})  # type: ignore[union-attr]
        for i, c in ((0, calls[0]), (2, calls[2]))
    )
    crm.import_calls([connected, unanswered])
    run_pipeline(wiring.make_pipeline("ab", settings, store, env={}, clock=clock))
    row = crm.call_row(connected.id)
    assert (row["qualicall_status"], row["qualicall_reason"]) == ("disqualified", "opted_out")
    assert crm.call_row(unanswered.id)["qualicall_status"] == "unreached"
    tasks = {task["call_id"] for task in crm.all_tasks()}
    assert connected.id not in tasks and unanswered.id not in tasks, "no call to a consumer without consent"
    with store.engine.connect() as conn:
        audit = conn.execute(sa.select(t.compliance_log.c.call_id, t.compliance_log.c.action)).all()
    assert (unanswered.id, "blocked") in audit, "every compliance decision is recorded"
    crm.close()
    store.close()
