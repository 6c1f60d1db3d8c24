"""One pipeline run: CRM pages → mapping → skip unchanged → engine → compliance → plan → outbox → apply.

Crash safety, by construction:
1. A run first sends the writes a previous run left pending in the outbox.
2. For each page, decisions and their planned writes are recorded in ONE store transaction before
   anything is sent to the CRM; every write carries an idempotency key (field updates are idempotent
   by nature; tasks are created at most once per key by the adapter).
3. The cursor moves past a page only when every write of that page is applied or parked (a permanent
   record error, visible in `qualicall status`). A retriable failure stops the run there; the next run
   retries it first, then re-reads the page, whose unchanged calls are skipped by fingerprint.
4. A call whose inputs (the canonical call) and ruleset version are unchanged since the last decision
   is skipped: the CRM bumping its modified date after our own write never causes a re-write.

`run_pipeline` never lets one bad record stop a run: mapping errors and per-record write failures are
recorded against the record and the run goes on.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from adapters.base import Adapter, FieldWrite, Page, SourceRecord, TaskCreate, WriteOutcome
from connector.compliance import normalize_phone
from connector.errors import BudgetExhaustedError, CRMError, MappingError, RetriableError
from connector.mapping import Mapping as FieldMapping
from connector.model import Call, Result
from connector.rules import Ruleset, qualify
from connector.store import Decision, OutboxItem, Store
from connector.store.tables import utc_naive
from connector.values import decode_fields, encode_fields, same_value

log = structlog.get_logger("qualicall.pipeline")

MAX_ATTEMPTS = 5
LEASE_TTL = timedelta(minutes=10)
OUTCOME_LOOKBACK = timedelta(days=365)
OUTCOME_OVERLAP = timedelta(days=30)

Qualifier = Callable[[Call, datetime], Result]
"""Decides one call at `now` (the engine, plus compliance and A/B variants when configured)."""


@dataclass
class RunStats:
    """Counters of one run (stored in the run log, printed by the CLI)."""

    pages: int = 0
    calls_read: int = 0
    deleted: int = 0
    unchanged: int = 0
    decided: int = 0
    mapping_errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # "status/reason"
    calls_updated: int = 0
    fields_written: int = 0
    prospects_updated: int = 0
    tasks_created: int = 0
    tasks_existing: int = 0
    write_failures: int = 0
    outcomes_read: int = 0
    planned_writes: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if not isinstance(v, Counter)}
        out["statuses"] = dict(self.statuses)
        out["reasons"] = dict(self.reasons)
        return out


@dataclass
class RunResult:
    """What a run did: its status (ok | partial | stopped | failed | busy), counters and message."""

    pipeline: str
    status: str
    stats: RunStats
    message: str = ""
    run_id: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass
class Pipeline:
    """Everything one run needs, injected: adapter, store, mapping, decision function, clock."""

    name: str
    adapter: Adapter
    store: Store
    mapping: FieldMapping
    ruleset: Ruleset
    clock: Callable[[], datetime]
    qualifier: Qualifier | None = None
    dry_run: bool = False
    batch_size: int = 100
    stop: threading.Event = field(default_factory=threading.Event)
    on_page: Callable[[int], None] | None = None
    fingerprint_salt: str = ""

    def __post_init__(self) -> None:
        if self.qualifier is None:
            ruleset = self.ruleset
            self.qualifier = lambda call, now: qualify(call, ruleset, now)


def fingerprint(call: Call, salt: str) -> str:
    """Stable hash of a call's inputs and of what decides on them (ruleset version, variant settings)."""
    digest = hashlib.sha256(call.model_dump_json().encode())
    digest.update(b"|" + salt.encode())
    return digest.hexdigest()


def _prospect_crm_id(record: SourceRecord, call: Call) -> str | None:
    for kind in ("contact", "lead", "prospect"):
        ids = record.associations.get(kind)
        if ids:
            return ids[0]
    return call.prospect.id if call.prospect else None


def dnc_key(prospect_id: str) -> str:
    """Idempotency key of the write that sets a prospect's do-not-call flag."""
    return f"dnc:{prospect_id}"


def _task_payload(result: Result, record: SourceRecord) -> list[tuple[str, dict[str, Any]]]:
    associations = {k: list(v) for k, v in record.associations.items()}
    associations.setdefault("call", [record.id])
    return [
        (
            f.key,
            {
                "key": f.key,
                "subject": f.subject,
                "body": f.body,
                "due_at": f.due_at.isoformat(),
                "type": f.type,
                "priority": f.priority,
                "owner": f.owner,
                "associations": associations,
            },
        )
        for f in result.follow_ups
    ]


