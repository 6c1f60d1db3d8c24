# ruff: noqa: E501  (the phrasing tables read best one case per line)
"""More ways reps and prospects phrase an agreed action (French and English), one family at a time.

Each family is a general phrasing (a scheduling verb + the action, a sizing request for pricing, an
invitation sent, a visit...), never one sentence: the patterns live in the core lexicon and every case
below is only an instance of its family. Negative controls check that the families do not swallow
what is not an agreed action (a demo already seen, a brochure, a plain callback, a refusal).
"""

from __future__ import annotations

import pytest

from connector.rules import Ruleset, qualify
from connector.rules.signals import find_hits
from connector.rules.text import normalize
from tests.engine.conftest import NOW, make_call

FR_CTX = "Relances à la main, besoin clair. "
EN_CTX = "They chase invoices by hand in Excel, real pain. "
EN_TURN = "PROSPECT: We chase invoices by hand, it's a real pain. I make the call.\n"
FR_TURN = "PROSPECT: On fait tout à la main, c'est un vrai problème. C'est moi qui décide.\n"


def decide(rules: Ruleset, notes: str = "", transcript: str = "") -> tuple[str, str | None, str]:
    res = qualify(make_call(notes, transcript), rules, NOW)
    return res.status, res.reason, res.next_step


def signals(rules: Ruleset, text: str) -> set[str]:
    return {h.signal for h in find_hits(rules.lexicon, normalize(text), "notes")}


# --- demos --------------------------------------------------------------------------------------
DEMO_EN = [
    "Let's lock in Thursday at 2 for a walkthrough.",  # scheduling verb ... for a demo
    "Pencilled in a demo for next Tuesday with their ops lead.",
    "We booked a product demo for Oct 14.",
    "Demo on the 14th at 10am.",  # ordinal day
    "Agreed to a 45-minute demo next week.",
    "She wants to see the platform in action next week.",  # wants to see the product in action
    "Walkthrough set for Thu 2pm.",
    "Demo locked in for Wednesday.",  # "locked in" is not a competitor contract here
    "They'd like a live demo for the finance team.",
    "Going to run a demo for her team on the 20th.",
    "Happy to do a demo with the team on Tuesday, October 13th.",
    "Let's get a demo on the calendar for next week.",
    "Demo w/ CFO Tue 10am.",  # terse note with w/
    "Next steps: demo to the wider AR team.",
    "I'll walk them through the platform on Friday.",
]
DEMO_FR = [
    "Je vous cale une démo jeudi.",
    "On a calé une démo le 15 à 14h.",  # "le 15": day of the month
    "Démo de l'outil avec son équipe mardi prochain.",
    "Je leur montre la plateforme jeudi 10h.",  # show the product + a date
    "Elle veut voir l'outil en action jeudi.",
    "Présentation de la solution à son équipe le 20/10.",
    "On se fait une démo en visio vendredi.",
    "Démo organisée avec la DAF mercredi.",
    "RDV démo jeudi 14h30.",
    "Ok pour une démo avec l'équipe compta la semaine prochaine.",
    "On bloque un créneau jeudi pour la démo.",
    "Prochaines étapes : démo à l'équipe recouvrement.",
]


@pytest.mark.parametrize("text", DEMO_EN)
def test_demo_phrasings_en(bant: Ruleset, text: str) -> None:
    assert decide(bant, EN_CTX + text) == ("qualified", None, "demo")


@pytest.mark.parametrize("text", DEMO_FR)
def test_demo_phrasings_fr(bant: Ruleset, text: str) -> None:
    assert decide(bant, FR_CTX + text) == ("qualified", None, "demo")


