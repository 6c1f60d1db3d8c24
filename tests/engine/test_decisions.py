"""The default pack's semantics (issue 3), one rule at a time, in French and English."""

from __future__ import annotations

import pytest

from connector.rules import Ruleset, qualify
from tests.engine.conftest import NOW, make_call


def decide(
    rules: Ruleset, notes: str = "", transcript: str = "", **kw: object
) -> tuple[str, str | None, str]:
    res = qualify(make_call(notes, transcript, **kw), rules, NOW)  # type: ignore[arg-type]
    return res.status, res.reason, res.next_step


@pytest.mark.parametrize("outcome", ["no_answer", "busy", "voicemail"])
def test_not_connected_is_unreached_with_callback(bant: Ruleset, outcome: str) -> None:
    assert decide(bant, "", outcome=outcome) == ("unreached", None, "callback")


@pytest.mark.parametrize(
    "notes", ["NRP", "Tombé sur la messagerie, laissé un message", "voicemail, left msg"]
)
def test_not_reached_notes(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes) == ("unreached", None, "callback")


@pytest.mark.parametrize(
    "notes",
    [
        "Mauvais numéro, la personne ne connaît pas ce nom.",
        "Wrong number, never heard of her.",
        "Elle a quitté la société en juin, personne ne reprend le sujet.",
        "He left the company last month. No idea who handles it now.",
    ],
)
def test_wrong_contact(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes)[:2] == ("disqualified", "wrong_contact")


def test_wrong_number_outcome(bant: Ruleset) -> None:
    assert decide(bant, "", outcome="wrong_number")[:2] == ("disqualified", "wrong_contact")


def test_left_with_referral_goes_to_the_successor(bant: Ruleset) -> None:
    notes = "Mme Pierrat a quitté la société. Son successeur est M. Thibault, il nous a redirigé vers lui."
    assert decide(bant, notes) == ("nurture", "no_authority", "reach_decision_maker")


@pytest.mark.parametrize(
    "notes",
    [
        "Très agacé : « ne me rappelez plus jamais ».",
        "Merci de ne plus m'appeler, retirez mon numéro de vos fichiers.",
        "Asked us to stop calling and remove him from our list.",
        "Do not call me again.",
    ],
)
def test_opt_out(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes)[:2] == ("disqualified", "opted_out")


def test_do_not_call_flag_wins_over_a_great_call(bant: Ruleset) -> None:
    notes = "DAF, décide. Besoin fort, budget voté. Démo mardi 14h."
    assert decide(bant, notes, prospect={"do_not_call": True})[:2] == ("disqualified", "opted_out")


def test_consumer_without_consent_is_opted_out(bant: Ruleset) -> None:
    assert decide(bant, "Intéressé, démo jeudi.", prospect={"consumer": True})[:2] == (
        "disqualified",
        "opted_out",
    )
    ok = decide(bant, "DG, décide. Besoin fort. Démo jeudi.", prospect={"consumer": True, "consent_at": NOW})
    assert ok[1] != "opted_out"


def test_callback_later_is_not_an_opt_out(bant: Ruleset) -> None:
    status, reason, nxt = decide(bant, "Besoin réel mais ne pas rappeler avant septembre.")
    assert (status, reason, nxt) == ("nurture", "bad_timing", "callback")


@pytest.mark.parametrize(
    "company",
    [{"employees": 8}, {"employees": 12000}, {"country": "US"}, {"industry": "Public administration"},
     {"industry": "Enseignement supérieur / université"}],
)  # fmt: skip
def test_out_of_icp_however_well_the_call_went(bant: Ruleset, company: dict[str, object]) -> None:
    notes = "DAF, c'est elle qui signe. Besoin fort, budget voté. Démo mardi 14h."
    assert decide(bant, notes, company=company)[:2] == ("disqualified", "out_of_icp")


@pytest.mark.parametrize(
    "notes",
    ["Pas de besoin, ils font tout en interne.", "Not interested, very happy with their current tool."],
)
def test_no_need(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes)[:2] == ("disqualified", "no_need")