def plan_writes(
    mapping: FieldMapping, record: SourceRecord, call: Call, result: Result, now: datetime
) -> list[tuple[str, str, dict[str, Any]]]:
    """The writes a decision needs, as (kind, key, payload): only fields whose value changes.

    `qualified_at` is written only together with a field that changes.
    """
    items: list[tuple[str, str, dict[str, Any]]] = []
    wanted = mapping.output_values(result.outputs(qualified_at=now))
    stamp_field = mapping.output.get("qualified_at")
    changed = {
        k: v for k, v in wanted.items() if k != stamp_field and not same_value(record.fields.get(k), v)
    }
    if changed:
        if stamp_field:
            changed[stamp_field] = now
        digest = hashlib.sha256(repr(sorted(changed.items())).encode()).hexdigest()[:16]
        items.append(
            (
                "update",
                f"upd:{record.id}:{digest}",
                {"record_id": record.id, "fields": encode_fields(changed)},
            )
        )
    dnc_field = mapping.output_prospect.get("do_not_call")
    prospect_id = _prospect_crm_id(record, call)
    if result.do_not_call and dnc_field and prospect_id:
        current = (record.prospect or {}).get(dnc_field)
        if not same_value(current, True):
            items.append(
                ("prospect", dnc_key(prospect_id), {"record_id": prospect_id, "fields": {dnc_field: True}})
            )
    items.extend(("task", key, payload) for key, payload in _task_payload(result, record))
    return items


def _decision(call: Call, result: Result, digest: str, now: datetime) -> Decision:
    prospect, company = call.prospect, call.company
    return Decision(
        call_id=call.id,
        fingerprint=digest,
        ruleset=result.ruleset,
        variant=result.variant,
        status=result.status,
        reason=result.reason,
        next_step=result.next_step,
        score=result.score,
        language=result.language,
        occurred_at=call.occurred_at,
        outcome=call.outcome.value,
        direction=call.direction.value,
        duration_s=call.duration_s,
        owner=call.owner,
        source=call.source,
        prospect_id=prospect.id if prospect else None,
        company_id=company.id if company else None,
        phone=e164(call),
        consumer=bool(prospect and prospect.consumer),
        recontact_on=result.recontact_on,
        outputs={
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in result.outputs(now).items()
        },
        evidence=[e.as_dict() for e in result.evidence],
        decided_at=now,
    )


def e164(call: Call) -> str | None:
    """The prospect's phone number in E.164 form (the key of per-number call history), if readable."""
    prospect = call.prospect
    if prospect is None or not prospect.phone:
        return None
    region = prospect.country or (call.company.country if call.company else None) or "FR"
    return normalize_phone(prospect.phone, region)


def _signal_rows(call: Call, result: Result) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for ev in result.evidence:
        if ev.state == "unknown":
            continue
        signal = f"{ev.criterion}:{ev.state}"[:100]
        phrase = (
            " ".join((ev.snippet or "").lower().split())[:255] if not ev.source.startswith("field") else ""
        )
        rows[(signal, phrase)] = {
            "call_id": call.id,
            "signal": signal,
            "phrase": phrase,
            "language": result.language,
        }
    return list(rows.values())


