"""Text preparation for signal extraction: offset-preserving normalisation, language detection and
speaker segmentation of transcripts.

Contract: `normalize(s)` returns a string of exactly `len(s)` characters (lower case, Latin accents
removed, typographic apostrophes and dashes folded), so an offset into the normalised text is an offset
into the original. Every function here is pure and never raises on any `str` input.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, NamedTuple

from connector.rules.scanner import count_words, fold

Speaker = Literal["prospect", "rep", "notes", "unknown", "field"]


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x80, 0x250):
        ch = chr(cp)
        low = ch.lower()
        if len(low) != 1:
            continue
        base = unicodedata.normalize("NFKD", low)[:1]
        if base and base.isascii() and base != low:
            table[cp] = base
        elif low != ch:
            table[cp] = low
    table.update({ord("œ"): "o", ord("Œ"): "o", ord("æ"): "a", ord("Æ"): "a"})
    for ch in "\u2018\u2019\u02bc\u2032`´":
        table[ord(ch)] = "'"
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2212":
        table[ord(ch)] = "-"
    for ch in "\u00a0\u202f\u2009\u2007":
        table[ord(ch)] = " "
    table[ord("€")] = "€"
    return table


_TABLE = _build_table()
_FOLD = {chr(k): v for k, v in _TABLE.items() if chr(k) != v}
_FOLDED = re.compile("[" + "".join(re.escape(c) for c in sorted(_FOLD)) + "]")
_ONE_PASS = not any(v in _FOLD for v in _FOLD.values())
"""True when no folded character folds again, so replacing each distinct one in turn equals `translate`."""
_FOLD_TABLE = "".join(_TABLE.get(cp, chr(cp)) for cp in range(max(_TABLE) + 1))
"""`_TABLE` as a str (code point → its one folded character) for the compiled `fold`."""
assert len(_FOLD_TABLE) == max(_TABLE) + 1, "every folded character is one character"


def normalize(text: str) -> str:
    """Lower-case `text`, strip Latin accents and fold apostrophes/dashes/spaces; length is preserved."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if not _ONE_PASS:
        return low.translate(_TABLE)
    if low.isascii():
        return low.replace("`", "'") if "`" in low else low
    if fold is not None:  # the compiled scanner's: `translate` in one C pass
        return fold(low, _FOLD_TABLE)
    # `str.translate` looks every character up in a dict; most characters of a note are ASCII and
    # unchanged, so replacing the few distinct folded characters (each a C-level pass) is faster.
    for ch in set(_FOLDED.findall(low)):
        low = low.replace(ch, _FOLD[ch])
    return low


_FR_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "un",
        "une",
        "et",
        "est",
        "pas",
        "pour",
        "avec",
        "sur",
        "dans",
        "que",
        "qui",
        "nous",
        "vous",
        "je",
        "il",
        "elle",
        "ce",
        "cette",
        "mais",
        "ou",
        "du",
        "au",
        "aux",
        "on",
        "ne",
        "plus",
        "tres",
        "bien",
        "rappeler",
        "besoin",
        "mois",
        "semaine",
        "oui",
        "non",
        "merci",
        "bonjour",
        "d'accord",
        "c'est",
        "j'ai",
        "n'est",
        "chez",
        "leur",
        "notre",
        "votre",
        "sont",
        "avons",
        "avez",
        "fait",
        "faire",
        "peut",
        "veut",
        "ok",
        "rdv",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "is",
        "not",
        "for",
        "with",
        "on",
        "in",
        "that",
        "who",
        "we",
        "you",
        "i",
        "he",
        "she",
        "this",
        "but",
        "or",
        "of",
        "to",
        "at",
        "be",
        "are",
        "have",
        "has",
        "do",
        "does",
        "will",
        "would",
        "can",
        "could",
        "our",
        "your",
        "their",
        "yes",
        "no",
        "thanks",
        "hello",
        "need",
        "month",
        "week",
        "call",
        "back",
        "budget's",
        "it's",
        "don't",
        "we're",
        "i'm",
        "they're",
        "meeting",
        "send",
    ]
)
_WORD = re.compile(r"[a-z']+")
_LONGEST = max(map(len, _FR_WORDS | _EN_WORDS))


