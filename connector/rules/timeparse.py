"""Relative time expressions (French and English) resolved against the call date.

Contract: `resolve(expr, ref)` takes a *normalised* expression (see `text.normalize`) such as
"dans six mois", "fin t1", "la rentree", "after our fiscal year ends in june", "next quarter",
"mardi 14h", "in 3 months", "septembre" and returns the date it designates relative to `ref`
(the call date), or None when it cannot tell. Pure (memoised, bounded); never raises.

`parse_number` reads digits or number words ("trente mille", "thirty", "30 000", "30k").
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

NUM_WORDS: dict[str, int] = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "octante": 80, "huitante": 80, "nonante": 90,  # Belgian and Swiss French
    "cent": 100, "cents": 100, "mille": 1000,
    "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000,
    "couple": 2, "few": 3, "quelques": 3, "half": 0, "demi": 0,
}  # fmt: skip

MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip

WEEKDAYS: dict[str, int] = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
}  # fmt: skip

_UNIT_DAYS = {"jour": 1, "day": 1, "semaine": 7, "week": 7, "wk": 7, "sem": 7}
_UNIT_MONTHS = {"mois": 1, "month": 1, "trimestre": 3, "quarter": 3, "an": 12, "annee": 12, "year": 12}
_NUMTOK = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")


def parse_number(text: str) -> float | None:
    """Value of a number written in digits or words ("30 000", "50'000", "30k", "trente mille",
    "quatre-vingt-dix", "nonante"), else None."""
    t = text.strip().replace("\u202f", " ")
    m = re.fullmatch(r"(\d{1,3}(?:[ .']\d{3})+|\d+(?:[.,]\d+)?)\s*(k|m|mille|thousand|million)?", t)
    if m:
        raw = m.group(1)
        if re.fullmatch(r"\d{1,3}(?:[ .']\d{3})+", raw):
            value = float(re.sub(r"[ .']", "", raw))
        else:
            value = float(raw.replace(",", "."))
        mult = m.group(2)
        if mult in ("k", "mille", "thousand"):
            value *= 1000
        elif mult in ("m", "million"):
            value *= 1_000_000
        return value
    total = current = 0.0
    seen = False
    prev = None
    for tok in re.findall(r"[a-z]+", t):
        if tok in ("et", "and", "-"):
            continue
        v = NUM_WORDS.get(tok)
        if v is None:
            return None
        seen = True
        if v == 20 and prev == 4:  # quatre-vingt(s): four twenties
            current += 76
        elif v in (100,):
            current = (current or 1) * 100
        elif v == 1000:
            total += (current or 1) * 1000
            current = 0
        else:
            current += v
        prev = v
    return total + current if seen else None


def add_months(d: date, months: int) -> date:
    """`d` moved by `months` calendar months (day clamped to the month's length)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _next_month_start(ref: date, month: int, end: bool = False) -> date:
    year = ref.year if month > ref.month or (month == ref.month and end) else ref.year + 1
    if end:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1)