# --- proposals ----------------------------------------------------------------------------------
PROPOSAL_EN = [
    "Send over a quote.",
    "Can you put together pricing for 40 seats?",  # sizing request: pricing for N seats
    "I'll get a proposal over to her by Friday.",
    "Asked us to quote for 3 sites.",  # "quote" as a verb
    "Needs pricing for 50 users by end of the week.",
    "Shoot me a quote and I'll take it from there.",
    "She's expecting our proposal on Monday.",
    "Email me the pricing for the Pro plan.",
    "Send through a formal proposal.",
    "We'll put a proposal together for them.",
    "Can you send me a price for 40 licences?",
    "Proposal going out Friday.",
    "Next steps: proposal with implementation costs.",
]
PROPOSAL_FR = [
    "Envoyez-moi un devis pour 40 licences.",
    "Je lui prépare une proposition chiffrée pour vendredi.",
    "Il attend notre devis.",
    "Vous pouvez me chiffrer ça pour 3 sites ?",  # "chiffrer" as a request
    "Me faire parvenir une proposition d'ici vendredi.",
    "Je vous fais une propale cette semaine.",
    "Envoyez-moi vos tarifs pour 50 utilisateurs.",
    "Proposition commerciale à lui transmettre avant le 20.",
    "Devis demandé pour 2 entités.",
    "Je vous envoie une offre chiffrée demain.",
]


@pytest.mark.parametrize("text", PROPOSAL_EN)
def test_proposal_phrasings_en(bant: Ruleset, text: str) -> None:
    assert decide(bant, EN_CTX + text) == ("qualified", None, "proposal")


@pytest.mark.parametrize("text", PROPOSAL_FR)
def test_proposal_phrasings_fr(bant: Ruleset, text: str) -> None:
    assert decide(bant, FR_CTX + text) == ("qualified", None, "proposal")


# --- meetings -----------------------------------------------------------------------------------
MEETING_EN = [
    "Book a call with our VP Finance next week.",
    "Set up a meeting with their CFO on the 21st.",
    "Let's get something in the diary for next week.",  # something in the diary / calendar
    "Follow-up meeting booked for 10/14 at 3pm.",
    "Let's reconvene Tuesday with my boss.",
    "Let's jump on a call Friday with our controller.",
    "Meeting with the CFO confirmed for Oct 20.",
    "We'll meet at their office on Thursday.",
    "Onsite visit scheduled for the 22nd.",  # visits
    "Calendar invite sent for Wednesday 11am.",  # invitations
    "Next step: call with her and the CFO on Monday.",
    "Let's get our CFO on a call next week.",  # bring the decision maker into a call
    "Meeting w/ controller + CFO Thu 3pm.",
]
MEETING_FR = [
    "On se fixe un point la semaine prochaine avec mon DG.",
    "Ok pour un rendez-vous.",
    "On se voit jeudi 10h dans leurs locaux.",
    "Je passe les voir mardi à Lyon.",
    "Visite sur site le 22.",
    "Invitation Teams envoyée pour jeudi 11h.",
    "RDV fixé au 20 octobre avec le DAF.",
    "On se recale un échange mardi avec son DG.",
    "Point de suivi calé le 15/10.",
    "Rendez-vous pris avec la direction financière pour lundi.",
    "On se retrouve jeudi pour en discuter avec le DG.",
]


@pytest.mark.parametrize("text", MEETING_EN)
def test_meeting_phrasings_en(bant: Ruleset, text: str) -> None:
    assert decide(bant, EN_CTX + text) == ("qualified", None, "meeting")


@pytest.mark.parametrize("text", MEETING_FR)
def test_meeting_phrasings_fr(bant: Ruleset, text: str) -> None:
    assert decide(bant, FR_CTX + text) == ("qualified", None, "meeting")