def detect_language(text: str, limit: int = 4000, normalized: bool = False) -> Literal["fr", "en"]:
    """Guess French or English from the distinct function words in the first `limit` characters
    (ties → French)."""
    sample = text[:limit] if normalized else normalize(text[:limit])
    # the compiled scanner's counts are the same, without a str per word
    counts = count_words(sample, _FR_WORDS, _EN_WORDS, _LONGEST) if count_words is not None else None
    if counts is None:
        words = _WORD.findall(sample)
        counts = len(_FR_WORDS.intersection(words)), len(_EN_WORDS.intersection(words))
    fr, en = counts
    return "en" if en > fr else "fr"


class Segment(NamedTuple):
    """A stretch of one source spoken/written by one party: `text[start:end]` of the source (an
    immutable named tuple: a long transcript has hundreds of turns)."""

    source: str
    speaker: Speaker
    start: int
    end: int


_TAG = re.compile(
    r"^[ \t]*(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?[ \t]*(?:-[ \t]*)?)?"
    r"(?:\[(?P<b>[^\]\n]{1,40})\]|(?P<n>[^\s:\[\]][^:\n]{0,39}?))[ \t]*:[ \t]*",
    re.MULTILINE,
)
_REP_LABELS = frozenset(
    [
        "rep",
        "sales",
        "sdr",
        "bdr",
        "ae",
        "agent",
        "commercial",
        "commerciale",
        "vendeur",
        "vendeuse",
        "conseiller",
        "conseillere",
        "moi",
        "me",
        "caller",
        "appelant",
        "account",
        "executive",
        "sales",
        "rep",
    ]
)
_PROSPECT_LABELS = frozenset(
    [
        "prospect",
        "client",
        "cliente",
        "customer",
        "lead",
        "contact",
        "interlocuteur",
        "interlocutrice",
        "callee",
        "appele",
    ]
)


def _role(label: str, rep_names: tuple[str, ...], prospect_names: tuple[str, ...]) -> Speaker:
    low = normalize(label).strip()
    words = set(re.findall(r"[a-z]+", low))
    if low in _REP_LABELS or words & {"rep", "sdr", "bdr", "commercial", "commerciale", "vendeur", "agent"}:
        return "rep"
    if low in _PROSPECT_LABELS or words & {"prospect", "client", "cliente", "customer", "lead"}:
        return "prospect"
    if any(n and n in low for n in rep_names):
        return "rep"
    if any(n and n in low for n in prospect_names):
        return "prospect"
    return "unknown"


def _names(full: str | None) -> tuple[str, ...]:
    if not full:
        return ()
    parts = [p for p in re.findall(r"[a-z]+", normalize(full)) if len(p) > 2]
    return tuple(parts)


def segment_transcript(
    text: str, owner: str | None = None, prospect_name: str | None = None
) -> list[Segment]:
    """Split a speaker-tagged transcript into segments attributed to the rep or the prospect.

    A line starting with `Label:` (optionally after a timestamp or in brackets) opens a new turn.
    Labels such as Rep/Commercial/SDR or the owner's name are the rep; Prospect/Client or the
    prospect's name are the prospect. Unknown labels: when exactly two speakers appear and one is
    known, the other takes the other role. Untagged text is one `unknown` segment.
    """
    tags: list[re.Match[str]] = []
    labels: list[str] = []
    for m in _TAG.finditer(text):
        raw = m.group("b") or m.group("n") or ""
        label = raw.strip()
        if label and len(raw.split()) <= 4:
            tags.append(m)
            labels.append(label)
    if not tags:
        return [Segment("transcript", "unknown", 0, len(text))] if text else []
    rep_names, pros_names = _names(owner), _names(prospect_name)
    roles = {lab: _role(lab, rep_names, pros_names) for lab in set(labels)}
    unknown = [lab for lab, r in roles.items() if r == "unknown"]
    if len(unknown) == 1 and len(roles) == 2:
        other = next(r for lab, r in roles.items() if lab != unknown[0])
        if other in ("rep", "prospect"):
            roles[unknown[0]] = "prospect" if other == "rep" else "rep"
    elif unknown and len(unknown) == len(roles) == 2:
        roles[labels[0]] = "rep"  # outbound calls: the caller speaks first
        roles[next(lab for lab in unknown if lab != labels[0])] = "prospect"
    segments: list[Segment] = []
    if tags[0].start() > 0:
        segments.append(Segment("transcript", "unknown", 0, tags[0].start()))
    for i, m in enumerate(tags):
        end = tags[i + 1].start() if i + 1 < len(tags) else len(text)
        segments.append(Segment("transcript", roles[labels[i]], m.end(), end))
    return segments
