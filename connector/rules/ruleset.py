"""Rulesets: load a rule pack (built-in `bant` / `champ`, or a TOML file), validate it, compile it.

`load_ruleset(name_or_path)` returns an immutable `Ruleset` or raises `RulesError` listing every
problem with its TOML path (e.g. `decisions[3].when[0]: unknown signal 'opt_oot'`). A user file may
say `extends = "bant"` and override any part: tables are merged key by key, arrays and scalars replace.
`Ruleset.version` is `<name>-<8 hex>`: a hash of the effective rules (pack + lexicon), stable across
runs and machines, that changes whenever a rule changes. The file format is documented in docs/rules.md.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector.errors import RulesError
from connector.rules.conditions import Atom, parse_atom
from connector.rules.signals import Lexicon, compile_lexicon
from connector.rules.text import normalize

PACKS_DIR = Path(__file__).parent / "packs"
LEXICONS_DIR = Path(__file__).parent / "lexicons"
BUILTIN_PACKS = ("bant", "champ")
CRITERION_KINDS = ("signals", "icp", "timing", "action")
DUE_RULES = ("next_business_day", "recontact", "before_action", "business_days")
_TOP_KEYS = {
    "name", "description", "extends", "lexicon", "vocabulary", "icp", "settings", "criteria",
    "decisions", "follow_ups", "signals", "macros", "actions",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Icp:
    """Ideal customer profile filters (fields only). Unknown fields pass when `unknown_passes`."""

    employees_min: int | None
    employees_max: int | None
    countries: frozenset[str]
    excluded_industries: tuple[str, ...]
    unknown_passes: bool = True


@dataclass(frozen=True, slots=True)
class Criterion:
    """A scored criterion: its signals (met / not met), fields it reads, weight and labels."""

    name: str
    kind: str
    weight: float
    met: tuple[str, ...]
    not_met: tuple[str, ...]
    fields: tuple[str, ...]
    penalty: float
    label: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Decision:
    """One ordered decision rule: the first whose conditions hold gives status/reason/next step."""

    name: str
    when: tuple[Atom, ...]
    any: tuple[Atom, ...]
    unless: tuple[Atom, ...]
    status: str
    reason: str | None
    next_step: str
    follow_ups: tuple[str, ...]
    recontact: str | None
    score_min: float | None
    score_max: float | None


@dataclass(frozen=True, slots=True)
class FollowUpTemplate:
    """How one kind of follow-up task is written: type, priority, due rule, subject/body per language."""

    kind: str
    type: str
    priority: str
    due: str
    due_days: int
    hour: int
    subject: Mapping[str, str]
    body: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A compiled, immutable rule pack. `statuses`/`reasons`/`next_steps` are the output vocabulary."""

    name: str
    version: str
    statuses: tuple[str, ...]
    reasons: tuple[str, ...]
    next_steps: tuple[str, ...]
    description: str
    icp: Icp
    criteria: tuple[Criterion, ...]
    decisions: tuple[Decision, ...]
    follow_ups: Mapping[str, FollowUpTemplate]
    lexicon: Lexicon
    actions: tuple[str, ...]
    horizon_months: float
    deadline_grace_months: float
    default_callback_months: int
    rep_weight: float
    field_weight: float
    default_country: str
    source: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        problems.append(f"{path}: cannot read ({exc.strerror or exc})")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
    return {}


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _resolve(name_or_path: str | Path, problems: list[str], depth: int = 0) -> tuple[dict[str, Any], str]:
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_PACKS:
        path = PACKS_DIR / f"{name_or_path}.toml"
    else:
        path = Path(name_or_path)
    data = _read_toml(path, problems)
    parent = data.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or depth > 3:
            problems.append(f"{path}: extends: must name a built-in pack or a file (max 3 levels)")
        else:
            target: str | Path = parent if parent in BUILTIN_PACKS else path.parent / parent
            base, _ = _resolve(target, problems, depth + 1)
            data = _merge(base, {k: v for k, v in data.items() if k != "extends"})
    return data, str(path)