@pytest.mark.parametrize(
    "notes",
    [
        "Engagés avec Cashlane jusqu'en 2028, contrat de trois ans signé l'an dernier.",
        "Locked into a 3-year contract with a competitor, exit fees are huge.",
    ],
)
def test_competitor_locked_in(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes)[:2] == ("disqualified", "competitor_locked_in")


@pytest.mark.parametrize(
    "notes",
    [
        "Intéressé mais pas de budget, et aucun en vue.",
        "Interested, but there's no budget and I don't see any coming.",
    ],
)
def test_no_budget_at_all(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes)[:2] == ("disqualified", "no_budget")


@pytest.mark.parametrize(
    "notes",
    [
        "pas de budget cette année, rappeler en septembre",
        "Need is clear but budget only next fiscal year, call back in January.",
    ],
)
def test_budget_next_year_is_nurture(bant: Ruleset, notes: str) -> None:
    assert decide(bant, notes) == ("nurture", "no_budget", "callback")


@pytest.mark.parametrize(
    ("notes", "months"),
    [("Besoin confirmé, mais rappelez-moi dans six mois.", 6), ("Interested. Call me back in 4 months.", 4)],
)
def test_call_me_back_in_n_months(bant: Ruleset, notes: str, months: int) -> None:
    res = qualify(make_call(notes), bant, NOW)
    assert (res.status, res.reason, res.next_step) == ("nurture", "bad_timing", "callback")
    assert res.recontact_on is not None
    assert abs((res.recontact_on - NOW.date()).days / 30.44 - months) < 0.5
    assert [f.kind for f in res.follow_ups] == ["callback"]


def test_horizon_beyond_six_months_is_bad_timing(bant: Ruleset) -> None:
    assert decide(bant, "Besoin réel, projet prévu dans dix mois. DAF décide.")[:2] == (
        "nurture",
        "bad_timing",
    )


def test_not_the_decision_maker_but_names_one(bant: Ruleset) -> None:
    notes = "Besoin fort. c'est notre DG qui signe, je vous le présente."
    assert decide(bant, "", "REP: Qui décide ?\nPROSPECT: " + notes) == (
        "nurture",
        "no_authority",
        "reach_decision_maker",
    )


@pytest.mark.parametrize(
    ("notes", "step"),
    [
        ("DAF ok pr démo mardi, budget voté T1", "demo"),
        ("I'm the CFO and I make the decision. We need this by Q1. Send me a proposal.", "proposal"),
        ("Gérant, décide seul. Relances à la main, besoin clair. RDV jeudi 10h à Lyon.", "meeting"),
    ],
)
def test_qualified_with_the_agreed_action(bant: Ruleset, notes: str, step: str) -> None:
    assert decide(bant, notes) == ("qualified", None, step)


def test_offer_accepted_in_the_transcript(bant: Ruleset) -> None:
    transcript = (
        "REP: Qui décide sur ce type d'outil ?\n"
        "PROSPECT: C'est moi qui décide. On perd un temps fou sur Excel.\n"
        "REP: Je vous propose une démonstration d'une heure.\n"
        "PROSPECT: Mardi 13 octobre à 10h, en visio.\n"
    )
    res = qualify(make_call("", transcript), bant, NOW)
    assert (res.status, res.next_step) == ("qualified", "demo")
    confirm = res.follow_ups[0]
    assert confirm.due_at.date().isoformat() == "2026-10-12"  # the business day before the demo


def test_offer_refused_is_not_an_action(bant: Ruleset) -> None:
    transcript = (
        "REP: Je vous propose une démonstration ?\n"
        "PROSPECT: Non merci, pas de démo, ça ne nous intéresse pas.\n"
    )
    assert decide(bant, "", transcript)[0] != "qualified"


def test_prospect_outweighs_rep(bant: Ruleset) -> None:
    transcript = "REP: Donc pas de budget ?\nPROSPECT: Si, le budget n'est pas un problème, c'est voté.\n"
    res = qualify(make_call("", transcript), bant, NOW)
    budget = next(e for e in res.evidence if e.criterion == "budget")
    assert budget.state == "met"


