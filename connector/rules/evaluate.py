"""From a call's text and fields to criterion states: hits → weighted evidence → met / not met / unknown.

`extract(call, ruleset)` finds every signal hit in the notes, the transcript (each hit tagged with its
speaker) and the fields criteria read; `assess(call, ruleset, found, ref)` turns them into one
`Assessment` per criterion plus the facts the decisions need (horizon, callback date, agreed action).
Pure functions; never raise on any text.

Signals the engine itself knows by name (a custom lexicon that lacks one simply loses that feature):
`callback_request` / `timing_later` (callback dates), `budget_later` (budget date, ignored when its
date is not after the call), `action_<next step>` / `action_offer` / `action_offer_meet` / `accept`
(agreed actions and accepted offers), `action_declined`, `need_no`, `opt_out` (refusals in the reply
to an offer), `employees_text` (headcount said in the call).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from connector.model import Call
from connector.rules.ruleset import Criterion, Ruleset
from connector.rules.signals import Hit, find_hits
from connector.rules.text import Segment, Speaker, detect_language, normalize, segment_transcript
from connector.rules.timeparse import months_between, parse_number, resolve

_SOURCE_ORDER = {"transcript": 0, "notes": 1}


class Found(NamedTuple):
    """A hit with its speaker and strength (prospect/notes 1.0, unknown 0.8, rep/field per ruleset).

    Like `Hit`, an immutable named tuple (cheap to build, one per hit)."""

    hit: Hit
    speaker: Speaker
    strength: float
    text: str  # the original (un-normalised) source text the offsets point into
    segment: int = -1  # index of the transcript turn, -1 outside the transcript


class Assessment(NamedTuple):
    """One criterion's verdict and the evidence that decided it (an immutable named tuple)."""

    criterion: Criterion
    state: str
    points: float
    source: str = ""
    snippet: str | None = None
    start: int | None = None
    end: int | None = None
    date: date | None = None


def _strength(speaker: Speaker, ruleset: Ruleset) -> float:
    if speaker == "rep":
        return ruleset.rep_weight
    if speaker == "field":
        return ruleset.field_weight
    if speaker == "unknown":
        return 0.8
    return 1.0


def field_value(call: Call, path: str) -> Any:
    """Value of a dotted field path (prospect.title, company.employees, call.duration_s) or None."""
    root, _, name = path.partition(".")
    obj: Any = call if root == "call" else getattr(call, root, None)
    if obj is None:
        return None
    return getattr(obj, name, None)


@dataclass(frozen=True, slots=True)
class Extraction:
    """All hits of a call plus the transcript's turns (for offer / acceptance pairs)."""

    found: list[Found]
    segments: list[Segment]
    language: str = "fr"
    """The call's language hint, else detected from the normalised notes and transcript (function
    words)."""


def extract(call: Call, ruleset: Ruleset, ref: date | None = None) -> Extraction:
    """Every signal hit of the call, with speaker and strength, in source order.

    With `ref` (the call date), hits whose time expression voids them on that date (see `_void_on`)
    are dropped before they can cancel other hits."""
    out: list[Found] = []
    lex = ruleset.lexicon
    void = _void_on(ref, ruleset.horizon_months) if ref is not None else None
    segs: list[Segment] = []
    sample = ""
    if call.transcript:
        norm = normalize(call.transcript)
        sample = norm[:4000]
        prospect_name = call.prospect.name if call.prospect else None
        segs = segment_transcript(call.transcript, call.owner, prospect_name)
        starts = [s.start for s in segs]
        for h in find_hits(lex, norm, "transcript", void=void):
            i = bisect.bisect_right(starts, h.start) - 1
            inside = i >= 0 and h.start < segs[i].end
            speaker: Speaker = segs[i].speaker if inside else "unknown"
            if h.signal in lex.questions:
                if speaker == "rep" and inside:
                    out.extend(_answered(h, i, segs, call.transcript, ruleset))
                continue
            if (
                speaker == "rep"
                and not h.signal.startswith("action_")
                and _in_question(norm, h.end, segs[i].end)
            ):
                continue  # "no budget?" asked by the rep is not a statement (offers may be questions)
            out.append(Found(h, speaker, _strength(speaker, ruleset), call.transcript, i if inside else -1))
    if call.notes:
        norm = normalize(call.notes)
        sample = norm[:4000] + " " + sample
        for h in find_hits(lex, norm, "notes", void=void):
            out.append(Found(h, "notes", 1.0, call.notes))
    for crit in ruleset.criteria:
        for path in crit.fields:
            value = field_value(call, path)
            if not isinstance(value, str) or not value:
                continue
            for h in find_hits(lex, normalize(value), f"field:{path}", only=crit.met + crit.not_met):
                out.append(Found(h, "field", ruleset.field_weight, value))
    return Extraction(out, segs, call.language or detect_language(sample[:4000], normalized=True))


