"""A parser and evaluator for the SOQL subset Qualicall sends (used by the fake Salesforce).

Supported: SELECT of fields, dotted relationship fields and `TYPEOF <rel> WHEN <Type> THEN f, ... [ELSE
f, ...] END`; FROM <object>; WHERE with AND / OR / NOT / parentheses, = != <> < <= > >=, IN / NOT IN,
LIKE; string literals with SOQL escapes (\\' \\" \\\\ \\n \\r \\t \\b \\f \\uXXXX \\_ \\%), numbers, true /
false / null, date and datetime literals; ORDER BY (ASC / DESC, NULLS FIRST / LAST); LIMIT.
Anything else raises `SoqlError` (the fake answers MALFORMED_QUERY), so an injected fragment that
breaks the grammar is as visible as one that parses into a different query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


class SoqlError(ValueError):
    """The query is not in the supported grammar."""


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_ESCAPES = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "_": "\\_",
    "%": "\\%",
}
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "TYPEOF",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "TRUE",
    "FALSE",
    "NULL",
}


@dataclass(frozen=True)
class Token:
    kind: str  # ident, kw, str, num, dt, date, op, punct
    value: Any


def parse_literal_datetime(text: str) -> datetime:
    """A SOQL datetime literal as an aware UTC datetime."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            i += 1
            out: list[str] = []
            while True:
                if i >= n:
                    raise SoqlError("unterminated string literal")
                c = text[i]
                if c == "\\":
                    if i + 1 >= n:
                        raise SoqlError("dangling escape")
                    e = text[i + 1]
                    if e == "u":
                        hexa = text[i + 2 : i + 6]
                        if not re.fullmatch(r"[0-9a-fA-F]{4}", hexa):
                            raise SoqlError("bad \\u escape")
                        out.append(chr(int(hexa, 16)))
                        i += 6
                        continue
                    if e not in _ESCAPES:
                        raise SoqlError(f"invalid escape \\{e}")
                    out.append(_ESCAPES[e])
                    i += 2
                    continue
                if c == "'":
                    i += 1
                    break
                out.append(c)
                i += 1
            tokens.append(Token("str", "".join(out)))
            continue
        m = _DATETIME.match(text, i)
        if m:
            tokens.append(Token("dt", parse_literal_datetime(m.group(0))))
            i = m.end()
            continue
        m = _DATE.match(text, i)
        if m and not (m.end() < n and (text[m.end()].isalnum())):
            tokens.append(Token("date", date.fromisoformat(m.group(0))))
            i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m and (ch.isdigit() or ch == "-"):
            value = m.group(0)
            tokens.append(Token("num", float(value) if "." in value else int(value)))
            i = m.end()
            continue
        for op in _OPS:
            if text.startswith(op, i):
                tokens.append(Token("op", "!=" if op == "<>" else op))
                i += len(op)
                break
        else:
            if ch in "(),":
                tokens.append(Token("punct", ch))
                i += 1
                continue
            m = _IDENT.match(text, i)
            if not m:
                raise SoqlError(f"unexpected character {ch!r} at {i}")
            word = m.group(0)
            if word.upper() in KEYWORDS:
                tokens.append(Token("kw", word.upper()))
            else:
                tokens.append(Token("ident", word))
            i = m.end()
    return tokens


# -- AST ------------------------------------------------------------------------------------------
@dataclass
class TypeOf:
    relation: str
    whens: dict[str, list[str]]
    otherwise: list[str] = field(default_factory=list)


@dataclass
class Cmp:
    path: str
    op: str
    value: Any


@dataclass
class InList:
    path: str
    values: list[Any]
    negated: bool = False


@dataclass
class Like:
    path: str
    pattern: str


@dataclass
class BoolOp:
    op: str  # AND / OR
    items: list[Any]


@dataclass
class Not:
    item: Any