def test_champ_pack_has_same_vocabulary_and_semantics(bant: Ruleset, champ: Ruleset) -> None:
    assert (champ.statuses, champ.reasons, champ.next_steps) == (bant.statuses, bant.reasons, bant.next_steps)
    assert champ.version != bant.version
    notes = "DAF ok pr démo mardi, budget voté T1"
    assert decide(champ, notes) == decide(bant, notes)
    assert {e.criterion for e in qualify(make_call(notes), champ, NOW).evidence} >= {"challenges", "money"}


PARAPHRASES = [
    ("Pas intéressé du tout, raccroché.", "disqualified/no_need"),
    ("Ils n'ont aucun besoin, process déjà automatisé.", "disqualified/no_need"),
    ("We're all set, no need for this.", "disqualified/no_need"),
    ("Not a priority and not a need, they handle dunning in-house and it works.", "disqualified/no_need"),
    ("Satisfaits de leur outil actuel, pas de projet.", "disqualified/no_need"),
    ("Sous contrat avec Sidetrade jusqu'en 2029.", "disqualified/competitor_locked_in"),
    ("Just renewed with Chaser for 3 years.", "disqualified/competitor_locked_in"),
    ("Engagés 3 ans avec un concurrent, renouvelé en janvier.", "disqualified/competitor_locked_in"),
    ("Aucun budget, gel des dépenses, rien avant longtemps.", "disqualified/no_budget"),
    ("Budget is zero, company in restructuring, nothing planned.", "disqualified/no_budget"),
    (
        "Besoin OK mais budget seulement sur l'exercice prochain (janvier). Rappeler en janvier.",
        "nurture/no_budget",
    ),
    ("Need confirmed, budget will only be available next fiscal year starting April.", "nurture/no_budget"),
    ("Intéressé, mais projet prévu en 2028.", "nurture/bad_timing"),
    ("Interested but not before next summer. Call back in June.", "nurture/bad_timing"),
    ("Besoin réel, mais rappeler dans 8 mois, ils finissent une migration ERP.", "nurture/bad_timing"),
    ("Good fit but timing is 12+ months out.", "nurture/bad_timing"),
    (
        "Pas décisionnaire, c'est son N+1 (DAF) qui tranche. Elle organise un call avec lui.",
        "nurture/no_authority",
    ),
    ("Office manager, interested, but the owner decides. Will introduce us.", "nurture/no_authority"),
    ("Je dois voir avec mon directeur, il a le dernier mot. Besoin réel.", "nurture/no_authority"),
    (
        "Comptable, besoin réel mais la DG décide ; me transfère au DG la semaine prochaine.",
        "nurture/no_authority",
    ),
    ("DG, décide seul. Gros besoin (200 factures en retard). Budget ok. Démo jeudi 15h.", "qualified/None"),
    ("CFO, owns the budget, needs it live by January. Demo booked for Tuesday 2pm.", "qualified/None"),
    ("DAF décisionnaire, veut une proposition chiffrée d'ici vendredi, projet T1.", "qualified/None"),
    ("Finance director, signs off. Asked for a quote for 3 entities. Go-live Q1.", "qualified/None"),
    ("Gérant, besoin urgent, RDV pris mardi prochain 10h dans leurs locaux.", "qualified/None"),
    (
        "Head of finance, decision maker, pain is real. Meeting set for next Wednesday with her team.",
        "qualified/None",
    ),
    ("Messagerie, pas de message laissé.", "unreached/None"),
    ("Busy signal, will retry.", "unreached/None"),
    ("Numéro erroné, c'est un particulier.", "disqualified/wrong_contact"),
    ("The number belongs to a restaurant, wrong number.", "disqualified/wrong_contact"),
    ("Il ne travaille plus chez eux depuis mars, pas de successeur connu.", "disqualified/wrong_contact"),
    ("She retired last year, the receptionist didn't know who replaced her.", "disqualified/wrong_contact"),
    ("M'a demandé de ne plus l'appeler, inscrit sur Bloctel.", "disqualified/opted_out"),
    ("Asked to be taken off our call list. Rude.", "disqualified/opted_out"),
    ("Please don't contact me again.", "disqualified/opted_out"),
]


@pytest.mark.parametrize(("notes", "expected"), PARAPHRASES)
def test_terse_note_paraphrases(bant: Ruleset, notes: str, expected: str) -> None:
    status, reason, _ = decide(bant, notes)
    assert f"{status}/{reason}" == expected