def load_ruleset(name_or_path: str | Path) -> Ruleset:
    """Load, validate and compile a rule pack: "bant", "champ" or a path to a TOML file.

    Raises `RulesError` listing every problem found (each prefixed with its TOML path).
    """
    problems: list[str] = []
    data, where = _resolve(name_or_path, problems)
    if problems:
        raise RulesError(problems, source=where)
    lex_name = data.get("lexicon", "core")
    lex_data: dict[str, Any] = {}
    if not isinstance(lex_name, str):
        problems.append("lexicon: must be a built-in lexicon name or a path")
    else:
        lex_path = LEXICONS_DIR / f"{lex_name}.toml"
        if not lex_path.exists():
            lex_path = Path(where).parent / lex_name
        lex_data = _read_toml(lex_path, problems)
    # a pack may add or replace signals and macros
    lex_data = _merge(lex_data, {k: data[k] for k in ("signals", "macros") if k in data})
    ruleset = compile_ruleset(data, lex_data, problems)
    if problems or ruleset is None:
        raise RulesError(problems, source=where)
    return ruleset


def _str_list(v: Any, path: str, problems: list[str], allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v) or (not v and not allow_empty):
        problems.append(f"{path}: must be a {'non-empty ' if not allow_empty else ''}list of strings")
        return ()
    return tuple(v)


def _num(v: Any, path: str, problems: list[str], default: float | None = None) -> float | None:
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int | float):
        problems.append(f"{path}: must be a number")
        return default
    return float(v)


def _lang_map(v: Any, path: str, problems: list[str]) -> dict[str, str]:
    if isinstance(v, str):
        return {"fr": v, "en": v}
    if isinstance(v, Mapping) and all(isinstance(x, str) for x in v.values()) and {"fr", "en"} <= set(v):
        return {str(k): str(x) for k, x in v.items()}
    problems.append(f"{path}: must be a string or a table with `fr` and `en` strings")
    return {"fr": "", "en": ""}


def compile_ruleset(
    data: Mapping[str, Any], lex_data: Mapping[str, Any], problems: list[str]
) -> Ruleset | None:
    """Validate and compile pack data (already merged) with its lexicon; append problems."""
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"{key}: unknown top-level key")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        problems.append("name: required string")
        name = "rules"
    lexicon = compile_lexicon(lex_data, "lexicon", problems)
    signal_names = frozenset(lexicon.by_name)

    voc = data.get("vocabulary", {})
    if not isinstance(voc, Mapping):
        problems.append("vocabulary: must be a table")
        voc = {}
    statuses = _str_list(voc.get("statuses"), "vocabulary.statuses", problems, allow_empty=False)
    reasons = _str_list(voc.get("reasons", []), "vocabulary.reasons", problems)
    next_steps = _str_list(voc.get("next_steps"), "vocabulary.next_steps", problems, allow_empty=False)
    for s in statuses:
        if s not in ("qualified", "nurture", "disqualified", "unreached"):
            problems.append(f"vocabulary.statuses: {s!r} is not a status the connector knows")

    icp_raw = data.get("icp", {})
    if not isinstance(icp_raw, Mapping):
        problems.append("icp: must be a table")
        icp_raw = {}
    for key in sorted(
        set(icp_raw)
        - {"employees_min", "employees_max", "countries", "excluded_industries", "unknown_passes"}
    ):
        problems.append(f"icp.{key}: unknown key")
    emin = _num(icp_raw.get("employees_min"), "icp.employees_min", problems)
    emax = _num(icp_raw.get("employees_max"), "icp.employees_max", problems)
    if emin is not None and emax is not None and emin > emax:
        problems.append("icp.employees_min: greater than icp.employees_max")
    icp = Icp(
        int(emin) if emin is not None else None,
        int(emax) if emax is not None else None,
        frozenset(c.upper() for c in _str_list(icp_raw.get("countries", []), "icp.countries", problems)),
        tuple(
            normalize(i)
            for i in _str_list(icp_raw.get("excluded_industries", []), "icp.excluded_industries", problems)
        ),
        bool(icp_raw.get("unknown_passes", True)),
    )

    settings = data.get("settings", {})
    if not isinstance(settings, Mapping):
        problems.append("settings: must be a table")
        settings = {}
    for key in sorted(
        set(settings)
        - {
            "horizon_months",
            "deadline_grace_months",
            "default_callback_months",
            "rep_weight",
            "field_weight",
            "default_country",
        }
    ):
        problems.append(f"settings.{key}: unknown key")
    horizon = _num(settings.get("horizon_months"), "settings.horizon_months", problems, 6.0) or 6.0
    grace = _num(settings.get("deadline_grace_months"), "settings.deadline_grace_months", problems, 3.0)
    cb_months = _num(
        settings.get("default_callback_months"), "settings.default_callback_months", problems, 3.0
    )
    rep_weight = _num(settings.get("rep_weight"), "settings.rep_weight", problems, 0.5)
    field_weight = _num(settings.get("field_weight"), "settings.field_weight", problems, 0.6)
    country = settings.get("default_country", "FR")
    if not isinstance(country, str) or len(country) != 2:
        problems.append("settings.default_country: must be an ISO 3166-1 alpha-2 code")
        country = "FR"

    actions = _str_list(data.get("actions", ["demo", "proposal", "meeting"]), "actions", problems)
    for i, a in enumerate(actions):
        if a not in next_steps:
            problems.append(f"actions[{i}]: {a!r} is not in vocabulary.next_steps")
        if f"action_{a}" not in signal_names:
            problems.append(f"actions[{i}]: no signal action_{a} in the lexicon")

    criteria = _criteria(data.get("criteria"), signal_names, problems)
    crit_names = frozenset(c.name for c in criteria)
    templates = _templates(data.get("follow_ups", {}), problems)
    decisions = _decisions(
        data.get("decisions"),
        signal_names,
        crit_names,
        set(statuses),
        set(reasons),
        set(next_steps),
        set(templates),
        problems,
    )
    if problems:
        return None
    digest = hashlib.sha256(
        json.dumps({"pack": data, "lexicon": lex_data}, sort_keys=True, default=str).encode()
    ).hexdigest()
    return Ruleset(
        name=name,
        version=f"{name}-{digest[:8]}",
        statuses=statuses,
        reasons=reasons,
        next_steps=next_steps,
        description=str(data.get("description", "")),
        icp=icp,
        criteria=criteria,
        decisions=decisions,
        follow_ups=templates,
        lexicon=lexicon,
        actions=actions,
        horizon_months=horizon,
        deadline_grace_months=grace if grace is not None else 3.0,
        default_callback_months=int(cb_months or 3),
        rep_weight=rep_weight if rep_weight is not None else 0.5,
        field_weight=field_weight if field_weight is not None else 0.6,
        default_country=country.upper(),
        source=dict(data),
    )