_SENTENCE_END = re.compile(r"[.!?\n]")


def _answered(q: Hit, turn: int, segs: list[Segment], text: str, ruleset: Ruleset) -> list[Found]:
    """A rep's closed question ("Vous avez un budget ?") answered by the prospect's next turn
    starting with yes / no: the answer stands for the matching statement, said by the prospect."""
    lex = ruleset.lexicon
    yes_sig, no_sig = lex.questions[q.signal]
    for j in range(turn + 1, min(turn + 3, len(segs))):
        if segs[j].speaker not in ("prospect", "unknown"):
            continue
        start = segs[j].start
        head = normalize(text[start : min(segs[j].end, start + 60)])
        for h in find_hits(lex, head, "transcript", only=("answer_yes", "answer_no"), max_hits=1):
            if h.start > 12:
                continue
            signal = yes_sig if h.signal == "answer_yes" else no_sig
            hit = Hit(signal, "transcript", start + h.start, start + h.end)
            return [Found(hit, segs[j].speaker, 1.0, text, j)]
        return []
    return []


def _in_question(norm: str, end: int, limit: int) -> bool:
    """True when the sentence holding offset `end` ends with a question mark (within `limit`)."""
    m = _SENTENCE_END.search(norm, end, min(limit, end + 300))
    return m is not None and m.group() == "?"


def _when_of(f: Found, ruleset: Ruleset, ref: date) -> date | None:
    expr = f.hit.when
    if expr is None and ruleset.lexicon.when_after is not None:
        norm = normalize(f.text[f.hit.end : f.hit.end + 80])
        m = ruleset.lexicon.when_after.match(norm)
        if m is not None and m.group("when"):
            expr = m.group("when")
    return resolve(expr, ref) if expr else None


def _rank(f: Found) -> tuple[float, int, int]:
    return (f.strength, _SOURCE_ORDER.get(f.hit.source, -1), f.hit.start)


