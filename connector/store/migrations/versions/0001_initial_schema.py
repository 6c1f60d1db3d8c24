"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:46:07.320508
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("follow_up_key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("compliance_log", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_decided", ["decided_at"], unique=False)

    op.create_table(
        "cursors",
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pipeline"),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "ledger",
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("ruleset", sa.String(length=100), nullable=False),
        sa.Column("variant", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("next_step", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("prospect_id", sa.String(length=255), nullable=True),
        sa.Column("company_id", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("consumer", sa.Boolean(), nullable=False),
        sa.Column("recontact_on", sa.Date(), nullable=True),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pipeline", "call_id"),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_attribution",
            ["pipeline", "status", "prospect_id", "occurred_at", "call_id"],
            unique=False,
        )
        batch_op.create_index("ix_ledger_company", ["pipeline", "company_id"], unique=False)
        batch_op.create_index("ix_ledger_occurred", ["pipeline", "occurred_at"], unique=False)
        batch_op.create_index("ix_ledger_phone", ["phone"], unique=False)
        batch_op.create_index(
            "ix_ledger_prospect", ["prospect_id", "pipeline", "occurred_at", "call_id"], unique=False
        )

    op.create_table(
        "optout_numbers",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("crm_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pipeline", "key", name="uq_outbox_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_state", ["pipeline", "state"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("prospect_id", sa.String(length=255), nullable=True),
        sa.Column("company_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("pipeline", "kind", "id"),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index("ix_outcomes_company", ["pipeline", "company_id"], unique=False)
        batch_op.create_index(
            "ix_outcomes_prospect",
            ["pipeline", "prospect_id", "kind", "occurred_at", "id", "company_id", "amount"],
            unique=False,
        )

    op.create_table(
        "record_errors",
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pipeline", "record_id", "stage"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_pipeline", ["pipeline", "id"], unique=False)

    op.create_table(
        "shadow_results",
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("variant", sa.String(length=100), nullable=False),
        sa.Column("ruleset", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("next_step", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pipeline", "call_id", "variant"),
    )
    op.create_table(
        "signals",
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("signal", sa.String(length=100), nullable=False),
        sa.Column("phrase", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("pipeline", "call_id", "signal", "phrase"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index("ix_signals_language_calls", ["language", "pipeline", "call_id"], unique=False)
        batch_op.create_index("ix_signals_phrase", ["language", "signal", "phrase", "pipeline"], unique=False)
        batch_op.create_index(
            "ix_signals_signal_calls", ["language", "signal", "pipeline", "call_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_signal_calls")
        batch_op.drop_index("ix_signals_phrase")
        batch_op.drop_index("ix_signals_language_calls")

    op.drop_table("signals")
    op.drop_table("shadow_results")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_pipeline")

    op.drop_table("runs")
    op.drop_table("record_errors")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_outcomes_prospect")
        batch_op.drop_index("ix_outcomes_company")

    op.drop_table("outcomes")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state")

    op.drop_table("outbox")
    op.drop_table("optout_numbers")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_prospect")
        batch_op.drop_index("ix_ledger_phone")
        batch_op.drop_index("ix_ledger_occurred")
        batch_op.drop_index("ix_ledger_company")
        batch_op.drop_index("ix_ledger_attribution")

    op.drop_table("ledger")
    op.drop_table("leases")
    op.drop_table("cursors")
    with op.batch_alter_table("compliance_log", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_decided")

    op.drop_table("compliance_log")