def _criteria(raw: Any, signals: frozenset[str], problems: list[str]) -> tuple[Criterion, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("criteria: must be a non-empty array of tables ([[criteria]])")
        return ()
    out: list[Criterion] = []
    seen: set[str] = set()
    for i, c in enumerate(raw):
        p = f"criteria[{i}]"
        if not isinstance(c, Mapping):
            problems.append(f"{p}: must be a table")
            continue
        for key in sorted(
            set(c) - {"name", "kind", "weight", "met", "not_met", "fields", "penalty", "label"}
        ):
            problems.append(f"{p}.{key}: unknown key")
        name = c.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            problems.append(f"{p}.name: required identifier")
            continue
        if name in seen:
            problems.append(f"{p}.name: duplicate criterion {name!r}")
        seen.add(name)
        kind = c.get("kind", "signals")
        if kind not in CRITERION_KINDS:
            problems.append(f"{p}.kind: must be one of {', '.join(CRITERION_KINDS)}")
        weight = _num(c.get("weight"), f"{p}.weight", problems, 0.0) or 0.0
        if not 0 <= weight <= 100:
            problems.append(f"{p}.weight: must be between 0 and 100")
        met = _str_list(c.get("met", []), f"{p}.met", problems)
        not_met = _str_list(c.get("not_met", []), f"{p}.not_met", problems)
        for key, names in (("met", met), ("not_met", not_met)):
            for j, s in enumerate(names):
                if s not in signals:
                    problems.append(f"{p}.{key}[{j}]: unknown signal {s!r}")
        fields = _str_list(c.get("fields", []), f"{p}.fields", problems)
        for j, f in enumerate(fields):
            if f.split(".", 1)[0] not in ("prospect", "company") or "." not in f:
                problems.append(f"{p}.fields[{j}]: must be prospect.<field> or company.<field>")
        penalty = _num(c.get("penalty"), f"{p}.penalty", problems, 0.0) or 0.0
        label = _lang_map(c.get("label", name), f"{p}.label", problems)
        out.append(Criterion(name, str(kind), weight, met, not_met, fields, penalty, label))
    total = sum(c.weight for c in out)
    if out and total > 100.0001:
        problems.append(f"criteria: weights add up to {total:g}, must be at most 100")
    return tuple(out)


def _atoms(
    raw: Any, path: str, signals: frozenset[str], crits: frozenset[str], problems: list[str]
) -> tuple[Atom, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.append(f"{path}: must be a list of conditions")
        return ()
    out = [parse_atom(x, f"{path}[{i}]", problems, signals, crits) for i, x in enumerate(raw)]
    return tuple(a for a in out if a is not None)


def _decisions(
    raw: Any,
    signals: frozenset[str],
    crits: frozenset[str],
    statuses: set[str],
    reasons: set[str],
    next_steps: set[str],
    templates: set[str],
    problems: list[str],
) -> tuple[Decision, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("decisions: must be a non-empty array of tables ([[decisions]])")
        return ()
    out: list[Decision] = []
    for i, d in enumerate(raw):
        p = f"decisions[{i}]"
        if not isinstance(d, Mapping):
            problems.append(f"{p}: must be a table")
            continue
        allowed = {
            "name",
            "when",
            "any",
            "unless",
            "status",
            "reason",
            "next_step",
            "follow_ups",
            "recontact",
            "score_min",
            "score_max",
        }
        for key in sorted(set(d) - allowed):
            problems.append(f"{p}.{key}: unknown key")
        status = d.get("status")
        if status not in statuses:
            problems.append(f"{p}.status: {status!r} is not in vocabulary.statuses")
        reason = d.get("reason")
        if reason is not None and reason not in reasons:
            problems.append(f"{p}.reason: {reason!r} is not in vocabulary.reasons")
        if status in ("disqualified", "nurture") and reason is None:
            problems.append(f"{p}.reason: required when status is {status}")
        nxt = d.get("next_step", "none")
        if nxt != "@action" and nxt not in next_steps:
            problems.append(f"{p}.next_step: {nxt!r} is not in vocabulary.next_steps (or '@action')")
        fus = _str_list(d.get("follow_ups", []), f"{p}.follow_ups", problems)
        for j, k in enumerate(fus):
            if k not in templates and k != "@action":
                problems.append(f"{p}.follow_ups[{j}]: no [follow_ups.{k}] template")
        rec = d.get("recontact")
        if rec is not None and (
            not isinstance(rec, str) or not (rec == "@callback" or rec.startswith("months:"))
        ):
            problems.append(f"{p}.recontact: must be '@callback' or 'months:N'")
        if isinstance(rec, str) and rec.startswith("months:") and not rec[7:].isdigit():
            problems.append(f"{p}.recontact: N in 'months:N' must be an integer")
        out.append(
            Decision(
                name=str(d.get("name", f"rule{i}")),
                when=_atoms(d.get("when"), f"{p}.when", signals, crits, problems),
                any=_atoms(d.get("any"), f"{p}.any", signals, crits, problems),
                unless=_atoms(d.get("unless"), f"{p}.unless", signals, crits, problems),
                status=str(status),
                reason=reason if isinstance(reason, str) else None,
                next_step=str(nxt),
                follow_ups=fus,
                recontact=rec if isinstance(rec, str) else None,
                score_min=_num(d.get("score_min"), f"{p}.score_min", problems),
                score_max=_num(d.get("score_max"), f"{p}.score_max", problems),
            )
        )
    return tuple(out)


def _templates(raw: Any, problems: list[str]) -> dict[str, FollowUpTemplate]:
    if not isinstance(raw, Mapping):
        problems.append("follow_ups: must be a table of [follow_ups.<kind>] tables")
        return {}
    out: dict[str, FollowUpTemplate] = {}
    for kind, t in raw.items():
        p = f"follow_ups.{kind}"
        if not isinstance(t, Mapping):
            problems.append(f"{p}: must be a table")
            continue
        for key in sorted(set(t) - {"type", "priority", "due", "hour", "subject", "body"}):
            problems.append(f"{p}.{key}: unknown key")
        typ = t.get("type", "call")
        if typ not in ("call", "email", "todo", "meeting"):
            problems.append(f"{p}.type: must be call, email, todo or meeting")
        prio = t.get("priority", "medium")
        if prio not in ("high", "medium", "low"):
            problems.append(f"{p}.priority: must be high, medium or low")
        due = str(t.get("due", "next_business_day"))
        rule, _, n = due.partition(":")
        if rule not in DUE_RULES or (rule == "business_days" and not n.isdigit()):
            problems.append(
                f"{p}.due: must be one of next_business_day, recontact, before_action, business_days:N"
            )
        hour = t.get("hour", 9)
        if not isinstance(hour, int) or not 0 <= hour <= 23:
            problems.append(f"{p}.hour: must be an integer hour 0-23")
            hour = 9
        out[str(kind)] = FollowUpTemplate(
            str(kind),
            str(typ),
            str(prio),
            rule,
            int(n) if n.isdigit() else 0,
            hour,
            _lang_map(t.get("subject", str(kind)), f"{p}.subject", problems),
            _lang_map(t.get("body", ""), f"{p}.body", problems),
        )
    return out
