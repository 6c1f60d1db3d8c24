"""The state store: cursors, ledger, outbox, leases, run log, outcomes, opt-outs and compliance audit.

`open_store(url)` connects (SQLite file by default, PostgreSQL or any SQLAlchemy URL), applies the
Alembic migrations, and returns a `Store`. All methods are short transactions; a method that records
a decision writes the ledger row and its outbox items in ONE transaction, so a decision is durable
before anything is sent to the CRM (crash safety: see connector/pipeline.py).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.dialects import postgresql, sqlite

from connector.store import tables as t
from connector.store.tables import as_aware, utc_naive

__all__ = ["Decision", "OutboxItem", "Store", "open_store"]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A planned CRM write. kind: "update" (call fields), "prospect" (prospect fields) or "task"."""

    id: int
    call_id: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything the ledger records about one call's decision (see tables.ledger)."""

    call_id: str
    fingerprint: str
    ruleset: str
    variant: str | None
    status: str
    reason: str | None
    next_step: str
    score: float
    language: str
    occurred_at: datetime
    outcome: str
    direction: str
    duration_s: int | None
    owner: str | None
    source: str | None
    prospect_id: str | None
    company_id: str | None
    phone: str | None
    consumer: bool
    recontact_on: date | None
    outputs: Mapping[str, Any]
    evidence: Sequence[Mapping[str, Any]]
    decided_at: datetime


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("connector.store") / "migrations"))
    return cfg


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_store(url: str) -> Store:
    """Connect to `url`, bring its schema to the latest migration, and return the store."""
    engine = sa.create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    store.migrate()
    return store


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Store:
    """Typed access to the state tables. Thread-safe (one connection per call via the engine pool)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.owner = _owner_id()

    # -- schema -----------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Apply every pending Alembic migration (idempotent; safe to run at each start)."""
        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_version(self) -> str | None:
        """The applied Alembic revision."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.engine.dispose()

    def _upsert(self, conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        keys = [c.name for c in table.primary_key.columns]
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(table)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
        if update:
            conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update), list(rows))
        else:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=keys), list(rows))

    # -- cursors ----------------------------------------------------------------------------------
    def get_cursor(self, pipeline: str) -> dict[str, Any] | None:
        """The saved cursor of a pipeline, or None before its first run."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(t.cursors.c.value).where(t.cursors.c.pipeline == pipeline)
            ).scalar()
        return None if value is None else dict(value)

    def set_cursor(self, pipeline: str, value: Mapping[str, Any], now: datetime) -> None:
        """Save the cursor (only after every write of the records before it is applied or parked)."""
        with self.engine.begin() as conn:
            self._upsert(
                conn, t.cursors, [{"pipeline": pipeline, "value": dict(value), "updated_at": utc_naive(now)}]
            )

    # -- leases -----------------------------------------------------------------------------------
    def acquire_lease(self, name: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew lease `name` for this process until now+ttl; False if another owner holds it."""
        expires = utc_naive(now + ttl)
        current = utc_naive(now)
        with self.engine.begin() as conn:
            taken = conn.execute(
                sa.update(t.leases)
                .where(t.leases.c.name == name)
                .where(sa.or_(t.leases.c.owner == self.owner, t.leases.c.expires_at < current))
                .values(owner=self.owner, expires_at=expires)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(sa.select(t.leases.c.owner).where(t.leases.c.name == name)).first()
            if exists is not None:
                return False
            insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
            result = conn.execute(
                insert(t.leases)
                .values(name=name, owner=self.owner, expires_at=expires)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            return bool(result.rowcount)

    def release_lease(self, name: str) -> None:
        """Give the lease back (only if this process holds it)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.leases).where(t.leases.c.name == name, t.leases.c.owner == self.owner))

    # -- ledger -----------------------------------------------------------------------------------
    def fingerprints(self, pipeline: str, call_ids: Sequence[str]) -> dict[str, str]:
        """Fingerprint recorded for each known call (the caller compares it to decide to skip)."""
        if not call_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.ledger.c.call_id, t.ledger.c.fingerprint).where(
                    t.ledger.c.pipeline == pipeline, t.ledger.c.call_id.in_(list(call_ids))
                )
            )
            return {row.call_id: row.fingerprint for row in rows}

    def record_decisions(
        self,
        pipeline: str,
        decisions: Sequence[Decision],
        items: Sequence[tuple[str, str, str, Mapping[str, Any]]],
    ) -> None:
        """Durably record decisions and their planned writes in one transaction.

        `items` are (call_id, kind, key, payload). An outbox key already present is replaced only if it
        is not applied yet; an applied one is left alone unless its payload changed (a new decision).
        """
        now = decisions[0].decided_at if decisions else None
        with_writes = {item[0] for item in items}
        with self.engine.begin() as conn:
            self._upsert(
                conn,
                t.ledger,
                [
                    {
                        "pipeline": pipeline,
                        "call_id": d.call_id,
                        "fingerprint": d.fingerprint,
                        "ruleset": d.ruleset,
                        "variant": d.variant,
                        "status": d.status,
                        "reason": d.reason,
                        "next_step": d.next_step,
                        "score": d.score,
                        "language": d.language,
                        "occurred_at": utc_naive(d.occurred_at),
                        "outcome": d.outcome,
                        "direction": d.direction,
                        "duration_s": d.duration_s,
                        "owner": d.owner,
                        "source": d.source,
                        "prospect_id": d.prospect_id,
                        "company_id": d.company_id,
                        "phone": d.phone,
                        "consumer": d.consumer,
                        "recontact_on": d.recontact_on,
                        "outputs": dict(d.outputs),
                        "evidence": list(d.evidence),
                        "state": "pending" if d.call_id in with_writes else "applied",
                        "decided_at": utc_naive(d.decided_at),
                        "applied_at": None,
                    }
                    for d in decisions
                ],
            )
            if not items or now is None:
                return
            stamp = utc_naive(now)
            keys = [key for _, _, key, _ in items]
            existing = {
                row.key: (row.state, row.payload)
                for row in conn.execute(
                    sa.select(t.outbox.c.key, t.outbox.c.state, t.outbox.c.payload).where(
                        t.outbox.c.pipeline == pipeline, t.outbox.c.key.in_(keys)
                    )
                )
            }
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for call_id, kind, key, payload in items:
                previous = existing.get(key)
                if previous is None:
                    inserts.append(
                        {
                            "pipeline": pipeline,
                            "call_id": call_id,
                            "kind": kind,
                            "key": key,
                            "payload": dict(payload),
                            "state": "pending",
                            "attempts": 0,
                            "created_at": stamp,
                            "updated_at": stamp,
                        }
                    )
                elif previous[1] != dict(payload) or previous[0] != "applied":
                    updates.append({"k": key, "payload": dict(payload), "updated_at": stamp})
            if inserts:
                conn.execute(sa.insert(t.outbox), inserts)
            if updates:
                conn.execute(
                    sa.update(t.outbox)
                    .where(t.outbox.c.pipeline == pipeline, t.outbox.c.key == sa.bindparam("k"))
                    .values(state="pending", last_error=None),
                    updates,
                )

    def known_keys(self, pipeline: str, keys: Sequence[str]) -> set[str]:
        """Which of these outbox keys this pipeline has planned before (in any state)."""
        if not keys:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.outbox.c.key).where(
                    t.outbox.c.pipeline == pipeline, t.outbox.c.key.in_(list(keys))
                )
            )
            return {r.key for r in rows}

    def ledger_row(self, pipeline: str | None, call_id: str) -> dict[str, Any] | None:
        """The ledger row of a call (any pipeline when None), as a dict with aware datetimes."""
        query = sa.select(t.ledger).where(t.ledger.c.call_id == call_id)
        if pipeline is not None:
            query = query.where(t.ledger.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(t.ledger.c.decided_at.desc())).mappings().first()
        if row is None:
            return None
        out = dict(row)
        for key in ("occurred_at", "decided_at", "applied_at"):
            out[key] = as_aware(out[key])
        return out

    def save_signals(self, pipeline: str, rows: Sequence[Mapping[str, Any]], call_ids: Sequence[str]) -> None:
        """Replace the signal rows of the given calls."""
        with self.engine.begin() as conn:
            if call_ids:
                conn.execute(
                    sa.delete(t.signals).where(
                        t.signals.c.pipeline == pipeline, t.signals.c.call_id.in_(call_ids)
                    )
                )
            if rows:
                self._upsert(conn, t.signals, [{"pipeline": pipeline, **r} for r in rows])

    def save_shadow(self, pipeline: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Record shadow-mode decisions of non-written variants."""
        with self.engine.begin() as conn:
            self._upsert(conn, t.shadow_results, [{"pipeline": pipeline, **r} for r in rows])

    # -- outbox -----------------------------------------------------------------------------------
    def pending(
        self, pipeline: str, kind: str, limit: int, call_ids: Sequence[str] | None = None, after_id: int = 0
    ) -> list[OutboxItem]:
        """Pending outbox items of one kind with id > after_id, oldest first (optionally of given calls)."""
        query = sa.select(t.outbox).where(
            t.outbox.c.pipeline == pipeline,
            t.outbox.c.state == "pending",
            t.outbox.c.kind == kind,
            t.outbox.c.id > after_id,
        )
        if call_ids is not None:
            query = query.where(t.outbox.c.call_id.in_(list(call_ids)))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.outbox.c.id).limit(limit)).mappings().all()
        return [
            OutboxItem(r["id"], r["call_id"], r["kind"], r["key"], dict(r["payload"]), r["attempts"])
            for r in rows
        ]

    def count_pending(self, pipeline: str, call_ids: Sequence[str] | None = None) -> int:
        """How many writes are still pending (for the given calls, or for the whole pipeline)."""
        query = sa.select(sa.func.count()).where(
            t.outbox.c.pipeline == pipeline, t.outbox.c.state == "pending"
        )
        if call_ids is not None:
            query = query.where(t.outbox.c.call_id.in_(list(call_ids)))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def settle(
        self,
        pipeline: str,
        applied: Iterable[tuple[str, str | None]],
        failed: Iterable[tuple[str, str, bool]],
        now: datetime,
        max_attempts: int,
    ) -> None:
        """Record outcomes of sent writes.

        `applied` is (key, crm_id); `failed` is (key, message, retriable). A retriable failure stays
        pending until `max_attempts`, then is parked; a permanent one is parked at once. Ledger rows
        whose writes are all applied become "applied"; rows with a parked write become "failed".
        """
        stamp = utc_naive(now)
        applied = list(applied)
        failed = list(failed)
        keys = [k for k, _ in applied] + [k for k, _, _ in failed]
        if not keys:
            return
        by_key = sa.and_(t.outbox.c.pipeline == pipeline, t.outbox.c.key == sa.bindparam("k"))
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(t.outbox.c.key, t.outbox.c.attempts, t.outbox.c.call_id).where(
                    t.outbox.c.pipeline == pipeline, t.outbox.c.key.in_(keys)
                )
            ).all()
            attempts = {r.key: r.attempts for r in rows}
            if applied:
                conn.execute(
                    sa.update(t.outbox).where(by_key).values(state="applied", updated_at=stamp),
                    [{"k": k, "crm_id": crm_id, "attempts": attempts.get(k, 0) + 1} for k, crm_id in applied],
                )
            if failed:
                conn.execute(
                    sa.update(t.outbox).where(by_key).values(updated_at=stamp),
                    [
                        {
                            "k": k,
                            "attempts": attempts.get(k, 0) + 1,
                            "state": "pending"
                            if retriable and attempts.get(k, 0) + 1 < max_attempts
                            else "parked",
                            "last_error": message[:2000],
                        }
                        for k, message, retriable in failed
                    ],
                )
            touched = sorted({r.call_id for r in rows})
            states: dict[str, set[str]] = {}
            for call_id, state in conn.execute(
                sa.select(t.outbox.c.call_id, t.outbox.c.state).where(
                    t.outbox.c.pipeline == pipeline, t.outbox.c.call_id.in_(touched)
                )
            ):
                states.setdefault(call_id, set()).add(state)
            settled = [
                {"c": call_id, "state": "failed" if "parked" in found else "applied"}
                for call_id, found in states.items()
                if "pending" not in found
            ]
            if settled:
                conn.execute(
                    sa.update(t.ledger)
                    .where(t.ledger.c.pipeline == pipeline, t.ledger.c.call_id == sa.bindparam("c"))
                    .values(applied_at=stamp),
                    settled,
                )

    def outbox_items(
        self, pipeline: str | None, states: Sequence[str], limit: int = 50
    ) -> list[dict[str, Any]]:
        """Outbox rows in the given states, newest first (for `qualicall status`)."""
        query = sa.select(t.outbox).where(t.outbox.c.state.in_(list(states)))
        if pipeline is not None:
            query = query.where(t.outbox.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            return [
                dict(r) for r in conn.execute(query.order_by(t.outbox.c.id.desc()).limit(limit)).mappings()
            ]

    def outbox_counts(self, pipeline: str) -> dict[str, int]:
        """Outbox item counts by state."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.outbox.c.state, sa.func.count())
                .where(t.outbox.c.pipeline == pipeline)
                .group_by(t.outbox.c.state)
            )
            return {state: int(count) for state, count in rows}

    # -- record errors ----------------------------------------------------------------------------
    def record_error(self, pipeline: str, record_id: str, stage: str, message: str, now: datetime) -> None:
        """Remember why a record could not be processed (replaces the previous error of that stage)."""
        with self.engine.begin() as conn:
            self._upsert(
                conn,
                t.record_errors,
                [
                    {
                        "pipeline": pipeline,
                        "record_id": record_id,
                        "stage": stage,
                        "message": message[:2000],
                        "at": utc_naive(now),
                    }
                ],
            )

    def clear_errors(self, pipeline: str, record_ids: Sequence[str], stage: str) -> None:
        """Forget errors of records that have since been processed."""
        if not record_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(t.record_errors).where(
                    t.record_errors.c.pipeline == pipeline,
                    t.record_errors.c.stage == stage,
                    t.record_errors.c.record_id.in_(list(record_ids)),
                )
            )

    def record_errors(self, pipeline: str | None, limit: int = 50) -> list[dict[str, Any]]:
        """Recorded record errors, newest first."""
        query = sa.select(t.record_errors)
        if pipeline is not None:
            query = query.where(t.record_errors.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            return [
                dict(r)
                for r in conn.execute(query.order_by(t.record_errors.c.at.desc()).limit(limit)).mappings()
            ]

    # -- runs -------------------------------------------------------------------------------------
    def start_run(self, pipeline: str, now: datetime) -> int:
        """Open a run log entry; return its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.insert(t.runs).values(
                    pipeline=pipeline, started_at=utc_naive(now), status="running", stats={}
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(
        self, run_id: int, status: str, stats: Mapping[str, Any], message: str | None, now: datetime
    ) -> None:
        """Close a run log entry with its counters."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(status=status, stats=dict(stats), message=message, finished_at=utc_naive(now))
            )

    def runs(self, pipeline: str | None, limit: int = 10) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        query = sa.select(t.runs)
        if pipeline is not None:
            query = query.where(t.runs.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query.order_by(t.runs.c.id.desc()).limit(limit)).mappings()]

    def _upsert_stream(self, table: sa.Table, rows: Iterable[Mapping[str, Any]], chunk: int = 1000) -> int:
        """Upsert a stream of rows in chunks, in one transaction; return how many rows were written."""
        count = 0
        batch: list[Mapping[str, Any]] = []
        with self.engine.begin() as conn:
            for row in rows:
                batch.append(row)
                if len(batch) >= chunk:
                    self._upsert(conn, table, batch)
                    count += len(batch)
                    batch = []
            self._upsert(conn, table, batch)
        return count + len(batch)

    # -- outcomes ---------------------------------------------------------------------------------
    def save_outcomes(self, pipeline: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Upsert outcome events (meetings held, opportunities); return how many were saved."""
        return self._upsert_stream(
            t.outcomes,
            ({"pipeline": pipeline, **row, "occurred_at": utc_naive(row["occurred_at"])} for row in rows),
        )

    # -- compliance -------------------------------------------------------------------------------
    def add_optouts(self, numbers: Iterable[str], source: str, now: datetime) -> int:
        """Add E.164 numbers to the opposition list; return how many rows were written."""
        stamp = utc_naive(now)
        return self._upsert_stream(
            t.optout_numbers, ({"number": n, "source": source, "imported_at": stamp} for n in numbers)
        )

    def is_opted_out(self, number: str) -> bool:
        """Whether an E.164 number is on the opposition list."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(t.optout_numbers.c.number).where(t.optout_numbers.c.number == number)
                ).first()
                is not None
            )

    def contact_history(
        self, prospect_id: str | None, phone: str | None, before: datetime, exclude_call: str
    ) -> list[dict[str, Any]]:
        """Earlier calls (any pipeline) to the same prospect or number, oldest first."""
        conditions = []
        if prospect_id:
            conditions.append(t.ledger.c.prospect_id == prospect_id)
        if phone:
            conditions.append(t.ledger.c.phone == phone)
        if not conditions:
            return []
        query = (
            sa.select(
                t.ledger.c.call_id,
                t.ledger.c.occurred_at,
                t.ledger.c.outcome,
                t.ledger.c.direction,
                t.ledger.c.status,
                t.ledger.c.reason,
            )
            .where(
                sa.or_(*conditions),
                t.ledger.c.occurred_at < utc_naive(before),
                t.ledger.c.call_id != exclude_call,
            )
            .order_by(t.ledger.c.occurred_at)
        )
        with self.engine.connect() as conn:
            return [
                {**dict(r), "occurred_at": as_aware(r.occurred_at)} for r in conn.execute(query).mappings()
            ]

    def log_compliance(self, pipeline: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append compliance decisions to the audit trail."""
        if rows:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(t.compliance_log), [{"pipeline": pipeline, **r} for r in rows])

    def compliance_entries(self, since: datetime) -> Iterator[dict[str, Any]]:
        """Compliance decisions since `since`, oldest first (streamed)."""
        query = (
            sa.select(t.compliance_log)
            .where(t.compliance_log.c.decided_at >= utc_naive(since))
            .order_by(t.compliance_log.c.decided_at, t.compliance_log.c.id)
        )
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=1000).execute(query).mappings():
                yield dict(row)