TRANSCRIPT_CASES = [
    (
        (
            "REP: Who would sign off on this?\n"
            "PROSPECT: Not me, our CFO, Mark. I can set up a call with him next week.\n"
            "REP: Great.\n"
            "PROSPECT: We do need something, our DSO is terrible."
        ),
        "nurture/no_authority",
    ),
    (
        (
            "REP: Vous avez un budget ?\n"
            "PROSPECT: Non, aucun, et rien de prévu l'an prochain non plus.\n"
            "REP: D'accord."
        ),
        "disqualified/no_budget",
    ),
    (
        (
            "REP: Is budget a concern?\n"
            "PROSPECT: Not at all, budget is approved.\n"
            "REP: And who decides?\n"
            "PROSPECT: I do.\n"
            "REP: Can I show you a demo on Thursday?\n"
            "PROSPECT: Thursday works, 3pm."
        ),
        "qualified/None",
    ),
    (
        (
            "REP: Bonjour, je cherche M. Martin.\n"
            "PROSPECT: Ah non, vous faites erreur, il n'y a pas de M. Martin ici."
        ),
        "disqualified/wrong_contact",
    ),
    ("REP: Hi, is this Paul?\nPROSPECT: No, wrong number.", "disqualified/wrong_contact"),
    (
        (
            "REP: Bonjour madame...\n"
            "PROSPECT: Je vous arrête, je ne veux plus être démarchée. Supprimez mes coordonnées."
        ),
        "disqualified/opted_out",
    ),
    (
        (
            "REP: Do you have a need for automated reminders?\n"
            "PROSPECT: Honestly no, we have very few late payers, it's not an issue for us."
        ),
        "disqualified/no_need",
    ),
    (
        (
            "REP: Quand voulez-vous démarrer ?\n"
            "PROSPECT: Pas avant l'année prochaine, on a une réorganisation. Rappelez-moi en mars.\n"
            "REP: Entendu."
        ),
        "nurture/bad_timing",
    ),
    (
        (
            "REP: When are you looking to start?\n"
            "PROSPECT: Probably in about nine months, after our merger closes.\n"
            "REP: OK, I'll check back then."
        ),
        "nurture/bad_timing",
    ),
    (
        "REP: Vous êtes sous contrat ?\nPROSPECT: Oui, avec Sidetrade, on a resigné pour trois ans en juin.",
        "disqualified/competitor_locked_in",
    ),
    (
        (
            "REP: Are you the right person for this?\n"
            "PROSPECT: I'm just the assistant. The owner handles all of that, I'll pass on your details."
        ),
        "nurture/no_authority",
    ),
    (
        (
            "REP: Je vous propose un rendez-vous pour en parler avec votre DAF.\n"
            "PROSPECT: Oui, mardi 10h, il sera là. Moi je prépare le terrain, c'est lui qui signe."
        ),
        "nurture/no_authority",
    ),
]


@pytest.mark.parametrize(("transcript", "expected"), TRANSCRIPT_CASES)
def test_transcript_cases(bant: Ruleset, transcript: str, expected: str) -> None:
    status, reason, _ = decide(bant, "", transcript)
    assert f"{status}/{reason}" == expected


MORE_NOTES = [
    ("call back in 2 weeks, busy with year end. interested.", "nurture/bad_timing"),
    (
        "Particulier, cherche un logiciel pour sa micro-entreprise perso. Pas de consentement.",
        "disqualified/opted_out",
    ),
    ("RAS, pas de besoin identifié, ils sous-traitent le recouvrement.", "disqualified/no_need"),
    ("DM = CEO (on call). Pain: 90d DSO. Budget: 20k. Timing: Q1. NS: demo 12/10 10h.", "qualified/None"),
    (
        "Contact = stagiaire, pas décideur. A donné le nom du DAF (M. Roy). Besoin probable.",
        "nurture/no_authority",
    ),
    ("Decision by committee in March, CFO attends. Wants proposal before the committee.", "qualified/None"),
    ("Not now — maybe next year. No project before 2028.", "nurture/bad_timing"),
]