# --- offers in a transcript and the prospect's acceptance ---------------------------------------
OFFERS = [
    ("demo", EN_TURN, "REP: Can I book you in for a demo on Thursday?\nPROSPECT: Thursday works."),
    ("demo", EN_TURN, "REP: How does Tuesday at 2pm look for a walkthrough?\nPROSPECT: That works for me."),
    ("meeting", EN_TURN, "REP: Would it make sense to get your CFO on a call next week?\nPROSPECT: Yes, let's do that."),
    ("demo", FR_TURN, "REP: Je vous propose qu'on cale une démo jeudi 14h ?\nPROSPECT: Ça me convient."),
    ("proposal", FR_TURN, "REP: Je vous envoie une proposition d'ici vendredi ?\nPROSPECT: Oui, parfait."),
    ("proposal", EN_TURN, "REP: I'll put together a proposal for 40 seats.\nPROSPECT: Sounds like a plan."),
    ("meeting", FR_TURN, "REP: On se fixe un rendez-vous avec votre DG ?\nPROSPECT: Pas de souci, mardi prochain."),
    ("proposal", EN_TURN, "REP: Shall I send you a quote?\nPROSPECT: Please do."),
    ("demo", EN_TURN, "REP: Are you free Thursday afternoon for a demo?\nPROSPECT: I'm free after 3."),
    ("demo", FR_TURN, "REP: Je peux vous montrer l'outil jeudi ?\nPROSPECT: Allez, jeudi."),
    ("meeting", EN_TURN, "REP: Can we set up a meeting with your CFO?\nPROSPECT: Sure thing, I'll loop her in."),
    ("proposal", FR_TURN, "REP: Voulez-vous que je vous fasse un devis ?\nPROSPECT: Oui, volontiers."),
    ("demo", EN_TURN, "REP: Could I walk you and your controller through it?\nPROSPECT: Go for it, the 14th."),
    ("meeting", EN_TURN, "REP: Would you have 30 minutes next week?\nPROSPECT: Next week is fine."),
    ("meeting", FR_TURN, "REP: Vous auriez un créneau mardi ?\nPROSPECT: Mardi 10h, c'est bon."),
    ("demo", FR_TURN, "REP: Ça vous dirait de voir l'outil en vrai ?\nPROSPECT: Oui, volontiers, jeudi."),
]  # fmt: skip


@pytest.mark.parametrize(("step", "context", "exchange"), OFFERS)
def test_offer_and_acceptance(bant: Ruleset, step: str, context: str, exchange: str) -> None:
    assert decide(bant, "", context + exchange) == ("qualified", None, step)


# --- what these families must not swallow -------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Already saw a demo at the trade show last month.",
        "Call me back next week.",
        "Send me some info by email, I'll have a look.",
        "Envoyez-moi une plaquette par mail.",
        "They already have a quote from a competitor.",
    ],
)
def test_not_an_agreed_action(bant: Ruleset, text: str) -> None:
    assert decide(bant, EN_CTX + text)[0] != "qualified"


@pytest.mark.parametrize(
    "transcript",
    [
        EN_TURN + "REP: Can I book you in for a demo?\nPROSPECT: No, not for now.",
        FR_TURN + "REP: Je vous propose une démo ?\nPROSPECT: Pas pour le moment, rappelez-moi en mars.",
        FR_TURN + "REP: Vous auriez un créneau mardi ?\nPROSPECT: Non, pas avant la rentrée.",
    ],
)
def test_refused_offer_is_not_an_action(bant: Ruleset, transcript: str) -> None:
    assert decide(bant, "", transcript)[0] != "qualified"


def test_demo_locked_in_is_not_a_competitor_contract(bant: Ruleset) -> None:
    found = signals(bant, "Demo locked in for Wednesday.")
    assert "action_demo" in found and "competitor_locked" not in found
    assert "competitor_locked" in signals(bant, "We're locked into a 3-year contract with a competitor.")


@pytest.mark.parametrize(
    "text",
    [
        "Je ne suis pas dispo avant jeudi, démo jeudi 14h.",  # not before a weekday: not bad timing
        "We can't do anything before next week, so demo on Tuesday.",
        "On a doublé le chiffre d'affaires en deux ans. Démo mardi.",  # a past span, not a horizon
    ],
)
def test_near_dates_and_past_spans_are_not_bad_timing(bant: Ruleset, text: str) -> None:
    assert decide(bant, FR_CTX + text) == ("qualified", None, "demo")