@dataclass
class Query:
    select: list[str | TypeOf]
    sobject: str
    where: Any = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)  # path, desc, nulls_last
    limit: int | None = None


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise SoqlError("unexpected end of query")
        self.i += 1
        return tok

    def accept(self, kind: str, value: Any = None) -> Token | None:
        tok = self.peek()
        if tok is not None and tok.kind == kind and (value is None or tok.value == value):
            self.i += 1
            return tok
        return None

    def expect(self, kind: str, value: Any = None) -> Token:
        tok = self.accept(kind, value)
        if tok is None:
            raise SoqlError(f"expected {value or kind}, got {self.peek()}")
        return tok

    def ident(self) -> str:
        return str(self.expect("ident").value)

    def query(self) -> Query:
        self.expect("kw", "SELECT")
        select: list[str | TypeOf] = []
        while True:
            if self.accept("kw", "TYPEOF"):
                select.append(self.typeof())
            else:
                select.append(self.ident())
            if not self.accept("punct", ","):
                break
        self.expect("kw", "FROM")
        q = Query(select=select, sobject=self.ident())
        if self.accept("kw", "WHERE"):
            q.where = self.expr()
        if self.accept("kw", "ORDER"):
            self.expect("kw", "BY")
            while True:
                path = self.ident()
                desc = bool(self.accept("kw", "DESC"))
                if not desc:
                    self.accept("kw", "ASC")
                nulls_last = desc
                if self.accept("kw", "NULLS"):
                    nulls_last = bool(self.accept("kw", "LAST"))
                    if not nulls_last:
                        self.expect("kw", "FIRST")
                q.order.append((path, desc, nulls_last))
                if not self.accept("punct", ","):
                    break
        if self.accept("kw", "LIMIT"):
            q.limit = int(self.expect("num").value)
        if self.peek() is not None:
            raise SoqlError(f"unexpected {self.peek()}")
        return q

    def typeof(self) -> TypeOf:
        relation = self.ident()
        whens: dict[str, list[str]] = {}
        otherwise: list[str] = []
        while self.accept("kw", "WHEN"):
            sobject = self.ident()
            self.expect("kw", "THEN")
            whens[sobject] = self.field_list()
        if self.accept("kw", "ELSE"):
            otherwise = self.field_list()
        self.expect("kw", "END")
        if not whens:
            raise SoqlError("TYPEOF needs at least one WHEN")
        return TypeOf(relation, whens, otherwise)

    def field_list(self) -> list[str]:
        names = [self.ident()]
        while True:
            tok = self.peek()
            nxt = self.t[self.i + 1] if self.i + 1 < len(self.t) else None
            if (
                tok is not None
                and tok.kind == "punct"
                and tok.value == ","
                and nxt is not None
                and nxt.kind == "ident"
            ):
                self.i += 1
                names.append(self.ident())
            else:
                return names

    def expr(self) -> Any:
        items = [self.conj()]
        while self.accept("kw", "OR"):
            items.append(self.conj())
        return items[0] if len(items) == 1 else BoolOp("OR", items)

    def conj(self) -> Any:
        items = [self.unary()]
        while self.accept("kw", "AND"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else BoolOp("AND", items)

    def unary(self) -> Any:
        if self.accept("kw", "NOT"):
            return Not(self.unary())
        if self.accept("punct", "("):
            inner = self.expr()
            self.expect("punct", ")")
            return inner
        return self.condition()

    def value(self) -> Any:
        tok = self.next()
        if tok.kind in ("str", "num", "dt", "date"):
            return tok.value
        if tok.kind == "kw" and tok.value in ("TRUE", "FALSE", "NULL"):
            return {"TRUE": True, "FALSE": False, "NULL": None}[tok.value]
        raise SoqlError(f"expected a literal, got {tok}")

    def condition(self) -> Any:
        path = self.ident()
        if self.accept("kw", "NOT"):
            self.expect("kw", "IN")
            return InList(path, self.value_list(), negated=True)
        if self.accept("kw", "IN"):
            return InList(path, self.value_list())
        if self.accept("kw", "LIKE"):
            pattern = self.value()
            if not isinstance(pattern, str):
                raise SoqlError("LIKE needs a string")
            return Like(path, pattern)
        op = str(self.expect("op").value)
        return Cmp(path, op, self.value())

    def value_list(self) -> list[Any]:
        self.expect("punct", "(")
        values = [self.value()]
        while self.accept("punct", ","):
            values.append(self.value())
        self.expect("punct", ")")
        return values


def parse(text: str) -> Query:
    """Parse one query (SoqlError when outside the subset)."""
    return _Parser(tokenize(text)).query()


# -- evaluation -----------------------------------------------------------------------------------
Resolver = Callable[[dict[str, Any], str], Any]


def _coerce(stored: Any, literal: Any) -> tuple[Any, Any]:
    if isinstance(literal, datetime) and isinstance(stored, datetime):
        return stored, literal
    if isinstance(literal, date) and not isinstance(literal, datetime):
        if isinstance(stored, datetime):
            return stored.date(), literal
        return stored, literal
    if isinstance(literal, bool) or isinstance(stored, bool):
        return stored, literal
    if isinstance(literal, int | float) and isinstance(stored, int | float):
        return float(stored), float(literal)
    if isinstance(literal, str) and isinstance(stored, str):
        return stored, literal
    return stored, literal


def _compare(stored: Any, op: str, literal: Any) -> bool:
    if literal is None:
        if op == "=":
            return stored is None
        if op == "!=":
            return stored is not None
        return False
    if stored is None:
        return op == "!="
    a, b = _coerce(stored, literal)
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    mismatch = isinstance(a, datetime) != isinstance(b, datetime) or isinstance(a, str) != isinstance(b, str)
    if type(a) is not type(b) and not numbers and mismatch:
        return op == "!="
    try:
        if op == "=":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        if op == ">=":
            return bool(a >= b)
    except TypeError:
        return False
    raise SoqlError(f"unknown operator {op}")


def _like(stored: Any, pattern: str) -> bool:
    if not isinstance(stored, str):
        return False
    regex = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            regex += re.escape(pattern[i + 1])
            i += 2
            continue
        regex += ".*" if c == "%" else "." if c == "_" else re.escape(c)
        i += 1
    return re.fullmatch(regex, stored, flags=re.I | re.S) is not None


def matches(expr: Any, record: dict[str, Any], resolve: Resolver) -> bool:
    """Whether `record` satisfies the WHERE expression."""
    if expr is None:
        return True
    if isinstance(expr, BoolOp):
        results = (matches(e, record, resolve) for e in expr.items)
        return all(results) if expr.op == "AND" else any(results)
    if isinstance(expr, Not):
        return not matches(expr.item, record, resolve)
    if isinstance(expr, Cmp):
        return _compare(resolve(record, expr.path), expr.op, expr.value)
    if isinstance(expr, InList):
        stored = resolve(record, expr.path)
        found = any(_compare(stored, "=", v) for v in expr.values)
        return found != expr.negated
    if isinstance(expr, Like):
        return _like(resolve(record, expr.path), expr.pattern)
    raise SoqlError(f"unknown expression {expr!r}")


def sort_key(query: Query, resolve: Resolver) -> Callable[[dict[str, Any]], Any]:
    """A key function ordering records per ORDER BY (ascending parts; DESC handled by inversion)."""

    def key(record: dict[str, Any]) -> Any:
        parts = []
        for path, desc, nulls_last in query.order:
            value = resolve(record, path)
            is_null = value is None
            if isinstance(value, datetime):
                value = value.timestamp()
            elif isinstance(value, date):
                value = value.toordinal()
            if desc and not is_null:
                value = _Desc(value)
            parts.append((is_null if nulls_last else not is_null, value if not is_null else 0))
        return tuple(parts)

    return key


class _Desc:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(self.value > other.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)