@pytest.mark.parametrize(("notes", "expected"), MORE_NOTES)
def test_more_notes(bant: Ruleset, notes: str, expected: str) -> None:
    status, reason, _ = decide(bant, notes)
    assert f"{status}/{reason}" == expected


MIXED_NOTES = [
    (
        "Budget pas un souci. DSI décide avec le DAF, tous deux partants. Démo planifiée le 14/10.",
        "qualified/None/demo",
    ),
    (
        "Pas de budget avant le T2 2027 (exercice décalé). Besoin confirmé. Relance avril.",
        "nurture/no_budget/callback",
    ),
    (
        "Le budget n'est pas encore voté mais sera validé en novembre. "
        "Elle veut une proposition pour le comité.",
        "qualified/None/proposal",
    ),
    (
        "Ne souhaite pas de démo. Trop occupé, pas le bon moment, rappeler au printemps.",
        "nurture/bad_timing/callback",
    ),
    (
        "Interested, budget approved, but wants to wait until after the holidays. Call back mid-January.",
        "nurture/bad_timing/callback",
    ),
    (
        "Says they're not the decision maker; the regional director signs. Gave me his email.",
        "nurture/no_authority/reach_decision_maker",
    ),
    (
        "Asked for pricing by email. CEO, decides alone. Urgent: auditors flagged receivables.",
        "qualified/None/proposal",
    ),
    ("No answer, left voicemail.", "unreached/None/callback"),
    ("Répondeur.", "unreached/None/callback"),
    (
        "Mauvais interlocuteur : c'est la DRH, pas la compta. Pas de nom donné.",
        "disqualified/wrong_contact/none",
    ),
    ("Ils viennent de signer avec un concurrent (contrat 3 ans).", "disqualified/competitor_locked_in/none"),
    ("Hung up: 'stop calling us'.", "disqualified/opted_out/none"),
    ("Ok pour un point téléphonique jeudi avec le DAF, qui décide. Besoin fort.", "qualified/None/meeting"),
    ("Pas de besoin pour le moment, peut-être dans un an.", "nurture/bad_timing/callback"),
    (
        "Very interested, but there's a hiring freeze and zero budget until 2028.",
        "nurture/no_budget/callback",
    ),
]


@pytest.mark.parametrize(("notes", "expected"), MIXED_NOTES)
def test_status_reason_and_next_step(bant: Ruleset, notes: str, expected: str) -> None:
    outcome = "voicemail" if "answer" in notes or "pondeur" in notes else "connected"
    assert "/".join(str(x) for x in decide(bant, notes, outcome=outcome)) == expected


def test_headcount_said_in_the_call_when_the_field_is_empty(bant: Ruleset) -> None:
    notes = "Sa société fait 8 salariés, trop petit."
    status, reason, _ = decide(bant, notes, company={"employees": None})
    assert (status, reason) == ("disqualified", "out_of_icp")


_WHO = "CFO, decides. Real pain with late payers. "
_QUI = "DAF, décide. Vrai besoin sur les relances. "
DATED_ACTIONS = [
    (_WHO + "Demo on the 15th at 2pm.", "demo"),
    (_WHO + "We're meeting on Oct 20 at their office.", "meeting"),
    (_WHO + "Booked a 30-min demo for next Tuesday.", "demo"),
    (_WHO + "Sent a calendar invite for Thursday 11am (demo).", "meeting"),
    (_WHO + "Follow-up meeting agreed for 10/22.", "meeting"),
    (_WHO + "She wants a proposal by end of next week.", "proposal"),
    (_WHO + "Quote to send before Friday.", "proposal"),
    (_WHO + "Will send the proposal tomorrow, review call Monday.", "proposal"),
    (_QUI + "Démo fixée au 14 octobre 10h.", "demo"),
    (_QUI + "On se voit le 20/10 à Lyon.", "meeting"),
    (_QUI + "RDV calé jeudi prochain 9h30 en visio.", "meeting"),
    (_QUI + "Envoi de la proposition commerciale d'ici vendredi.", "proposal"),
    (_QUI + "Devis demandé pour la semaine prochaine.", "proposal"),
    (_QUI + "Présentation de la solution prévue le 3 novembre.", "demo"),
    (_QUI + "Rendez-vous pris pour le mardi 13 à 14h.", "meeting"),
]


