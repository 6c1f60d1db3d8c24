"""The one-paragraph explanation written back to the CRM, in the call's language (fr or en).

`explanation(...)` states the decision, then each criterion that was established with its deciding
snippet or field value (quoted, shortened), then the next step. Pure; never raises.
"""

from __future__ import annotations

from datetime import date

from connector.rules.evaluate import Assessment

_STATUS = {
    "fr": {"qualified": "Appel qualifié", "nurture": "À recontacter (nurture)", "disqualified": "Disqualifié",
           "unreached": "Non joint"},
    "en": {"qualified": "Qualified call", "nurture": "Nurture", "disqualified": "Disqualified",
           "unreached": "Not reached"},
}  # fmt: skip
_REASON = {
    "fr": {"bad_timing": "mauvais timing", "no_authority": "interlocuteur non décisionnaire",
           "no_budget": "pas de budget", "no_need": "pas de besoin", "out_of_icp": "hors cible (ICP)",
           "competitor_locked_in": "engagé avec un concurrent", "opted_out": "refus d'être contacté",
           "wrong_contact": "mauvais contact"},
    "en": {"bad_timing": "bad timing", "no_authority": "contact is not the decision maker",
           "no_budget": "no budget", "no_need": "no need", "out_of_icp": "outside the ICP",
           "competitor_locked_in": "locked in with a competitor", "opted_out": "asked not to be contacted",
           "wrong_contact": "wrong contact"},
}  # fmt: skip
_NEXT = {
    "fr": {"meeting": "rendez-vous", "demo": "démo", "proposal": "proposition commerciale",
           "callback": "rappel", "reach_decision_maker": "joindre le décideur", "none": "aucune"},
    "en": {"meeting": "meeting", "demo": "demo", "proposal": "proposal", "callback": "callback",
           "reach_decision_maker": "reach the decision maker", "none": "none"},
}  # fmt: skip
_STATE = {
    "fr": {"met": "validé", "not_met": "non validé", "unknown": "inconnu"},
    "en": {"met": "met", "not_met": "not met", "unknown": "unknown"},
}
_MAX_SNIPPET = 80


def short(snippet: str, limit: int = _MAX_SNIPPET) -> str:
    """`snippet` on one line, cut to `limit` characters with an ellipsis."""
    one = " ".join(snippet.split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


def explanation(
    lang: str,
    status: str,
    reason: str | None,
    next_step: str,
    score: float,
    assessments: tuple[Assessment, ...],
    recontact: date | None,
) -> str:
    """One paragraph explaining the decision, in `lang` ("fr" or "en")."""
    lg = "fr" if lang == "fr" else "en"
    head = _STATUS[lg].get(status, status)
    if reason:
        head += f" ({_REASON[lg].get(reason, reason)})"
    head += f", score {round(score)}/100."
    parts: list[str] = []
    for a in assessments:
        if a.state == "unknown":
            continue
        label = a.criterion.label.get(lg, a.criterion.name)
        state = _STATE[lg][a.state]
        if a.snippet:
            quote = f"« {short(a.snippet)} »" if lg == "fr" else f'"{short(a.snippet)}"'
            parts.append(f"{label} : {state} {quote}" if lg == "fr" else f"{label}: {state} {quote}")
        else:
            parts.append(f"{label} : {state}" if lg == "fr" else f"{label}: {state}")
    unknown = [a.criterion.label.get(lg, a.criterion.name) for a in assessments if a.state == "unknown"]
    body = ""
    if parts:
        body = " " + "; ".join(parts) + "."
    if unknown:
        body += (" Non établi : " if lg == "fr" else " Not established: ") + ", ".join(unknown) + "."
    nxt = _NEXT[lg].get(next_step, next_step)
    tail = f" Prochaine étape : {nxt}" if lg == "fr" else f" Next step: {nxt}"
    if recontact is not None:
        tail += f" le {recontact.strftime('%d/%m/%Y')}" if lg == "fr" else f" on {recontact.isoformat()}"
    return head + body + tail + "."
