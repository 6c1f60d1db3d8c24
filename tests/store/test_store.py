"""The state store on a real SQLite file and on the real PostgreSQL server (one suite, both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.store import Decision, Store, open_store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = open_store(url)
    yield s
    if request.param == "postgres":
        with s.engine.begin() as conn:
            for table in (
                "cursors",
                "ledger",
                "outbox",
                "runs",
                "record_errors",
                "leases",
                "outcomes",
                "optout_numbers",
                "compliance_log",
                "signals",
                "shadow_results",
            ):
                conn.execute(sa.text(f"DELETE FROM {table}"))
    s.close()


def decision(call_id: str, fingerprint: str = "f1", **over: object) -> Decision:
    base = dict(
        call_id=call_id,
        fingerprint=fingerprint,
        ruleset="bant-x",
        variant=None,
        status="qualified",
        reason=None,
        next_step="demo",
        score=80.0,
        language="fr",
        occurred_at=NOW - timedelta(days=1),
        outcome="connected",
        direction="outbound",
        duration_s=300,
        owner="Camille",
        source="q4",
        prospect_id="p1",
        company_id="c1",
        phone="+33612345678",
        consumer=False,
        recontact_on=None,
        outputs={"status": "qualified"},
        evidence=[{"criterion": "need", "state": "met"}],
        decided_at=NOW,
    )
    base.update(over)
    return Decision(**base)  # type: ignore[arg-type]


def test_migrations_are_applied_and_idempotent(store: Store) -> None:
    assert store.schema_version() == "0001"
    store.migrate()
    assert store.schema_version() == "0001"


def test_cursor_roundtrip(store: Store) -> None:
    assert store.get_cursor("p") is None
    store.set_cursor("p", {"seq": 5, "id": "a'b"}, NOW)
    store.set_cursor("p", {"seq": 7, "id": "z"}, NOW)
    assert store.get_cursor("p") == {"seq": 7, "id": "z"}
    assert store.get_cursor("other") is None


def test_lease_excludes_a_second_owner_until_expiry(store: Store) -> None:
    other = Store(store.engine)
    other.owner = "another-host:1"
    assert store.acquire_lease("pipeline:x", NOW, timedelta(minutes=10))
    assert store.acquire_lease("pipeline:x", NOW, timedelta(minutes=10)), "renewal by the holder"
    assert not other.acquire_lease("pipeline:x", NOW + timedelta(minutes=5), timedelta(minutes=10))
    assert other.acquire_lease("pipeline:x", NOW + timedelta(minutes=11), timedelta(minutes=10)), "expired"
    assert not store.acquire_lease("pipeline:x", NOW + timedelta(minutes=12), timedelta(minutes=10))
    other.release_lease("pipeline:x")
    assert store.acquire_lease("pipeline:x", NOW + timedelta(minutes=12), timedelta(minutes=10))


def test_decisions_and_outbox_are_recorded_together_and_settled(store: Store) -> None:
    items = [
        ("c1", "update", "upd:c1:1", {"record_id": "c1", "fields": {"s": 1}}),
        ("c1", "task", "qc-1", {"subject": "x"}),
        ("c2", "task", "qc-2", {"subject": "y"}),
    ]
    store.record_decisions("p", [decision("c1"), decision("c2")], items)
    assert store.fingerprints("p", ["c1", "c2", "c3"]) == {"c1": "f1", "c2": "f1"}
    assert store.count_pending("p") == 3
    assert store.ledger_row("p", "c1")["state"] == "pending"  # type: ignore[index]
    assert [i.key for i in store.pending("p", "task", 10)] == ["qc-1", "qc-2"]
    assert [i.key for i in store.pending("p", "task", 10, ["c2"])] == ["qc-2"]

    store.settle("p", [("upd:c1:1", "c1"), ("qc-1", "t1")], [("qc-2", "UNABLE_TO_LOCK_ROW", True)], NOW, 3)
    assert store.ledger_row("p", "c1")["state"] == "applied"  # type: ignore[index]
    assert store.ledger_row("p", "c2")["state"] == "pending"  # type: ignore[index]
    assert store.count_pending("p") == 1
    # retriable failures are parked after max attempts, and the ledger shows the call as failed
    store.settle("p", [], [("qc-2", "UNABLE_TO_LOCK_ROW", True)], NOW, 3)
    assert store.count_pending("p") == 1
    store.settle("p", [], [("qc-2", "UNABLE_TO_LOCK_ROW", True)], NOW, 3)
    assert store.count_pending("p") == 0
    assert store.outbox_counts("p") == {"applied": 2, "parked": 1}
    assert store.ledger_row("p", "c2")["state"] == "failed"  # type: ignore[index]
    parked = store.outbox_items("p", ["parked"])
    assert parked[0]["last_error"] == "UNABLE_TO_LOCK_ROW" and parked[0]["attempts"] == 3


def test_re_recording_an_applied_write_with_the_same_payload_does_not_resend_it(store: Store) -> None:
    item = ("c1", "task", "qc-1", {"subject": "x"})
    store.record_decisions("p", [decision("c1")], [item])
    store.settle("p", [("qc-1", "t1")], [], NOW, 3)
    store.record_decisions("p", [decision("c1", "f2")], [item])
    assert store.count_pending("p") == 0
    store.record_decisions("p", [decision("c1", "f3")], [("c1", "task", "qc-1", {"subject": "changed"})])
    assert store.count_pending("p") == 1


def test_permanent_failure_is_parked_at_once_and_errors_are_listed(store: Store) -> None:
    store.record_decisions("p", [decision("c1")], [("c1", "update", "u1", {"record_id": "c1", "fields": {}})])
    store.settle("p", [], [("u1", "FIELD_CUSTOM_VALIDATION_EXCEPTION: no", False)], NOW, 5)
    assert store.outbox_counts("p") == {"parked": 1}
    store.record_error("p", "c9", "mapping", "record c9: field call.occurred_at: bad", NOW)
    store.record_error("p", "c9", "mapping", "record c9: field call.occurred_at: worse", NOW)
    errors = store.record_errors("p")
    assert len(errors) == 1 and errors[0]["message"].endswith("worse")
    store.clear_errors("p", ["c9"], "mapping")
    assert store.record_errors("p") == []


def test_runs_outcomes_optouts_history_and_audit(store: Store) -> None:
    run_id = store.start_run("p", NOW)
    store.finish_run(run_id, "ok", {"calls_read": 3}, None, NOW + timedelta(seconds=2))
    [run] = store.runs("p")
    assert run["status"] == "ok" and run["stats"] == {"calls_read": 3}

    saved = store.save_outcomes(
        "p",
        [
            {
                "kind": "meeting",
                "id": f"m{i}",
                "occurred_at": NOW,
                "prospect_id": "p1",
                "company_id": None,
                "amount": None,
            }
            for i in range(1200)
        ],
    )
    assert saved == 1200
    assert (
        store.save_outcomes(
            "p",
            [
                {
                    "kind": "meeting",
                    "id": "m1",
                    "occurred_at": NOW,
                    "prospect_id": "p2",
                    "company_id": None,
                    "amount": None,
                }
            ],
        )
        == 1
    )

    assert store.add_optouts(["+33612345678", "+33612345678", "+33700000000"], "bloctel.csv", NOW) == 3
    assert store.is_opted_out("+33612345678") and not store.is_opted_out("+33100000000")

    store.record_decisions(
        "p",
        [
            decision("a", occurred_at=NOW - timedelta(days=3)),
            decision("b", occurred_at=NOW - timedelta(days=2), phone="+33699999999"),
            decision("c", occurred_at=NOW - timedelta(days=1), prospect_id="other", phone=None),
        ],
        [],
    )
    history = store.contact_history("p1", "+33612345678", NOW, exclude_call="zzz")
    assert [h["call_id"] for h in history] == ["a", "b"]
    assert history[0]["occurred_at"].tzinfo is not None

    store.log_compliance(
        "p",
        [
            {
                "call_id": "a",
                "follow_up_key": "k",
                "action": "moved",
                "rule": "FR.window",
                "detail": "Saturday",
                "due_at": None,
                "decided_at": NOW.replace(tzinfo=None),
            }
        ],
    )
    assert [e["rule"] for e in store.compliance_entries(NOW - timedelta(days=1))] == ["FR.window"]
    assert list(store.compliance_entries(NOW + timedelta(days=1))) == []
