"""SQL expressions that differ between SQLite and PostgreSQL (date truncation, epoch seconds).

Both backends store timestamps as naive UTC. `period_start` returns the first day of the period as
text "YYYY-MM-DD" on both, so group keys compare equal across backends. Weeks start on Monday (ISO).
"""

from __future__ import annotations

import sqlite3
from typing import Any, Literal

import sqlalchemy as sa

Period = Literal["day", "week", "month"]
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


def period_start(column: Any, period: Period, dialect: str) -> sa.ColumnElement[str]:
    """The first day of the day/week/month containing `column`, as "YYYY-MM-DD" text."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.date_trunc(period, column), "YYYY-MM-DD")
    if period == "day":
        return sa.func.strftime("%Y-%m-%d", column)
    if period == "week":
        # 'weekday 0' moves forward to Sunday (or stays on a Sunday); six days back is that week's Monday.
        return sa.func.strftime("%Y-%m-%d", column, "weekday 0", "-6 days")
    return sa.func.strftime("%Y-%m-01", column)


def epoch(column: Any, dialect: str) -> sa.ColumnElement[int]:
    """Whole seconds since 1970-01-01 of a naive-UTC timestamp (one-second resolution on both).

    On SQLite >= 3.38 `unixepoch(x)`: the same integer as `CAST(strftime('%s', x) AS INTEGER)` (both
    truncate the Julian day to whole seconds), without formatting it to text and parsing it back."""
    if dialect == "postgresql":
        return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)
    if _UNIXEPOCH:
        return sa.func.unixepoch(column, type_=sa.Integer)
    return sa.cast(sa.func.strftime("%s", column), sa.Integer)


def unindexed(column: Any, dialect: str) -> Any:
    """`column` in a form SQLite cannot serve from an index (`column || ''`); unchanged elsewhere.

    Without statistics, SQLite prefers the (pipeline, occurred_at) index over a full scan or over the
    prospect index, which costs a random read per row; hiding `pipeline` from it lets the planner scan
    sequentially or join on the prospect index instead. Only for non-null text columns.
    """
    if dialect == "sqlite":
        return column.concat("")
    return column
