"""Decision conditions: the small atom language used in `[[decisions]]` (`when`, `any`, `unless`).

Atoms (strings), parsed once at load time:

    outcome:<value>                 the call's outcome (connected, no_answer, busy, voicemail, ...)
    signal:<name>                   a signal said by the prospect or written in the notes/fields
                                    (hits tagged as the rep's speech do not count)
    criterion:<name>=<state>        state is met | not_met | unknown; `!=` negates
    field:<path>                    a truthy field, e.g. field:prospect.do_not_call, field:prospect.consent_at
    field:<path>=<value>            a field equal (case-insensitive) to value
    horizon>N  horizon<=N           months from the call to the project horizon (timing criterion)
    callback>=N  callback<N         months from the call to a requested callback
    score>=N  score<N               the weighted score
    action                          an agreed action (meeting, demo, proposal) was found

`parse_atom` returns None and appends a problem when the atom is malformed. `Facts` is what the engine
computed for one call; `holds(atom, facts)` is pure.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_CMP: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq,
    "!=": operator.ne,
}  # fmt: skip
_STATES = ("met", "not_met", "unknown")
_FIELD_ROOTS = ("prospect", "company", "call")
_NUM_ATOM = re.compile(r"^(horizon|callback|score)\s*(>=|<=|>|<|=|!=)\s*(-?\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Atom:
    """One parsed condition: `kind` (outcome, signal, criterion, field, number, action), its arguments."""

    kind: str
    name: str = ""
    op: str = "="
    value: str | float | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the engine established about one call, as seen by the conditions."""

    outcome: str
    signals: frozenset[str]
    criteria: Mapping[str, str]
    fields: Mapping[str, Any]
    horizon: float | None
    callback: float | None
    score: float
    action: str | None


def parse_atom(
    text: str, path: str, problems: list[str], signals: frozenset[str], criteria: frozenset[str]
) -> Atom | None:
    """Parse one atom; on error append '<path>: <message>' to `problems` and return None."""
    t = text.strip()
    if t == "action":
        return Atom("action", text=t)
    m = _NUM_ATOM.match(t)
    if m:
        return Atom("number", m.group(1), m.group(2), float(m.group(3)), t)
    kind, sep, rest = t.partition(":")
    if not sep or not rest:
        problems.append(f"{path}: cannot read condition {t!r} (expected kind:argument, e.g. signal:opt_out)")
        return None
    if kind == "outcome":
        return Atom("outcome", rest.strip(), text=t)
    if kind == "signal":
        if rest not in signals:
            problems.append(f"{path}: unknown signal {rest!r}")
            return None
        return Atom("signal", rest, text=t)
    if kind == "criterion":
        m2 = re.match(r"^([a-z_][a-z0-9_]*)\s*(!=|=)\s*([a-z_]+)$", rest)
        if not m2:
            problems.append(f"{path}: expected criterion:<name>=<met|not_met|unknown>, got {t!r}")
            return None
        name, op, state = m2.groups()
        if name not in criteria:
            problems.append(f"{path}: unknown criterion {name!r}")
            return None
        if state not in _STATES:
            problems.append(f"{path}: state must be one of {', '.join(_STATES)}, got {state!r}")
            return None
        return Atom("criterion", name, op, state, t)
    if kind == "field":
        fpath, eq, value = rest.partition("=")
        root = fpath.split(".", 1)[0]
        if root not in _FIELD_ROOTS or "." not in fpath:
            problems.append(f"{path}: field path must start with prospect., company. or call., got {fpath!r}")
            return None
        return Atom("field", fpath.strip(), "=" if eq else "truthy", value.strip() if eq else None, t)
    problems.append(f"{path}: unknown condition kind {kind!r} in {t!r}")
    return None


def holds(atom: Atom, facts: Facts) -> bool:
    """Whether `atom` is true of `facts`."""
    if atom.kind == "outcome":
        return facts.outcome == atom.name
    if atom.kind == "signal":
        return atom.name in facts.signals
    if atom.kind == "criterion":
        same = facts.criteria.get(atom.name, "unknown") == atom.value
        return same if atom.op == "=" else not same
    if atom.kind == "field":
        value = facts.fields.get(atom.name)
        if atom.op == "truthy":
            return bool(value)
        return value is not None and str(value).lower() == str(atom.value).lower()
    if atom.kind == "action":
        return facts.action is not None
    if atom.kind == "number":
        current = {"horizon": facts.horizon, "callback": facts.callback, "score": facts.score}[atom.name]
        return current is not None and isinstance(atom.value, float) and _CMP[atom.op](current, atom.value)
    return False
