"""The embedded CRM: a SQLite file holding calls, prospects, companies, written-back fields, tasks,
meetings and opportunities. It is what `qualicall demo` syncs and what end-to-end tests drive.

It behaves like a real CRM where it matters to the connector: every change to a call (a rep editing
notes, or Qualicall writing its fields back) bumps the call's modification sequence and time, so a
naive connector would re-read its own writes; tasks have a unique key field; deleting a call keeps a
tombstone that incremental reads return.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connector.model import Call

metadata = sa.MetaData()

OUTPUT_COLUMNS = (
    "qualicall_score",
    "qualicall_status",
    "qualicall_reason",
    "qualicall_next_step",
    "qualicall_explanation",
    "qualicall_ruleset",
    "qualicall_qualified_at",
    "qualicall_variant",
)

prospects = sa.Table(
    "prospects",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("title", sa.String),
    sa.Column("email", sa.String),
    sa.Column("phone", sa.String),
    sa.Column("country", sa.String),
    sa.Column("consumer", sa.Boolean, nullable=False, default=False),
    sa.Column("do_not_call", sa.Boolean, nullable=False, default=False),
    sa.Column("consent_at", sa.String),
    sa.Column("contract_in_progress", sa.Boolean, nullable=False, default=False),
)

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("employees", sa.Integer),
    sa.Column("industry", sa.String),
    sa.Column("country", sa.String),
    sa.Column("annual_revenue", sa.Float),
    sa.Column("tech_stack", sa.String),
)

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("occurred_at", sa.String, nullable=False),
    sa.Column("direction", sa.String),
    sa.Column("duration_s", sa.Integer),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("owner", sa.String),
    sa.Column("source", sa.String),
    sa.Column("language", sa.String),
    sa.Column("notes", sa.Text),
    sa.Column("transcript", sa.Text),
    sa.Column("prospect_id", sa.String),
    sa.Column("company_id", sa.String),
    *(sa.Column(name, sa.Float if name == "qualicall_score" else sa.Text) for name in OUTPUT_COLUMNS),
    sa.Column("seq", sa.Integer, nullable=False, index=True),
    sa.Column("modified_at", sa.String, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("qualicall_key", sa.String, unique=True, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("due_at", sa.String, nullable=False),
    sa.Column("type", sa.String),
    sa.Column("priority", sa.String),
    sa.Column("owner", sa.String),
    sa.Column("call_id", sa.String),
    sa.Column("prospect_id", sa.String),
    sa.Column("company_id", sa.String),
    sa.Column("created_at", sa.String, nullable=False),
)

meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("prospect_id", sa.String),
    sa.Column("company_id", sa.String),
    sa.Column("occurred_at", sa.String, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
)

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("prospect_id", sa.String),
    sa.Column("company_id", sa.String),
    sa.Column("occurred_at", sa.String, nullable=False),
    sa.Column("amount", sa.Float),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


class LocalCRM:
    """Access to one embedded CRM file. `clock()` gives the modification time of changes."""

    def __init__(self, path: str | Path, clock: Any = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(f"sqlite:///{self.path}")
        sa.event.listen(self.engine, "connect", _pragmas)
        metadata.create_all(self.engine)
        self.clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        self.engine.dispose()

    def _next_seq(self, conn: sa.Connection, count: int = 1) -> int:
        """Reserve `count` sequence numbers; return the first."""
        current = conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).scalar()
        if current is None:
            conn.execute(sa.insert(counters).values(name="seq", value=count))
            return 1
        conn.execute(sa.update(counters).where(counters.c.name == "seq").values(value=current + count))
        return int(current) + 1

    # -- loading ----------------------------------------------------------------------------------
    def import_calls(self, items: Iterable[Call]) -> int:
        """Insert or replace canonical calls with their prospect and company; return how many."""
        count = 0
        with self.engine.begin() as conn:
            for call in items:
                self._put_call(conn, call)
                count += 1
        return count

    def _put_call(self, conn: sa.Connection, call: Call) -> None:
        prospect, company = call.prospect, call.company
        if prospect is not None and prospect.id:
            row = prospect.model_dump(exclude={"consent_at"})
            row["consent_at"] = _iso(prospect.consent_at)
            _replace(conn, prospects, row)
        if company is not None and company.id:
            row = company.model_dump(exclude={"tech_stack"})
            row["tech_stack"] = ";".join(company.tech_stack)
            _replace(conn, companies, row)
        data = call.model_dump(exclude={"prospect", "company", "occurred_at"})
        data["occurred_at"] = call.occurred_at.isoformat()
        data["prospect_id"] = prospect.id if prospect else None
        data["company_id"] = company.id if company else None
        data["seq"] = self._next_seq(conn)
        data["modified_at"] = _iso(self.clock())
        data["deleted"] = False
        existing = conn.execute(sa.select(calls.c.id).where(calls.c.id == call.id)).first()
        if existing is None:
            conn.execute(sa.insert(calls).values(**data))
        else:
            conn.execute(sa.update(calls).where(calls.c.id == call.id).values(**data))

    def import_outcomes(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert meetings ({kind: meeting, id, occurred_at, prospect_id, company_id, outcome}) and
        opportunities ({kind: opportunity, id, occurred_at, prospect_id, company_id, amount})."""
        count = 0
        with self.engine.begin() as conn:
            for row in rows:
                data = {k: v for k, v in row.items() if k != "kind"}
                table = meetings if row["kind"] == "meeting" else opportunities
                _replace(conn, table, data)
                count += 1
        return count

    # -- rep actions ------------------------------------------------------------------------------
    def edit_call(self, call_id: str, **fields: Any) -> None:
        """Change fields of a call as a rep would (bumps its modification sequence and time)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(calls)
                .where(calls.c.id == call_id)
                .values(**fields, seq=self._next_seq(conn), modified_at=_iso(self.clock()))
            )
            if result.rowcount == 0:
                raise KeyError(f"no call {call_id!r} in {self.path}")

    def delete_call(self, call_id: str) -> None:
        """Delete a call (a tombstone stays visible to incremental reads)."""
        self.edit_call(call_id, deleted=True)

    # -- reads for the adapter --------------------------------------------------------------------
    def last_seq(self) -> int:
        """The latest modification sequence number (0 for an empty CRM)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(calls.c.seq), 0))).scalar_one())

    def changed_calls(self, after_seq: int, upto_seq: int, limit: int) -> list[dict[str, Any]]:
        """Calls whose modification sequence is in (after_seq, upto_seq], ascending, with related rows."""
        query = (
            sa.select(calls)
            .where(calls.c.seq > after_seq, calls.c.seq <= upto_seq)
            .order_by(calls.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
            pids = {r["prospect_id"] for r in rows if r["prospect_id"]}
            cids = {r["company_id"] for r in rows if r["company_id"]}
            pmap = {
                r["id"]: dict(r)
                for r in conn.execute(sa.select(prospects).where(prospects.c.id.in_(pids))).mappings()
            }
            cmap = {
                r["id"]: dict(r)
                for r in conn.execute(sa.select(companies).where(companies.c.id.in_(cids))).mappings()
            }
        for row in rows:
            row["_prospect"] = pmap.get(row["prospect_id"])
            row["_company"] = cmap.get(row["company_id"])
        return rows

    def update_records(
        self, table_name: str, updates: list[tuple[str, Mapping[str, Any]]]
    ) -> list[str | None]:
        """Apply field updates; return None per success or an error message per failed record."""
        table = calls if table_name == "call" else prospects
        known = set(table.c.keys())
        results: list[str | None] = [None] * len(updates)
        with self.engine.begin() as conn:
            present = {
                r[0]
                for r in conn.execute(
                    sa.select(table.c.id).where(table.c.id.in_([rid for rid, _ in updates]))
                )
            }
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for index, (record_id, fields) in enumerate(updates):
                unknown = sorted(set(fields) - known)
                if unknown:
                    results[index] = f"unknown field(s) {', '.join(unknown)} on {table.name}"
                elif record_id not in present:
                    results[index] = f"no {table.name} record {record_id}"
                else:
                    row = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
                    groups.setdefault(tuple(sorted(row)), []).append({"_id": record_id, **row})
            rows = [row for group in groups.values() for row in group]
            if table is calls and rows:
                first = self._next_seq(conn, len(rows))
                stamp = _iso(self.clock())
                for offset, row in enumerate(rows):
                    row.update(seq=first + offset, modified_at=stamp)
            for group in groups.values():
                columns = [c for c in group[0] if c != "_id"]
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == sa.bindparam("_id"))
                    .values({c: sa.bindparam(c) for c in columns}),
                    group,
                )
        return results

    def create_tasks(self, rows: list[dict[str, Any]]) -> list[tuple[int, bool]]:
        """Insert tasks unless their key exists; return (task id, created) per row."""
        with self.engine.begin() as conn:
            keys = [row["qualicall_key"] for row in rows]
            existing = {
                r.qualicall_key: int(r.id)
                for r in conn.execute(
                    sa.select(tasks.c.id, tasks.c.qualicall_key).where(tasks.c.qualicall_key.in_(keys))
                )
            }
            out: list[tuple[int, bool]] = []
            stamp = _iso(self.clock())
            for row in rows:
                key = row["qualicall_key"]
                if key in existing:
                    out.append((existing[key], False))
                    continue
                result = conn.execute(sa.insert(tasks).values(**row, created_at=stamp))
                primary = result.inserted_primary_key
                assert primary is not None
                existing[key] = int(primary[0])
                out.append((existing[key], True))
        return out

    def iter_outcomes(self, since: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
        """Held meetings and opportunities at or after `since` (ISO comparison in UTC)."""
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(meetings).where(meetings.c.outcome == "COMPLETED")).mappings():
                yield "meeting", dict(row)
            for row in conn.execute(sa.select(opportunities)).mappings():
                yield "opportunity", dict(row)
        del since  # filtered by the adapter, which parses the stored timestamps

    def call_row(self, call_id: str) -> dict[str, Any]:
        """One call's stored fields."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(calls).where(calls.c.id == call_id)).mappings().first()
        if row is None:
            raise KeyError(call_id)
        return dict(row)

    def all_tasks(self) -> list[dict[str, Any]]:
        """Every task."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(tasks).order_by(tasks.c.id)).mappings()]

    def count(self, table_name: str) -> int:
        """Row count of one of the CRM's tables."""
        table = metadata.tables[table_name]
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _replace(conn: sa.Connection, table: sa.Table, row: Mapping[str, Any]) -> None:
    conn.execute(sa.delete(table).where(table.c.id == row["id"]))
    conn.execute(sa.insert(table).values(**row))


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