class Runner:
    """Runs a `Pipeline` once. Create a new Runner per run."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.p = pipeline
        self.stats = RunStats()

    # -- applying the outbox ----------------------------------------------------------------------
    def _send(self, kind: str, items: Sequence[OutboxItem]) -> list[WriteOutcome]:
        adapter = self.p.adapter
        if kind == "task":
            tasks = [
                TaskCreate(
                    key=i.key,
                    subject=i.payload["subject"],
                    body=i.payload["body"],
                    due_at=datetime.fromisoformat(i.payload["due_at"]),
                    type=i.payload["type"],
                    priority=i.payload["priority"],
                    owner=i.payload["owner"],
                    associations={k: tuple(v) for k, v in i.payload["associations"].items()},
                    attempt=i.attempts,
                )
                for i in items
            ]
            return adapter.create_tasks(tasks)
        writes = [
            FieldWrite(
                key=i.key,
                record_id=i.payload["record_id"],
                fields=decode_fields(i.payload["fields"]),
                target="call" if kind == "update" else "prospect",
            )
            for i in items
        ]
        return adapter.apply_updates(writes)

    def drain(self, call_ids: Sequence[str] | None = None) -> bool:
        """Send pending writes (all, or those of the given calls) in batches.

        Returns False when a retriable failure left writes pending (the run must not move its cursor).
        """
        batch = min(self.p.batch_size, self.p.adapter.max_write_batch)
        clean = True
        for kind in ("update", "prospect", "task"):
            after = 0
            while items := self.p.store.pending(self.p.name, kind, batch, call_ids, after_id=after):
                after = items[-1].id
                now = self.p.clock()
                try:
                    outcomes = self._send(kind, items)
                except RetriableError as exc:
                    message = f"{type(exc).__name__}: {exc}"
                    self.p.store.settle(
                        self.p.name, [], [(i.key, message, True) for i in items], now, MAX_ATTEMPTS
                    )
                    self.stats.write_failures += len(items)
                    return False
                clean = self._settle(kind, items, outcomes, now) and clean
        return clean

    def _settle(
        self, kind: str, items: Sequence[OutboxItem], outcomes: Sequence[WriteOutcome], now: datetime
    ) -> bool:
        by_key = {o.key: o for o in outcomes}
        applied: list[tuple[str, str | None]] = []
        failed: list[tuple[str, str, bool]] = []
        clean = True
        for item in items:
            outcome = by_key.get(item.key)
            if outcome is None:
                failed.append((item.key, "no outcome returned by the adapter", True))
                clean = False
            elif outcome.ok:
                applied.append((item.key, outcome.crm_id))
                if kind == "task":
                    self.stats.tasks_created += int(outcome.created)
                    self.stats.tasks_existing += int(not outcome.created)
                elif kind == "update":
                    self.stats.calls_updated += 1
                    self.stats.fields_written += len(item.payload["fields"])
                else:
                    self.stats.prospects_updated += 1
            else:
                error = outcome.error
                retriable = bool(error and error.retriable)
                message = f"{error.code}: {error.message}" if error else "refused"
                failed.append((item.key, message, retriable))
                self.stats.write_failures += 1
                clean = clean and not (retriable and item.attempts + 1 < MAX_ATTEMPTS)
                self.p.store.record_error(self.p.name, item.call_id, kind, message, now)
        self.p.store.settle(self.p.name, applied, failed, now, MAX_ATTEMPTS)
        return clean

    # -- one page ---------------------------------------------------------------------------------
    def process_page(self, page: Page) -> list[str]:
        """Decide every changed call of the page and record the decisions; return the decided call ids."""
        p, now = self.p, self.p.clock()
        self.stats.pages += 1
        mapped: list[tuple[SourceRecord, Call]] = []
        mapped_ok: list[str] = []
        for record in page.records:
            self.stats.calls_read += 1
            if record.deleted:
                self.stats.deleted += 1
                continue
            try:
                call = p.mapping.to_call(record)
            except MappingError as exc:
                self.stats.mapping_errors += 1
                p.store.record_error(p.name, record.id, "mapping", str(exc), now)
                log.warning("record.unmappable", pipeline=p.name, record=record.id, field=exc.field)
                continue
            mapped_ok.append(record.id)
            mapped.append((record, call))
        p.store.clear_errors(p.name, mapped_ok, "mapping")
        live = self._fingerprints(mapped)
        known = p.store.fingerprints(p.name, [c.id for _, c, _ in live])
        decisions: list[Decision] = []
        planned: dict[str, tuple[str, str, str, Mapping[str, Any]]] = {}  # by key: one write per key
        signals: list[dict[str, Any]] = []
        audit: list[dict[str, Any]] = []
        assert p.qualifier is not None
        for record, call, digest in live:
            if known.get(call.id) == digest:
                self.stats.unchanged += 1
                continue
            result = p.qualifier(call, now)
            self.stats.decided += 1
            self.stats.statuses[result.status] += 1
            if result.reason:
                self.stats.reasons[f"{result.status}/{result.reason}"] += 1
            decisions.append(_decision(call, result, digest, now))
            signals.extend(_signal_rows(call, result))
            audit.extend(
                {
                    "call_id": call.id,
                    "follow_up_key": note.follow_up_key,
                    "action": note.action,
                    "rule": note.rule,
                    "detail": note.detail,
                    "due_at": utc_naive(note.due_at) if note.due_at else None,
                    "decided_at": utc_naive(now),
                }
                for note in result.compliance
            )
            for kind, key, payload in plan_writes(p.mapping, record, call, result, now):
                planned.setdefault(key, (call.id, kind, key, payload))
        items = list(planned.values())
        self.stats.planned_writes += len(items)
        if p.dry_run or not decisions:
            return []
        p.store.record_decisions(p.name, decisions, items)
        p.store.save_signals(p.name, signals, [d.call_id for d in decisions])
        p.store.log_compliance(p.name, audit)
        return [d.call_id for d in decisions]

    def _fingerprints(self, mapped: list[tuple[SourceRecord, Call]]) -> list[tuple[SourceRecord, Call, str]]:
        """Fingerprint each call as it was before our own writes: a do-not-call flag that Qualicall itself
        set on the prospect is not an input change (else every call of that prospect would be decided
        again because of our own write)."""
        flagged: dict[int, str] = {}
        for index, (record, call) in enumerate(mapped):
            prospect_id = _prospect_crm_id(record, call)
            if call.prospect is not None and call.prospect.do_not_call and prospect_id:
                flagged[index] = dnc_key(prospect_id)
        set_by_us = self.p.store.known_keys(self.p.name, sorted(set(flagged.values())))
        out = []
        for index, (record, call) in enumerate(mapped):
            seen = call
            if flagged.get(index) in set_by_us and call.prospect is not None:
                seen = call.model_copy(
                    update={"prospect": call.prospect.model_copy(update={"do_not_call": False})}
                )
            out.append((record, call, fingerprint(seen, self.p.fingerprint_salt)))
        return out

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> RunResult:
        """One run: drain leftovers, then page through the changes; see the module docstring."""
        p = self.p
        started = p.clock()
        if not p.dry_run and not p.store.acquire_lease(f"pipeline:{p.name}", started, LEASE_TTL):
            return RunResult(
                p.name, "busy", self.stats, "another runner holds this pipeline", started_at=started
            )
        run_id = p.store.start_run(p.name, started)
        status, message = "ok", ""
        try:
            if not p.dry_run and not self.drain():
                status, message = "partial", "writes left pending by an earlier run still fail; will retry"
            else:
                status, message = self._pages()
            if status == "ok" and not p.dry_run:
                self._outcomes(started)
        except BudgetExhaustedError as exc:
            status, message = "stopped", f"API budget for this run is used up: {exc}"
        except RetriableError as exc:
            status, message = "partial", f"{type(exc).__name__}: {exc}"
        except CRMError as exc:
            status, message = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            finished = p.clock()
            p.store.finish_run(run_id, status, self.stats.as_dict(), message or None, finished)
            if not p.dry_run:
                p.store.release_lease(f"pipeline:{p.name}")
        log.info("run.finished", pipeline=p.name, status=status, **self.stats.as_dict())
        return RunResult(p.name, status, self.stats, message, run_id, started, finished)

    def _pages(self) -> tuple[str, str]:
        p = self.p
        cursor = p.store.get_cursor(p.name)
        for page in p.adapter.iter_pages(cursor):
            decided = self.process_page(page)
            if p.on_page is not None:
                p.on_page(len(page.records))
            if p.dry_run:
                continue
            if decided and not self.drain(decided):
                return "partial", "some writes failed and will be retried on the next run"
            p.store.set_cursor(p.name, page.cursor, p.clock())
            p.store.acquire_lease(f"pipeline:{p.name}", p.clock(), LEASE_TTL)
            if p.stop.is_set():
                return "stopped", "stop requested; finished the current batch"
        return "ok", ""

    def _outcomes(self, now: datetime) -> None:
        """Read outcomes changed since the last read (minus a margin for late updates), first a year."""
        name = f"{self.p.name}:outcomes"
        last = self.p.store.get_cursor(name)
        since = datetime.fromisoformat(last["read_at"]) - OUTCOME_OVERLAP if last else now - OUTCOME_LOOKBACK
        rows = (
            {
                "kind": e.kind,
                "id": e.id,
                "occurred_at": e.occurred_at,
                "prospect_id": e.prospect_id,
                "company_id": e.company_id,
                "amount": e.amount,
            }
            for e in self.p.adapter.read_outcomes(since)
        )
        self.stats.outcomes_read = self.p.store.save_outcomes(self.p.name, rows)
        self.p.store.set_cursor(name, {"read_at": now.isoformat()}, now)


def run_pipeline(pipeline: Pipeline) -> RunResult:
    """Run a pipeline once and return what it did."""
    return Runner(pipeline).run()