@pytest.mark.parametrize(
    "text", ["Besoin réel mais pas avant septembre.", "Need is real but nothing before next year."]
)
def test_distant_not_before_is_still_bad_timing(bant: Ruleset, text: str) -> None:
    assert decide(bant, text)[:2] == ("nurture", "bad_timing")


def test_champ_reads_the_same_phrasings(champ: Ruleset) -> None:
    assert decide(champ, EN_CTX + "Can you put together pricing for 40 seats?") == (
        "qualified",
        None,
        "proposal",
    )
    assert decide(champ, FR_CTX + "On se fixe un point la semaine prochaine avec mon DG.") == (
        "qualified", None, "meeting",
    )  # fmt: skip


# --- collection vocabulary is not a callback, a horizon or a refusal ----------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Nos clients ne paient pas avant 90 jours. On relance les clients à 30 jours. Démo jeudi.",  # payment terms
        "Customers don't pay before 60 days and payments are delayed. Demo Thursday.",
        "Relances à 30 jours par mail, aucune relance téléphonique. Démo jeudi.",  # dunning schedule
        "We follow up on invoices at 45 days. Demo Thursday.",
        "We already have a process but it's all manual. Demo Friday.",
        "No interest charges on late invoices today. Demo Friday.",
        "On en reparle jeudi avec le DG, démo jeudi.",  # "reparler" + a weekday is not bad timing
    ],
)
def test_collection_vocabulary_does_not_push_the_call_out(bant: Ruleset, text: str) -> None:
    assert decide(bant, "Besoin fort, je décide. " + text) == ("qualified", None, "demo")


def test_that_works_fine_accepts_and_does_not_deny_the_need(bant: Ruleset) -> None:
    exchange = "REP: Demo Thursday at 2?\nPROSPECT: That works fine for me."
    assert decide(bant, "", EN_TURN + exchange) == ("qualified", None, "demo")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Besoin réel, relance prévue en janvier.", "bad_timing"),  # a callback of ours is still one
        ("Interested but the project was postponed to next year.", "bad_timing"),
        ("Need is real, rappel dans 4 mois.", "bad_timing"),
        ("Very happy with their current tool, it works really well.", "no_need"),
        ("We already use a tool for that and it works great.", "no_need"),
    ],
)
def test_genuine_timing_and_need_signals_still_count(bant: Ruleset, text: str, reason: str) -> None:
    assert decide(bant, text)[1] == reason


# --- procedural "no need to ..." and recaps of the rep ------------------------------------------
@pytest.mark.parametrize(
    "exchange",
    [
        "REP: Demo Thursday at 2?\nPROSPECT: Sure. No need to bring slides, I don't want to wait.",
        "REP: Jeudi 14h pour la démo, je vous envoie l'invitation.\nPROSPECT: Parfait, pas besoin de vous déplacer, en visio.",
        "REP: So Thursday at 2 for the demo, I'll send you the invite.\nPROSPECT: Great.",
    ],
)
def test_procedural_no_need_does_not_refuse_the_offer(bant: Ruleset, exchange: str) -> None:
    assert decide(bant, "", EN_TURN + exchange) == ("qualified", None, "demo")


@pytest.mark.parametrize(
    "text",
    ["Pas besoin, on a déjà un outil.", "Not interested, we don't need a new tool.", "Pas de besoin."],
)
def test_real_no_need_still_disqualifies(bant: Ruleset, text: str) -> None:
    assert decide(bant, text)[:2] == ("disqualified", "no_need")


def test_thanks_for_the_demo_is_not_a_new_demo(bant: Ruleset) -> None:
    assert "action_demo" not in signals(bant, "Thanks for the demo last week.")