@pytest.mark.parametrize(("notes", "step"), DATED_ACTIONS)
def test_dated_actions_in_notes(bant: Ruleset, notes: str, step: str) -> None:
    res = qualify(make_call(notes), bant, NOW)
    assert (res.status, res.next_step) == ("qualified", step)
    assert res.follow_ups


ACCEPTED_OFFERS = [
    (
        (
            "REP: Can we do a demo next week?\n"
            "PROSPECT: Sure, Wednesday at 10 works for me.\n"
            "REP: Great, invite coming."
        ),
        "demo",
    ),
    ("REP: On pourrait caler une démo ?\nPROSPECT: Oui, le 12 à 15h.\nREP: Parfait.", "demo"),
    (
        (
            "PROSPECT: Send me something in writing with prices.\n"
            "REP: I'll send a proposal by Friday.\n"
            "PROSPECT: Good."
        ),
        "proposal",
    ),
    (
        "REP: Je vous propose qu'on fasse un point avec votre DAF.\nPROSPECT: Va pour lundi 11h.\nREP: Noté.",
        "meeting",
    ),
    (
        (
            "REP: Would you be open to a demo?\n"
            "PROSPECT: Yes, let's do it. How about the 21st, 3pm?\n"
            "REP: Booked."
        ),
        "demo",
    ),
]


@pytest.mark.parametrize(("transcript", "step"), ACCEPTED_OFFERS)
def test_offers_accepted_in_transcripts(bant: Ruleset, transcript: str, step: str) -> None:
    intro = "PROSPECT: I'm the CFO and I decide. We really need this.\n"
    assert decide(bant, "", intro + transcript)[::2] == ("qualified", step)


HARD_TRANSCRIPTS = [
    (
        (
            "REP: So budget is fine on your side?\n"
            "PROSPECT: Actually no, we don't have anything allocated and won't this year or next.\n"
            "REP: I see."
        ),
        "disqualified/no_budget",
    ),
    (
        (
            "REP: You're the one deciding, right?\n"
            "PROSPECT: Well, I'd need to get buy-in from our managing director, he signs "
            "everything above 5k.\n"
            "REP: Could I meet him?\n"
            "PROSPECT: I can ask him."
        ),
        "nurture/no_authority",
    ),
    (
        (
            "PROSPECT: Our fiscal year starts in April, that's when new budget lines open. "
            "Before that, nothing.\n"
            "REP: So let's talk in March?\n"
            "PROSPECT: Yes, call me in March."
        ),
        "nurture/no_budget",
    ),
    (
        (
            "PROSPECT: We set aside about 40 grand for this. I sign. The pain is real, we chase by hand.\n"
            "REP: Shall we book a demo?\n"
            "PROSPECT: Yes, next Monday 9am."
        ),
        "qualified/None",
    ),
    (
        (
            "PROSPECT: Maybe next year. We're swamped with the ERP migration until summer.\n"
            "REP: Understood, I'll follow up in the summer.\n"
            "PROSPECT: OK."
        ),
        "nurture/bad_timing",
    ),
    (
        (
            "REP: Is this something you're looking at?\n"
            "PROSPECT: Not at all, our collections are outsourced and it works well."
        ),
        "disqualified/no_need",
    ),
    (
        (
            "PROSPECT: C'est mon patron qui verra, moi je ne fais que remonter l'info.\n"
            "REP: Je peux le joindre ?\n"
            "PROSPECT: Je vous donne son mail."
        ),
        "nurture/no_authority",
    ),
    (
        (
            "PROSPECT: Le besoin est là mais pas de budget avant la clôture en juin, on verra après.\n"
            "REP: Je vous rappelle en juillet ?\n"
            "PROSPECT: Oui, juillet."
        ),
        "nurture/no_budget",
    ),
]


@pytest.mark.parametrize(("transcript", "expected"), HARD_TRANSCRIPTS)
def test_hard_transcripts(bant: Ruleset, transcript: str, expected: str) -> None:
    status, reason, _ = decide(bant, "", transcript)
    assert f"{status}/{reason}" == expected