def _assess_from(crit: Criterion, state: str, f: Found | None, when: date | None = None) -> Assessment:
    points = crit.weight if state == "met" else (-crit.penalty if state == "not_met" else 0.0)
    if f is None:
        return Assessment(crit, state, points)
    h = f.hit
    return Assessment(crit, state, points, h.source, f.text[h.start : h.end], h.start, h.end, when)


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything `assess` established for the decisions and follow-ups."""

    assessments: tuple[Assessment, ...]
    signals: frozenset[str]
    horizon: float | None
    horizon_date: date | None
    callback: float | None
    callback_date: date | None
    action: str | None
    action_date: date | None
    budget_date: date | None


_FUTURE_ONLY = ("budget_later",)
"""Signals that only mean something when their time expression (if any) lies after the call."""
_LOCK_IN = ("competitor_locked",)
"""Contract signals that lock the prospect in only when the contract runs past the horizon: a
contract "jusqu'en mars" mentioned in October ends within it (a timing matter, not a lock-in)."""
_NEAR_TIMING = {"timing_later": "timing"}
"""Late-timing signals → the plain horizon signal they stand for when their date lies within the
horizon and an action is agreed ("pas avant janvier" said in October, with a demo on Thursday, is a
three-month horizon; without an agreed action it stays a wait, hence a callback)."""


def _void_on(ref: date, horizon_months: float) -> Callable[[Hit], bool]:
    """Whether a hit means nothing on the call date `ref`: a future-only signal whose date is not after
    it, or a lock-in whose contract ends within the horizon."""

    def void(h: Hit) -> bool:
        if not h.when or (h.signal not in _FUTURE_ONLY and h.signal not in _LOCK_IN):
            return False
        d = resolve(h.when, ref)
        if d is None:
            return False
        return d <= ref if h.signal in _FUTURE_ONLY else months_between(ref, d) <= horizon_months

    return void


def _by_signal(found: list[Found], ruleset: Ruleset) -> tuple[dict[str, list[Found]], frozenset[str]]:
    """Hits grouped by signal, and the signals with a hit said more strongly than by the rep."""
    by_signal: dict[str, list[Found]] = {}
    strong: set[str] = set()
    for f in found:
        by_signal.setdefault(f.hit.signal, []).append(f)
        if f.strength > ruleset.rep_weight:
            strong.add(f.hit.signal)
    return by_signal, frozenset(strong)


def _as_horizon(f: Found, ref: date, horizon_months: float) -> Found:
    """A late-timing hit (`_NEAR_TIMING`) whose date lies within the horizon, as the plain horizon
    signal; any other hit unchanged."""
    name = _NEAR_TIMING.get(f.hit.signal)
    if name is None or not f.hit.when:
        return f
    d = resolve(f.hit.when, ref)
    if d is None or months_between(ref, d) > horizon_months:
        return f
    return f._replace(hit=f.hit._replace(signal=name))


def assess(call: Call, ruleset: Ruleset, extraction: Extraction, ref: date) -> Facts:
    """Criterion verdicts and decision facts for one call, `ref` being the call date; `extraction`
    comes from `extract(call, ruleset, ref)`."""
    found = extraction.found
    by_signal, strong = _by_signal(found, ruleset)

    def best(names: tuple[str, ...], min_strength: float = 0.0) -> Found | None:
        cands = [f for n in names for f in by_signal.get(n, ()) if f.strength >= min_strength]
        return max(cands, key=_rank) if cands else None

    by_turn: dict[int, set[str]] = {}
    for f in found:
        if f.segment >= 0:
            by_turn.setdefault(f.segment, set()).add(f.hit.signal)
    action_crit = next((c for c in ruleset.criteria if c.kind == "action"), None)
    agreed = None
    if action_crit is not None:
        agreed = _action(action_crit, ruleset, by_signal, best, ref, extraction, by_turn)
        if agreed[1] is not None and any(n in by_signal for n in _NEAR_TIMING):
            near = [_as_horizon(f, ref, ruleset.horizon_months) for f in found]
            if near != found:
                by_signal, strong = _by_signal(near, ruleset)
    # callbacks: explicit requests, "not before <date>", or a rep's offer to call back that the
    # prospect accepts (the date from the reply, else from the offer)
    dated: list[tuple[tuple[float, int, int], date]] = []
    for f in by_signal.get("callback_request", []) + by_signal.get("timing_later", []):
        if f.speaker == "rep":
            continue  # the rep's "on peut se rappeler dans six mois" is an offer (see callback_offer)
        d = _when_of(f, ruleset, ref) if f.hit.when else None
        if d is not None and d > ref:
            dated.append((_rank(f), d))
    for f in by_signal.get("callback_offer", []):
        if f.speaker != "rep":
            continue
        acc = _accepted(f, ruleset, extraction, by_turn, ref)
        d = (
            acc
            if isinstance(acc, date)
            else (_when_of(f, ruleset, ref) if acc is None and f.hit.when else None)
        )
        if d is not None and d > ref:
            dated.append(((1.0, _SOURCE_ORDER["transcript"], f.hit.end), d))
    callback_date = max(dated, key=lambda x: x[0])[1] if dated else None
    callback = months_between(ref, callback_date) if callback_date else None
    budget_date = None
    for f in sorted(by_signal.get("budget_later", []), key=_rank, reverse=True):
        budget_date = _when_of(f, ruleset, ref) if f.hit.when else None
        if budget_date is not None:
            break

    results: list[Assessment] = []
    horizon: float | None = None
    horizon_date: date | None = None
    action: str | None = None
    action_date: date | None = None
    for crit in ruleset.criteria:
        if crit.kind == "icp":
            results.append(_icp(call, ruleset, crit, found))
        elif crit.kind == "timing":
            a, horizon, horizon_date = _timing(crit, ruleset, best, ref)
            results.append(a)
        elif crit.kind == "action":
            a, action, action_date = (
                agreed
                if crit is action_crit and agreed is not None
                else _action(crit, ruleset, by_signal, best, ref, extraction, by_turn)
            )
            results.append(a)
        else:
            pos, neg = best(crit.met), best(crit.not_met)
            if pos is None and neg is None:
                results.append(_assess_from(crit, "unknown", None))
            elif neg is None or (pos is not None and _rank(pos) > _rank(neg)):
                results.append(_assess_from(crit, "met", pos))
            else:
                results.append(_assess_from(crit, "not_met", neg))
    return Facts(
        tuple(results),
        strong,
        horizon,
        horizon_date,
        callback,
        callback_date,
        action,
        action_date,
        budget_date,
    )


def _timing(
    crit: Criterion, ruleset: Ruleset, best: Any, ref: date
) -> tuple[Assessment, float | None, date | None]:
    pos: Found | None = best(crit.met)
    neg: Found | None = best(crit.not_met)
    pick = pos if neg is None or (pos is not None and _rank(pos) > _rank(neg)) else neg
    if pick is None:
        return _assess_from(crit, "unknown", None), None, None
    d = _when_of(pick, ruleset, ref) if pick.hit.when else None
    months = months_between(ref, d) if d else None
    if pick is neg:
        return _assess_from(crit, "not_met", pick, d), months, d
    limit = ruleset.horizon_months
    if _DEADLINE.search(normalize(pick.text[pick.hit.start : pick.hit.end])):
        limit += ruleset.deadline_grace_months
        if months is not None and months <= limit:
            months = min(months, ruleset.horizon_months)
    if months is not None and months > limit:
        return _assess_from(crit, "not_met", pick, d), months, d
    return _assess_from(crit, "met", pick, d), months if months is not None else 0.0, d


_DEADLINE = re.compile(
    r"(?<![a-z0-9])(?:d'ici|dici|avant|before|by|within|sous|under|until|jusqu'a|au plus tard)\b"
)
_OFFER_KIND = {
    "demo": "demo", "demonstration": "demo", "walkthrough": "demo", "presentation": "demo",
    "proposition": "proposal", "proposal": "proposal", "devis": "proposal", "offre": "proposal",
    "quote": "proposal", "soumission": "proposal",
    **dict.fromkeys(("outil", "tool", "plateforme", "platform", "solution", "produit", "product", "logiciel",
                     "software", "app", "application"), "demo"),  # "je peux vous montrer l'outil"
}  # fmt: skip
_REFUSALS = ("action_declined", "need_no", "opt_out", "timing_later")


def _accepted(
    f: Found, ruleset: Ruleset, ext: Extraction, by_turn: dict[int, set[str]], ref: date
) -> date | bool | None:
    """For a rep's proposal in turn i: False if the prospect does not accept it, else the date the
    prospect gave (or None). The acceptance is the prospect's next turn, or the turn after one
    clarifying question ("Quand exactement ?" — the rep answers, then the prospect accepts)."""
    if f.segment < 0:
        return False
    segs = ext.segments
    questions = 0
    for j in range(f.segment + 1, min(f.segment + 5, len(segs))):
        if segs[j].speaker not in ("prospect", "unknown"):
            continue
        said = by_turn.get(j, set())
        if any(r in said for r in _REFUSALS):
            return False
        raw = f.text[segs[j].start : segs[j].end][:2000]
        reply = normalize(raw)
        if not find_hits(ruleset.lexicon, reply, "transcript", only=("accept",), max_hits=1):
            if raw.rstrip().endswith("?") and questions == 0:
                questions += 1
                continue
            return False
        for k in (j, j - 1, j + 1):
            if f.segment < k < len(segs) and ruleset.lexicon.when_any is not None:
                turn = normalize(f.text[segs[k].start : segs[k].end][:400])
                m = ruleset.lexicon.when_any.search(turn)
                if m is not None and m.group("when"):
                    d = resolve(m.group("when"), ref)
                    if d is not None and d >= ref:
                        return d
        return None
    return False


def _action(
    crit: Criterion,
    ruleset: Ruleset,
    by_signal: dict[str, list[Found]],
    best: Any,
    ref: date,
    ext: Extraction,
    by_turn: dict[int, set[str]],
) -> tuple[Assessment, str | None, date | None]:
    offers: dict[str, list[tuple[Found, date | None]]] = {}
    for name in ruleset.actions:
        for f in by_signal.get(f"action_{name}", ()):
            if f.speaker == "rep":
                acc = _accepted(f, ruleset, ext, by_turn, ref)
                if acc is not False:
                    offers.setdefault(name, []).append((f, acc if isinstance(acc, date) else None))
    for f in by_signal.get("action_offer", []) + by_signal.get("action_offer_meet", []):
        if f.speaker in ("rep", "unknown") and f.hit.kind:
            kind = _OFFER_KIND.get(f.hit.kind, "meeting")
            acc = _accepted(f, ruleset, ext, by_turn, ref)
            if acc is not False and kind in ruleset.actions:
                offers.setdefault(kind, []).append((f, acc if isinstance(acc, date) else None))
    for name in ruleset.actions:
        fs = [f for f in by_signal.get(f"action_{name}", ()) if f.speaker != "rep"]
        if not fs and name in offers:
            f, d = offers[name][-1]
            return _assess_from(crit, "met", f, d), name, d
        if fs:
            f = max(fs, key=_rank)
            d = None
            for cand in sorted(fs, key=lambda x: x.hit.start):
                d = _when_of(cand, ruleset, ref)
                if d is not None and d >= ref:
                    f = cand
                    break
                d = None
            return _assess_from(crit, "met", f, d), name, d
    neg: Found | None = best(crit.not_met)
    if neg is not None:
        return _assess_from(crit, "not_met", neg), None, None
    return _assess_from(crit, "unknown", None), None, None


_INDUSTRY_SPLIT = re.compile(r"[^a-z0-9]+")


def _icp(call: Call, ruleset: Ruleset, crit: Criterion, found: list[Found]) -> Assessment:
    icp = ruleset.icp
    comp, pros = call.company, call.prospect
    passed: Assessment | None = None

    def verdict(state: str, path: str, value: Any) -> Assessment:
        pts = crit.weight if state == "met" else (-crit.penalty if state == "not_met" else 0.0)
        return Assessment(crit, state, pts, f"field:{path}", str(value), None, None)

    employees = comp.employees if comp else None
    if employees is not None:
        if (icp.employees_min is not None and employees < icp.employees_min) or (
            icp.employees_max is not None and employees > icp.employees_max
        ):
            return verdict("not_met", "company.employees", employees)
        passed = verdict("met", "company.employees", employees)
    else:
        for f in found:
            if f.hit.signal == "employees_text" and f.hit.number and f.strength > ruleset.rep_weight:
                digits = re.sub(r"[ .,']", "", f.hit.number)  # thousands: 1 200, 1.200, 1,200, 1'200
                if digits.isdigit():
                    n = int(digits) if len(digits) < 9 else None
                else:
                    words = parse_number(f.hit.number)  # "huit", "septante-cinq"
                    n = int(words) if words is not None else None
                if n is not None and (
                    (icp.employees_min is not None and n < icp.employees_min)
                    or (icp.employees_max is not None and n > icp.employees_max)
                ):
                    h = f.hit
                    return Assessment(
                        crit, "not_met", -crit.penalty, h.source, f.text[h.start : h.end], h.start, h.end
                    )
    country = (comp.country if comp and comp.country else None) or (pros.country if pros else None)
    if country and icp.countries:
        path = "company.country" if comp and comp.country else "prospect.country"
        if country.upper() not in icp.countries:
            return verdict("not_met", path, country)
        passed = passed or verdict("met", path, country)
    industry = comp.industry if comp else None
    if industry and icp.excluded_industries:
        ind = " ".join(_INDUSTRY_SPLIT.split(normalize(industry)))
        for ex in icp.excluded_industries:
            if ex and f" {ex} " in f" {ind} ":
                return verdict("not_met", "company.industry", industry)
        passed = passed or verdict("met", "company.industry", industry)
    if passed is not None:
        return passed
    return Assessment(crit, "unknown", 0.0)
