"""The state store's schema (SQLAlchemy Core). Migrations in connector/store/migrations create it.

Conventions: every timestamp is stored as naive UTC (`utc_naive()` converts); JSON columns hold plain
JSON-serialisable values; `pipeline` is the pipeline name from the config.

- cursors:        where each pipeline resumes reading (the adapter's opaque cursor, JSON)
- ledger:         one row per (pipeline, call): the decision for its input fingerprint and ruleset
- outbox:         planned CRM writes, durable before they are sent; `key` is the idempotency key
- runs:           run log (one row per pipeline run, with counters)
- record_errors:  records that could not be mapped or written, visible in `qualicall status`
- leases:         at most one runner per pipeline across processes and hosts
- outcomes:       meetings held and opportunities opened, read from the CRM for the KPIs
- optout_numbers: opposition list (E.164 numbers)
- compliance_log: every compliance decision about a follow-up (audit trail)
- signals:        the signals and phrases behind each decision (from the evidence), for discourse analysis
- shadow_results: decisions of non-written variants in shadow mode (A/B tests)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

cursors = Table(
    "cursors",
    metadata,
    Column("pipeline", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

ledger = Table(
    "ledger",
    metadata,
    Column("pipeline", String(100), primary_key=True),
    Column("call_id", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("ruleset", String(100), nullable=False),
    Column("variant", String(100)),
    Column("status", String(32), nullable=False),
    Column("reason", String(64)),
    Column("next_step", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("language", String(8)),
    Column("occurred_at", DateTime, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("direction", String(16), nullable=False, default="outbound"),
    Column("duration_s", Integer),
    Column("owner", String(255)),
    Column("source", String(255)),
    Column("prospect_id", String(255)),
    Column("company_id", String(255)),
    Column("phone", String(32)),
    Column("consumer", Boolean, nullable=False, default=False),
    Column("recontact_on", Date),
    Column("outputs", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending | applied | failed
    Column("decided_at", DateTime, nullable=False),
    Column("applied_at", DateTime),
)
Index("ix_ledger_occurred", ledger.c.pipeline, ledger.c.occurred_at)
# Covering for the KPI attribution lookups by prospect (calls followed by a meeting, first call of a
# prospect): the ledger row itself is never read for them.
Index("ix_ledger_prospect", ledger.c.prospect_id, ledger.c.pipeline, ledger.c.occurred_at, ledger.c.call_id)
Index("ix_ledger_company", ledger.c.pipeline, ledger.c.company_id)
# Covering for the KPI attribution: the latest qualified call of a prospect at or before an outcome.
Index(
    "ix_ledger_attribution",
    ledger.c.pipeline,
    ledger.c.status,
    ledger.c.prospect_id,
    ledger.c.occurred_at,
    ledger.c.call_id,
)
Index("ix_ledger_phone", ledger.c.phone)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(100), nullable=False),
    Column("call_id", String(255), nullable=False),
    Column("kind", String(16), nullable=False),  # update | prospect | task
    Column("key", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending | applied | parked
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("crm_id", String(255)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("pipeline", "key", name="uq_outbox_key"),
)
Index("ix_outbox_state", outbox.c.pipeline, outbox.c.state)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(100), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(16), nullable=False),  # running | ok | partial | stopped | failed
    Column("stats", JSON, nullable=False),
    Column("message", Text),
)
Index("ix_runs_pipeline", runs.c.pipeline, runs.c.id)

record_errors = Table(
    "record_errors",
    metadata,
    Column("pipeline", String(100), primary_key=True),
    Column("record_id", String(255), primary_key=True),
    Column("stage", String(16), primary_key=True),  # mapping | write | task | prospect
    Column("message", Text, nullable=False),
    Column("at", DateTime, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("pipeline", String(100), primary_key=True),
    Column("kind", String(16), primary_key=True),  # meeting | opportunity
    Column("id", String(255), primary_key=True),
    Column("occurred_at", DateTime, nullable=False),
    Column("prospect_id", String(255)),
    Column("company_id", String(255)),
    Column("amount", Float),
)
# Covering for the KPI attribution (outcomes of a prospect by kind, with their time, id and amount).
Index(
    "ix_outcomes_prospect",
    outcomes.c.pipeline,
    outcomes.c.prospect_id,
    outcomes.c.kind,
    outcomes.c.occurred_at,
    outcomes.c.id,
    outcomes.c.company_id,
    outcomes.c.amount,
)
Index("ix_outcomes_company", outcomes.c.pipeline, outcomes.c.company_id)

optout_numbers = Table(
    "optout_numbers",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("source", String(255), nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

compliance_log = Table(
    "compliance_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(100), nullable=False),
    Column("call_id", String(255), nullable=False),
    Column("follow_up_key", String(255), nullable=False),
    Column("action", String(16), nullable=False),  # allowed | moved | blocked
    Column("rule", String(100), nullable=False),
    Column("detail", Text, nullable=False),
    Column("due_at", DateTime),
    Column("decided_at", DateTime, nullable=False),
)
Index("ix_compliance_decided", compliance_log.c.decided_at)

signals = Table(
    "signals",
    metadata,
    Column("pipeline", String(100), primary_key=True),
    Column("call_id", String(255), primary_key=True),
    Column("signal", String(100), primary_key=True),  # criterion:state, e.g. "budget:met"
    Column("phrase", String(255), primary_key=True),  # normalised snippet ("" for field evidence)
    Column("language", String(8)),
    sqlite_with_rowid=False,  # the primary key holds the row: a call's signals are one covering range
)
# Covering, for the discourse analysis's counts in index order (no sort): rows per phrase, distinct calls
# per signal, distinct calls per language. They lead with the language, not the pipeline, so that the
# primary key stays the only index SQLite can use to look up the signals of a call.
Index("ix_signals_phrase", signals.c.language, signals.c.signal, signals.c.phrase, signals.c.pipeline)
Index("ix_signals_signal_calls", signals.c.language, signals.c.signal, signals.c.pipeline, signals.c.call_id)
Index("ix_signals_language_calls", signals.c.language, signals.c.pipeline, signals.c.call_id)

shadow_results = Table(
    "shadow_results",
    metadata,
    Column("pipeline", String(100), primary_key=True),
    Column("call_id", String(255), primary_key=True),
    Column("variant", String(100), primary_key=True),
    Column("ruleset", String(100), nullable=False),
    Column("status", String(32), nullable=False),
    Column("reason", String(64)),
    Column("next_step", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("decided_at", DateTime, nullable=False),
)


def utc_naive(moment: datetime) -> datetime:
    """Convert an aware datetime to the naive UTC form stored in every DateTime column."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def as_aware(moment: datetime | None) -> datetime | None:
    """Read back a stored naive UTC datetime as an aware one."""
    return None if moment is None else moment.replace(tzinfo=UTC)