def _next_day_of_month(ref: date, month: int, day: int) -> date | None:
    """The first `day` of `month` on or after `ref` (this year, else next year); None if no such day."""
    for year in (ref.year, ref.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= ref:
            return candidate
    return None


def _next_day(ref: date, day: int) -> date:
    """The first date on or after `ref` whose day of the month is `day` (months too short skipped)."""
    first = add_months(date(ref.year, ref.month, 1), 1 if day < ref.day else 0)
    while day > calendar.monthrange(first.year, first.month)[1]:
        first = add_months(first, 1)
    return first.replace(day=day)


def _next_iso_week(ref: date, week: int) -> date:
    """Monday of ISO week `week` of this year, or of next year when that week is already over."""
    for year in (ref.isocalendar()[0], ref.isocalendar()[0] + 1):
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            continue
        if monday + timedelta(days=6) >= ref:
            return monday
    return ref


def _quarter(ref: date, q: int, end: bool, next_year: bool) -> date:
    year = ref.year + (1 if next_year else 0)
    start_month = 3 * (q - 1) + 1
    if not next_year and add_months(date(year, start_month, 1), 3) <= ref:
        year += 1
    if end:
        last = start_month + 2
        return date(year, last, calendar.monthrange(year, last)[1])
    return date(year, start_month, 1)


_SEASONS = {
    "rentree": 9, "automne": 10, "fall": 10, "autumn": 10, "hiver": 1, "winter": 1,
    "printemps": 4, "spring": 4, "ete": 7, "summer": 7, "noel": 12, "christmas": 12,
    "fetes": 12, "holidays": 12, "toussaint": 11, "paques": 4, "easter": 4,
    "relache": 3,  # Quebec's spring break, early March
}  # fmt: skip
_YEAR_END_HOLIDAYS = frozenset({"noel", "christmas", "fetes", "holidays"})
"""Christmas / "les Fêtes" / "the holidays": the 25th of December; *after* them is the new year."""
_WEEK_NUMBER = re.compile(r"\b(?:semaine|sem|week|wk|s|w) ?(\d{1,2})\b")
_WEEKS_AHEAD = re.compile(r"\bs ?\+ ?(\d)\b")
_DAY_OF_MONTH = re.compile(r"(?<![\d/.:])(\d{1,2})(?:st|nd|rd|th|er)?(?![\d/.:]|\s?h\b|\s?(?:am|pm)\b)")


@lru_cache(maxsize=4096)
def resolve(expr: str, ref: date) -> date | None:
    """Date designated by the normalised expression `expr` relative to `ref`, or None.

    Memoised (a pure function; the same expressions recur from call to call on the same day)."""
    e = expr.strip()
    if not e or len(e) > 120:
        return None
    toks = _NUMTOK.findall(e)
    words = set(toks)
    nxt = bool(words & {"prochain", "prochaine", "next", "following", "suivant", "suivante", "pro", "proch"})
    end = bool(words & {"fin", "end", "late", "ends", "close"})
    m = _WEEKS_AHEAD.search(e)  # "S+2": the week after next
    if m:
        return ref + timedelta(days=7 * int(m.group(1)) - ref.weekday())
    m = _WEEK_NUMBER.search(e)  # ISO week number: "semaine 44", "S44", "wk 44"
    if m and 1 <= int(m.group(1)) <= 53:
        return _next_iso_week(ref, int(m.group(1)))
    # durations: "dans 6 mois", "in three weeks", "6 months", "d'ici 2 ans"
    for i, tok in enumerate(toks):
        base = tok if tok in _UNIT_MONTHS or tok in _UNIT_DAYS else tok.rstrip("s")
        if base in _UNIT_MONTHS or base in _UNIT_DAYS:
            n: float | None = None
            if i > 0:
                n = parse_number(toks[i - 1]) if toks[i - 1] not in ("le", "la", "this", "ce") else None
            if n is None and i > 0 and toks[i - 1] in ("un", "une", "a", "one"):
                n = 1
            if n is None:
                if nxt or words & {"cette", "this", "ce"}:
                    if base in ("an", "annee", "year"):
                        if nxt and not end:
                            return date(ref.year + 1, 1, 1)
                        return date(ref.year + (1 if nxt else 0), 12, 31)
                    if base in ("mois", "month"):
                        return add_months(ref, 1) if nxt else ref
                    if base in ("trimestre", "quarter"):
                        q = (ref.month - 1) // 3 + 1
                        return _quarter(ref, q % 4 + 1, end, q == 4) if nxt else _quarter(ref, q, True, False)
                    if base in ("semaine", "week", "wk", "sem"):
                        return ref + timedelta(days=7 if nxt else 3)
                continue
            if base in _UNIT_DAYS:
                return ref + timedelta(days=int(n * _UNIT_DAYS[base]))
            return add_months(ref, round(n * _UNIT_MONTHS[base]))
    # quarters: t1, q3, 1er trimestre, first quarter
    m = re.search(r"\b(?:t|q)([1-4])\b|\b([1-4])(?:er|e|eme|st|nd|rd|th)? (?:trimestre|quarter)", e)
    if m:
        q = int(m.group(1) or m.group(2))
        return _quarter(ref, q, end, nxt)
    # fiscal years
    if words & {"exercice", "fiscal", "fy", "budgetaire"}:
        for tok in toks:
            if tok in MONTHS and (end or words & {"ends", "termine", "finit", "fin", "clos", "closes"}):
                return _next_month_start(ref, MONTHS[tok], end=True) + timedelta(days=1)
        if nxt:
            return date(ref.year + 1, 1, 1)
        return date(ref.year, 12, 31)
    year_tok = next((int(t) for t in toks if len(t) == 4 and t.isdigit() and 2000 <= int(t) <= 2100), None)
    for tok in toks:
        if tok in _YEAR_END_HOLIDAYS:
            if words & {"apres", "after", "past"}:  # "après les Fêtes", "after the holidays": 2 January
                if year_tok is not None:
                    return date(year_tok + 1, 1, 2)
                return date(ref.year if ref <= date(ref.year, 1, 2) else ref.year + 1, 1, 2)
            return date(year_tok or (ref.year if ref <= date(ref.year, 12, 25) else ref.year + 1), 12, 25)
        if tok in _SEASONS:
            month = _SEASONS[tok]
            d = _next_month_start(ref, month, end=False) if month != ref.month else ref
            if year_tok is not None and year_tok > d.year:
                d = date(year_tok, month, 1)
            elif nxt and (d - ref).days < 120:
                d = date(d.year + 1, month, 1)  # "la rentrée prochaine", "next summer" said close to it
            return d
    if words & {"demain", "tomorrow"}:
        return ref + timedelta(days=1)
    if words & {"apres-demain"}:
        return ref + timedelta(days=2)
    # explicit dates: 14/03, 14 mars, march 14
    m = re.search(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b", e)
    if m:
        day, month = int(m.group(1)), int(m.group(2))
        if month > 12 >= day:  # "10/22": written month first
            day, month = month, day
        year = int(m.group(3)) if m.group(3) else ref.year
        if year < 100:
            year += 2000
        try:
            explicit: date | None = date(year, month, day)
        except ValueError:
            explicit = None
        if explicit is not None:
            return explicit if m.group(3) or explicit >= ref else date(year + 1, month, min(day, 28))
    for i, tok in enumerate(toks):
        if tok in MONTHS:
            month = MONTHS[tok]
            day_tok = toks[i - 1] if i > 0 else (toks[i + 1] if i + 1 < len(toks) else "")
            if i + 1 < len(toks) and toks[i + 1].isdigit() and int(toks[i + 1]) <= 31:
                day_tok = toks[i + 1]
            start = _next_month_start(ref, month, end=end)
            if year_tok is not None and year_tok != start.year:
                last = calendar.monthrange(year_tok, month)[1]
                start = date(year_tok, month, last if end else 1)
                if day_tok.isdigit() and 1 <= int(day_tok) <= last:
                    return date(year_tok, month, int(day_tok))
                return start if year_tok > ref.year else ref
            day = 15 if words & {"mi", "mid"} else 0  # "mi-mars", "mid-October"
            if day_tok.isdigit() and 1 <= int(day_tok) <= 31:
                day = int(day_tok)
            if day:
                return _next_day_of_month(ref, month, day) or start
            if month == ref.month and not end and year_tok is None:
                return ref if not nxt else date(ref.year + 1, month, 1)
            return start
    for tok in toks:
        if tok in WEEKDAYS:
            delta = (WEEKDAYS[tok] - ref.weekday()) % 7 or 7
            return ref + timedelta(days=delta)
    for tok in toks:
        if len(tok) == 4 and tok.isdigit() and 2000 <= int(tok) <= 2100:
            year = int(tok)
            if year < ref.year:
                return date(year, 12, 31)
            return ref if year == ref.year else date(year, 1, 1)
    if words & {"eow"} or (end and words & {"semaine", "week"}):  # "fin de semaine", "end of week"
        return ref + timedelta(days=(4 - ref.weekday()) % 7)
    if words & {"eom"} or (end and words & {"mois", "month"}):  # "fin du mois", "end of the month"
        return date(ref.year, ref.month, calendar.monthrange(ref.year, ref.month)[1])
    if words & {"eod", "cob", "journee"}:
        return ref
    m = _DAY_OF_MONTH.search(e)  # a day of the month alone: "le 20", "by the 15th", "the 1st"
    if m and 1 <= int(m.group(1)) <= 31:
        return _next_day(ref, int(m.group(1)))
    if words & {"annee", "year", "an"}:
        if nxt:
            return date(ref.year + 1, 12 if end else 1, 31 if end else 1)
        return date(ref.year, 12, 31)
    if words & {"asap", "immediatement", "rapidement", "vite", "urgent", "now", "maintenant"}:
        return ref
    return None


def months_between(ref: date, target: date) -> float:
    """Signed distance from `ref` to `target` in months (30.44-day months)."""
    return (target - ref).days / 30.44
