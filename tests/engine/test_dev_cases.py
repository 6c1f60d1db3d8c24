# ruff: noqa: E501  (one case per line reads best)
"""Decisions on calls written as a development set, apart from the evaluation set.

Each case is a phrasing family a rep or a prospect uses (terse notes, medium notes, speaker-tagged
transcripts, French and English) labelled by the default pack's semantics (docs/rules.md). They were
written to find missing general patterns without looking at the evaluation set's misses
(tests/data/eval_set.jsonl stays held out: bench/accuracy.py only reports on it). The call date is
Tuesday 6 October 2026 (tests/engine/conftest.py).
"""

from __future__ import annotations

import pytest

from connector.rules import Ruleset, qualify
from tests.engine.conftest import NOW, make_call

Q, N, D, U = "qualified", "nurture", "disqualified", "unreached"

NOTES = [
    (
        "DAF, décide. Budget prévu. Besoin fort. Ne plus l'appeler sur le standard, préfère son portable. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Don't call the main line, use her mobile instead. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Premier numéro erroné, rappelée sur son portable : démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. First number was wrong; reached her on her mobile. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Pas besoin de nous envoyer de plaquette, on passe direct à la démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. No need for a deck, straight to a demo on Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. No need to involve procurement under 50k. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Pas d'intérêt pour l'offre concurrente qu'ils ont testée. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Not interested in their current vendor's upgrade - wants to switch. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Contrat actuel résilié, terminé fin septembre. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Their old contract with Bill.com expired last month. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    ("DAF, décide. Budget prévu. Besoin fort. Ne veut pas d'un énième tableur. Démo jeudi.", Q, None, "demo"),
    (
        "CFO, she decides. Budget approved. Real pain. Doesn't want another spreadsheet. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    ("CFO, she decides. Budget approved. Real pain. No budget issue at all. Demo Thursday.", Q, None, "demo"),
    ("DAF, décide. Budget prévu. Besoin fort. Aucun frein côté budget. Démo jeudi.", Q, None, "demo"),
    (
        "DAF, décide. Budget prévu. Besoin fort. Le DG n'est pas contre, c'elle qui signe. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Nothing stops them from starting next month. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Rien ne les empêche de démarrer le mois prochain. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. She won't wait for the new fiscal year, money is there now. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. N'attendra pas le prochain exercice, le budget est là. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. No longer using spreadsheets would be a win. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Their previous controller left last year and the backlog exploded. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. L'ancienne comptable est partie, du coup retards énormes. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Stop-gap process in Excel since their tool was retired. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "Intéressée, c'est elle qui décide, mais les crédits ne seront débloqués qu'en janvier. Rappeler début janvier.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Keen and she signs, but funds only get released in January. Call back early Jan.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Besoin ok, DG décide. Enveloppe à prévoir au budget 2027, arbitrage en décembre. Rappeler mi-décembre.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Needs it, owner decides. Has to go into the 2027 budget; planning happens in November. Call back then.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Pas un sou avant le vote du budget en février. Besoin réel, décide avec son associé. Recontacter en février.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Nothing to spend until the board signs off the new budget in March. Real pain, he decides. Follow up in March.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Budget bouclé pour cette année, il faudra l'inscrire sur l'exercice suivant (avril). Intéressé, décideur.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "This year's budget is closed; it'll have to be requested for next year. Interested, she decides.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Trésorerie tendue jusqu'à la fin de l'année, ils rouvriront les dépenses en janvier. Besoin fort. DAF décide.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Cash is tight through year-end; spending reopens in January. Strong need, CFO decides.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Pas décideur : c'est sa N+1 qui valide les achats. Besoin clair. Me donne son mail.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Not his decision - the MD approves every purchase. Clear need. He'll forward my email to her.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Elle n'a pas la main sur le budget ni la décision ; c'est le DG, M. Roux. Besoin fort, à recontacter via lui.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "He has no say on tools; IT director decides, name is Priya Shah. Pain is real.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Besoin fort mais ne décide pas, rappeler dans 2 semaines le temps qu'elle en parle au DAF.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Needs it, but must run it by the CFO first - call back in two weeks.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    ("Pas de réponse, messagerie pleine.", U, None, "callback"),
    ("Tombé sur le standard, la personne est en congés jusqu'à lundi.", U, None, "callback"),
    ("Line busy twice, will try again Thursday.", U, None, "callback"),
    ("Mauvais numéro, c'est un particulier.", D, "wrong_contact", "none"),
    ("Elle a quitté la société il y a 3 mois, personne pour reprendre le sujet.", D, "wrong_contact", "none"),
    ("He retired last year; receptionist couldn't say who handles finance now.", D, "wrong_contact", "none"),
    ("Demande à être retiré de nos fichiers, ne plus appeler.", D, "opted_out", "none"),
    ("Asked us to stop calling and to delete his details.", D, "opted_out", "none"),
    (
        "Aucun intérêt, ils n'ont pas de factures fournisseurs à traiter, tout passe par le groupe.",
        D,
        "no_need",
        "none",
    ),
    ("Not interested - they don't have this problem, the process works fine as is.", D, "no_need", "none"),
    (
        "Engagés avec Yooz jusqu'en 2029, contrat de 3 ans signé l'an dernier.",
        D,
        "competitor_locked_in",
        "none",
    ),
    ("Just signed a three-year deal with Coupa, locked in until 2029.", D, "competitor_locked_in", "none"),
    ("Besoin réel mais aucun budget, la boîte est en redressement.", D, "no_budget", "none"),
    (
        "Interested but zero budget and a hiring freeze, nothing will be spent for the foreseeable future.",
        D,
        "no_budget",
        "none",
    ),
    (
        "Intéressé, décide avec son DG, mais budget seulement sur l'exercice prochain. Rappeler en janvier.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Needs it, she signs, but the budget for this only opens next fiscal year (April).",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Besoin confirmé, c'est lui qui signe, mais projet pas avant l'an prochain. Me rappeler dans 8 mois.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "Real pain, he decides, but they are mid-ERP migration: call back in 9 months.",
        N,
        "bad_timing",
        "callback",
    ),
    ("Sujet intéressant mais pas prioritaire avant la rentrée 2027.", N, "bad_timing", "callback"),
    (
        "Besoin ok mais c'est le DAF qui tranche, il me transmet son contact.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Likes it, but the CFO has the final say - she'll introduce me next week.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Pain is clear. Not his call though, the board decides on any new software.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    ("DAF, décide. Gros besoin (clôture trop longue). Budget prévu. Démo jeudi 10h.", Q, None, "demo"),
    (
        "CFO, owns the budget, wants to fix month-end close this quarter. Demo booked Thursday 3pm.",
        Q,
        None,
        "demo",
    ),
    (
        "DG, besoin urgent, budget 40 k€ voté. RDV la semaine prochaine pour cadrer le projet.",
        Q,
        None,
        "meeting",
    ),
    (
        "Finance director, signs off. Wants it live by January. Meeting set for Monday with her team.",
        Q,
        None,
        "meeting",
    ),
    (
        "Décisionnaire, besoin fort, budget ok. M'a demandé une proposition commerciale pour vendredi.",
        Q,
        None,
        "proposal",
    ),
    (
        "VP Finance, decision maker, need confirmed, budget approved. Send her a quote by end of week.",
        Q,
        None,
        "proposal",
    ),
    ("Le budget n'est pas un problème. DAF décisionnaire, besoin fort, démo lundi.", Q, None, "demo"),
    (
        "Budget isn't an issue. He's the CFO and decides, they need it this quarter. Demo Friday.",
        Q,
        None,
        "demo",
    ),
    (
        "budget pas encore validé mais prévu en janvier. DAF décide. besoin ok. démo mercredi 11h",
        Q,
        None,
        "demo",
    ),
    (
        "Rappeler dans 4 mois, projet en pause d'ici là. Besoin identifié, DG décideur.",
        N,
        "bad_timing",
        "callback",
    ),
    ("vm x2, mail envoyé", U, None, "callback"),
    ("Went straight to voicemail, left a message.", U, None, "callback"),
    (
        "Pas décisionnaire, sa N+1 gère ce type d'achat. Besoin: oui, relances manuelles. Me passe son contact.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Office manager - not the one who signs. Suggested I email the CFO directly, gave me his address. They do struggle with spreadsheets.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "DAF, décide seul, budget ~25k€ dispo, besoin fort. Veut une démo en visio jeudi prochain.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO here, she decides, budget of thirty thousand set aside, needs better cash forecasting. Demo next Wednesday at 11.",
        Q,
        None,
        "demo",
    ),
    (
        "Gérant, décide, besoin de structurer les relances, budget ok. Envoyer devis d'ici vendredi.",
        Q,
        None,
        "proposal",
    ),
    (
        "Owner, makes the call, wants pricing for 12 users; send proposal tomorrow. Budget approved for this quarter.",
        Q,
        None,
        "proposal",
    ),
    (
        "DG intéressé mais budget pas avant le prochain exercice (octobre). Rappeler à ce moment-là.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Interested but budget won't be there until our new fiscal year starts in July. Call back then.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Contrat de 3 ans avec Sage qui court jusqu'en 2028, pas de changement possible.",
        D,
        "competitor_locked_in",
        "none",
    ),
    ("Tied into a multi-year agreement with Bill.com through 2028.", D, "competitor_locked_in", "none"),
    ("Ne veut plus être appelé. Inscrit sur Bloctel selon lui.", D, "opted_out", "none"),
    ("Told me to take her off the list. Do not call again.", D, "opted_out", "none"),
    ("Le besoin n'existe pas : leur expert-comptable gère tout.", D, "no_need", "none"),
    ("They have no need for this, everything is handled by their parent company.", D, "no_need", "none"),
    (
        "Besoin réel, décideur, mais rien avant septembre prochain : gros déménagement d'ici là.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "Decision maker, pain confirmed, but nothing before next spring: they're in the middle of a merger.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "Try again in 6 months - busy with year-end. She's the controller and signs, pain is real.",
        N,
        "bad_timing",
        "callback",
    ),
    ("Numéro erroné, ce n'est pas la bonne entreprise.", D, "wrong_contact", "none"),
    ("Wrong number - reached a dentist's office.", D, "wrong_contact", "none"),
    (
        "Le contact est parti à la retraite, la standardiste ne sait pas qui a repris.",
        D,
        "wrong_contact",
        "none",
    ),
    (
        "RDV physique calé le 12 avec DAF + DSI. Besoin: dématérialisation factures. Budget voté. Décideur: DAF.",
        Q,
        None,
        "meeting",
    ),
    (
        "Meeting booked with CEO and CFO next Tuesday. Budget confirmed, they want to go live by Q1. CEO decides.",
        Q,
        None,
        "meeting",
    ),
    ("besoin ok, budget ok, decideur ok, timing T1, demo le 15", Q, None, "demo"),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Visio mardi 10h pour cadrer.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. On se voit dans leurs locaux le 22.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Atelier de cadrage calé le 3/11 avec la DSI.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Point de suivi jeudi avec le DG.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Lui envoyer une offre chiffrée avant le 15.",
        Q,
        None,
        "proposal",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Attend notre proposition tarifaire pour lundi.",
        Q,
        None,
        "proposal",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Démo produit prévue le 20 octobre à 9h30.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Je lui montre l'outil vendredi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, signs off. Clear pain on collections. Budget approved. Call set with her and the controller on the 21st.",
        Q,
        None,
        "meeting",
    ),
    (
        "CFO, signs off. Clear pain on collections. Budget approved. On-site visit next Thursday.",
        Q,
        None,
        "meeting",
    ),
    (
        "CFO, signs off. Clear pain on collections. Budget approved. Sending pricing + proposal by Friday.",
        Q,
        None,
        "proposal",
    ),
    (
        "CFO, signs off. Clear pain on collections. Budget approved. She asked for a formal quote for 3 entities.",
        Q,
        None,
        "proposal",
    ),
    ("CFO, signs off. Clear pain on collections. Budget approved. Product demo Tues 11am.", Q, None, "demo"),
    (
        "CFO, signs off. Clear pain on collections. Budget approved. Wants to see it live next week with her AP team.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Besoin fort sur les relances. Budget prévu. Rappeler la semaine prochaine pour fixer la démo.",
        Q,
        None,
        "demo",
    ),
    ("Pas de besoin pour l'instant, revoir dans 6 mois. DAF décide.", N, "bad_timing", "callback"),
    ("Budget pas encore validé mais prévu en janvier. Besoin ok, DG décide, démo lundi.", Q, None, "demo"),
    ("Le DAF dit qu'il n'y a pas de budget du tout et pas de projet. Sans suite.", D, "no_budget", "none"),
    (
        "No budget whatsoever, company is cutting costs, no plans to buy anything. Closed.",
        D,
        "no_budget",
        "none",
    ),
    ("Particulier (auto-entrepreneur sans consentement), pas cible.", D, "opted_out", "none"),
    (
        "DAF, décide. Budget prévu. Leur contrat avec Sage se termine en décembre, ils veulent changer. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Their contract with Bill.com ends in December and they want out. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, decides. No longer happy with their current vendor, too many manual steps. Money's not an issue. Demo Friday 10am.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF décisionnaire. Pas de souci de budget. Ras le bol des relances manuelles. RDV mardi.",
        Q,
        None,
        "meeting",
    ),
    (
        "CFO, she decides. Budget approved. They don't want to keep doing reminders by hand. Meeting next Tuesday.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Budget prévu. Ne veut plus perdre de temps avec Excel. Démo vendredi 11h.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. They left Coupa last year and are looking for something simpler. Demo Monday.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Cost isn't a blocker. Pain: AP approvals by email. Wouldn't say no to a demo - booked Wed 3pm.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin: les relances. Pas contre une démo, calée mercredi 15h.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Avait laissé un message hier, m'a rappelé ce matin : besoin fort, démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. She returned my voicemail; real pain with collections, demo booked Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Aucun problème pour le budget, besoin urgent (audit). RDV vendredi.",
        Q,
        None,
        "meeting",
    ),
    (
        "CFO, she decides. Budget approved. No problem on budget, urgent need ahead of the audit. Meeting Friday.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Budget prévu. Aucune objection, le besoin est là : 200 factures/mois à la main. Démo le 14.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Not a question of need - they clearly need it - just of timing, which is Q1. Demo on the 14th.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Sans engagement avec leur prestataire actuel, veulent changer d'ici janvier. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. No contract tying them to their current tool, want to switch by January. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Pas de budget supplémentaire nécessaire, c'est dans l'enveloppe IT. Besoin fort. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. No extra budget needed, it comes out of the IT envelope. Strong need. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Pas question d'attendre l'an prochain, besoin immédiat. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Can't wait until next year, they need it now. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    ("Ça ne les intéresse pas, process qui tourne très bien en l'état.", D, "no_need", "none"),
    ("Says it's not something they'd ever use - all customers pay upfront.", D, "no_need", "none"),
    ("Aucune utilité pour eux, 10 factures par mois.", D, "no_need", "none"),
    ("They're happy with how things are and see no reason to change.", D, "no_need", "none"),
    ("Ils n'en voient pas l'utilité.", D, "no_need", "none"),
    ("Under contract with Kyriba until 2029, can't switch before.", D, "competitor_locked_in", "none"),
    ("Viennent de renouveler avec Cegid pour 4 ans.", D, "competitor_locked_in", "none"),
    ("Just renewed with Tipalti for another three years.", D, "competitor_locked_in", "none"),
    (
        "Pas un centime de dispo, aucune ligne budgétaire prévue, et ça ne changera pas.",
        D,
        "no_budget",
        "none",
    ),
    ("Company's in survival mode, no money for new tools now or next year.", D, "no_budget", "none"),
    ("Can't afford anything like this, not now, not next year.", D, "no_budget", "none"),
    ("Remove me from your list, please - I get too many of these calls.", D, "opted_out", "none"),
    ("M'a raccroché au nez en disant de ne plus rappeler.", D, "opted_out", "none"),
    ("Opposé au démarchage, demande la suppression de ses données (RGPD).", D, "opted_out", "none"),
    (
        "Wrong person entirely - she's in HR and has nothing to do with finance, no idea who does.",
        D,
        "wrong_contact",
        "none",
    ),
    ("Not the right company - they're a different Dupont, in retail.", D, "wrong_contact", "none"),
    (
        "DAF, décide. Budget prévu. Besoin fort. Démo jeudi. Veulent être prêts avant la clôture de décembre.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Demo Thursday. Want it live before year-end close.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Rien ne presse côté concurrence mais ils veulent démarrer en janvier. Démo mardi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. No rush on their side, but they'd like to start in January. Demo Tuesday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Projet lancé, go-live prévu d'ici 3 mois. RDV lundi avec la DSI.",
        Q,
        None,
        "meeting",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Project kicks off next month, go-live in 3 months. Meeting Monday with IT.",
        Q,
        None,
        "meeting",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Ils ont reporté le projet de l'an dernier à maintenant, c'est la priorité. Démo jeudi.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. They postponed this last year; now it's the top priority. Demo Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "DAF, décide. Budget prévu. Besoin fort. Démo calée, puis décision attendue avant fin T1.",
        Q,
        None,
        "demo",
    ),
    (
        "CFO, she decides. Budget approved. Real pain. Not before Thursday for the demo - she's travelling. Demo Thursday 4pm.",
        Q,
        None,
        "demo",
    ),
    (
        "Pas de budget avant avril (nouvel exercice). Besoin fort, DAF décide. Rappeler en avril.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Budget frozen until the new fiscal year in July; need is real, he decides. Call back in July.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Pas décideur : c'est le conseil d'administration qui valide. Besoin ok. Propose de nous présenter au président.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "He can recommend but the owner signs; will set up a call with her next week.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    ("pas de budget cette année, rappeler en septembre", N, "no_budget", "callback"),
    ("Budget 2026 consommé. Intéressés pour 2027, rappeler en janvier.", N, "no_budget", "callback"),
    ("No budget left this year; ask again in January when the new budget opens.", N, "no_budget", "callback"),
    ("Out of budget until next FY (starts Feb). Keen. Call back Feb.", N, "no_budget", "callback"),
    ("Budget épuisé pour l'année, on en reparle au prochain exercice.", N, "no_budget", "callback"),
    (
        "Interested but their budget is spent for 2026 - revisit in Q1 once the 2027 budget is voted.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "Pas de budget, et pas prévu d'en avoir. Boîte en difficulté. Inutile de rappeler.",
        D,
        "no_budget",
        "none",
    ),
    (
        "They'll never pay for a tool like this - told me flat out there's no budget and won't be.",
        D,
        "no_budget",
        "none",
    ),
    ("Pas de budget pour ce type d'outil, ni maintenant ni plus tard.", D, "no_budget", "none"),
    ("No money for this, now or later. Small shop, owner does the books himself.", D, "no_budget", "none"),
    ("Le contact n'est plus chez eux depuis juin.", D, "wrong_contact", "none"),
    (
        "Sarah moved on in the spring; the person who answered didn't know who replaced her.",
        D,
        "wrong_contact",
        "none",
    ),
    ("Parti chez un concurrent, l'accueil n'a personne à me passer.", D, "wrong_contact", "none"),
    ("He's no longer at the company. No forwarding contact.", D, "wrong_contact", "none"),
    ("Elle a changé de poste (RH maintenant), ne sait pas qui gère la compta.", D, "wrong_contact", "none"),
    ("Gone since last year - receptionist had no name for his successor.", D, "wrong_contact", "none"),
    (
        "Partie en retraite. Remplacée par M. Blanc (nouveau DAF), à contacter.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "Left in August; replaced by Anna Kim, new Head of Finance - reach out to her.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    ("Engagés 36 mois avec Libeo, renouvelé en septembre.", D, "competitor_locked_in", "none"),
    ("Locked into a 3-year Esker contract signed last quarter.", D, "competitor_locked_in", "none"),
    (
        "Contrat pluriannuel avec Pennylane en cours jusqu'à fin 2028, pas de sortie possible.",
        D,
        "competitor_locked_in",
        "none",
    ),
    ("Signed with Quadient for 4 years back in January, no exit clause.", D, "competitor_locked_in", "none"),
    (
        "Contrat avec Sage jusqu'en mars prochain, ils comptent changer ensuite. Besoin ok. DAF décide. Rappeler en février.",
        N,
        "bad_timing",
        "callback",
    ),
]

TRANSCRIPTS = [
    (
        "PROSPECT: We chase invoices by hand, it's a real pain. I make the call and the budget is there.\nREP: Could we do a demo Thursday at 2?\nPROSPECT: Let me check my calendar... yes, Thursday at 2 works.",
        Q,
        None,
        "demo",
    ),
    (
        "PROSPECT: We chase invoices by hand, it's a real pain. I make the call and the budget is there.\nREP: How about a demo next Tuesday?\nPROSPECT: Go ahead and send me the invite.",
        Q,
        None,
        "demo",
    ),
    (
        "PROSPECT: We chase invoices by hand, it's a real pain. I make the call and the budget is there.\nREP: Shall I put a meeting in for Monday 9am?\nPROSPECT: Yep, book it.",
        Q,
        None,
        "meeting",
    ),
    (
        "PROSPECT: We chase invoices by hand, it's a real pain. I make the call and the budget is there.\nREP: I can send you a proposal by Friday, would that help?\nPROSPECT: That would be great, thanks.",
        Q,
        None,
        "proposal",
    ),
    (
        "PROSPECT: On fait tout à la main, c'est un vrai problème. C'est moi qui décide et on a le budget.\nREP: On cale une démo mardi 11h ?\nPROSPECT: C'est parti.",
        Q,
        None,
        "demo",
    ),
    (
        "PROSPECT: On fait tout à la main, c'est un vrai problème. C'est moi qui décide et on a le budget.\nREP: Je vous envoie une proposition d'ici vendredi ?\nPROSPECT: Oui, faites-moi une offre.",
        Q,
        None,
        "proposal",
    ),
    (
        "PROSPECT: On fait tout à la main, c'est un vrai problème. C'est moi qui décide et on a le budget.\nREP: Un rendez-vous jeudi avec votre équipe ?\nPROSPECT: On fait comme ça, jeudi.",
        Q,
        None,
        "meeting",
    ),
    (
        "PROSPECT: On fait tout à la main, c'est un vrai problème. C'est moi qui décide et on a le budget.\nREP: Une démo lundi 14h, ça vous irait ?\nPROSPECT: D'acc, lundi 14h.",
        Q,
        None,
        "demo",
    ),
    (
        "PROSPECT: We chase invoices by hand, it's a real pain. I make the call and the budget is there.\nREP: Would a demo on Friday suit you?\nPROSPECT: Friday's no good, but Monday afternoon works.",
        Q,
        None,
        "demo",
    ),
    (
        "PROSPECT: On fait tout à la main, c'est un vrai problème. C'est moi qui décide et on a le budget.\nREP: Une démo vendredi ?\nPROSPECT: Vendredi je ne peux pas, mais lundi après-midi c'est bon.",
        Q,
        None,
        "demo",
    ),
    (
        "PROSPECT: We chase invoices by hand, it's a real pain. I make the call and the budget is there.\nREP: Could we set up a demo next week?\nPROSPECT: Not next week, I'm travelling, but the week after is fine - say Tuesday.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: Is this something you'd look at?\nPROSPECT: No, it would be useless for us, we invoice five clients a year.\nREP: Understood.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Vous seriez intéressé ?\nPROSPECT: Ça ne nous servirait à rien, on a trois clients.\nREP: Entendu.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Worth a look?\nPROSPECT: We're not in the market for anything like this.\nREP: OK.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Ça vaut le coup d'en parler ?\nPROSPECT: Franchement non, on n'en a aucune utilité.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Any chance you'd switch?\nPROSPECT: No way, we're two years into a five-year deal with Versapay.",
        D,
        "competitor_locked_in",
        "none",
    ),
    (
        "REP: Vous pourriez changer d'outil ?\nPROSPECT: Impossible, on est liés à Cegid jusqu'en 2029.",
        D,
        "competitor_locked_in",
        "none",
    ),
    (
        "REP: Is budget available?\nPROSPECT: There's zero budget, and there won't be any next year either - we're shrinking.",
        D,
        "no_budget",
        "none",
    ),
    (
        "REP: Please don't hang up...\nPROSPECT: Take me off your calling list and never call this number again.",
        D,
        "opted_out",
        "none",
    ),
    (
        "REP: Je peux vous rappeler ?\nPROSPECT: Non, ne me rappelez jamais, je ne veux plus être démarché.",
        D,
        "opted_out",
        "none",
    ),
    # an offer to call back is a callback, not a meeting, even when the prospect accepts it
    (
        "PROSPECT: It's a real pain for us and I decide, but nothing will move before April.\nREP: Would you like me to call you back in April?\nPROSPECT: Yes please.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "PROSPECT: C'est un vrai sujet et c'est moi qui décide, mais rien avant avril.\nREP: Je pourrais vous rappeler en avril pour en reparler ?\nPROSPECT: Oui, volontiers.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "REP: Bonjour, vous gérez comment vos factures ?\nPROSPECT: Tout à la main, c'est l'enfer.\nREP: C'est vous qui décidez ?\nPROSPECT: Oui, je suis la DAF, c'est moi qui signe.\nREP: Et côté budget ?\nPROSPECT: On a une enveloppe pour ça cette année.\nREP: Je vous propose une démo mardi à 14h ?\nPROSPECT: Parfait, mardi 14h.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: How do you handle approvals today?\nPROSPECT: Email chains, it's a mess.\nREP: Are you the one who decides?\nPROSPECT: No, that's our CFO, Mark. I can loop him in.\nREP: Great, could we set a call with him?\nPROSPECT: Sure, I'll forward your invite.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "REP: Would a demo next week work?\nPROSPECT: Honestly we don't need it, we outsource all of accounts payable.\nREP: Understood.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Pas de souci de budget j'imagine ?\nPROSPECT: Si, justement, on n'a pas de budget cette année ni l'an prochain.\nREP: D'accord.",
        D,
        "no_budget",
        "none",
    ),
    (
        "REP: On peut caler une démo ?\nPROSPECT: Quand exactement ?\nREP: Jeudi 10h ?\nPROSPECT: Ça marche. Et oui c'est moi qui valide, on veut changer d'outil avant mars, budget prévu.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: Could I show you a demo?\nPROSPECT: What would that involve?\nREP: 30 minutes on Zoom, Friday 11am.\nPROSPECT: OK, book it. I'm the decision maker and we need this before Q2, budget is there.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: Bonjour, je vous appelle au sujet de vos relances.\nPROSPECT: Oui ?\nREP: Vous gérez ça comment ?\nPROSPECT: Sur Excel, c'est pénible. Mais je ne suis pas décisionnaire, c'est notre directeur financier.\nREP: Vous pourriez me mettre en relation ?\nPROSPECT: Oui, je vous transfère son mail.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "REP: Hi, it's about your collections process.\nPROSPECT: We're fine, honestly. We outsourced it last year.\nREP: Got it, thanks.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Is budget a concern?\nPROSPECT: Not at all, budget isn't an issue.\nREP: And who signs?\nPROSPECT: Me, I own the budget.\nREP: What's driving this?\nPROSPECT: Our DSO is terrible, we need to fix it this quarter.\nREP: Shall we book a demo Thursday 2pm?\nPROSPECT: Works for me.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: Vous avez un budget ?\nPROSPECT: Pas cette année, on verra en janvier avec le nouveau budget.\nREP: Et le besoin ?\nPROSPECT: Oui clairement, on perd un temps fou.\nREP: Je vous rappelle en janvier ?\nPROSPECT: Oui, rappelez-moi début janvier.",
        N,
        "no_budget",
        "callback",
    ),
    (
        "REP: Vous seriez dispo pour une démo ?\nPROSPECT: Non merci, on vient de signer avec un concurrent pour trois ans.",
        D,
        "competitor_locked_in",
        "none",
    ),
    (
        "REP: Je suppose que le budget est bouclé ?\nPROSPECT: Oui, on a prévu 20 000 euros.\nREP: Et c'est vous qui décidez ?\nPROSPECT: Oui.\nREP: Une démo jeudi ?\nPROSPECT: Oui, jeudi 15h.\nREP: Et le besoin, c'est les relances ?\nPROSPECT: Exactement, on perd un temps fou.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: No budget issue on your side?\nPROSPECT: No, we have budget.\nREP: Are you the decision maker?\nPROSPECT: Yes.\nREP: Demo Friday at 10?\nPROSPECT: Sure.\nREP: And the pain point?\nPROSPECT: Month-end close takes two weeks.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: Vous n'êtes pas intéressé je suppose ?\nPROSPECT: Si, au contraire, on cherche un outil.\nREP: Qui décide ?\nPROSPECT: Moi, je suis le gérant.\nREP: Budget ?\nPROSPECT: Oui, prévu pour cette année.\nREP: Rendez-vous mardi ?\nPROSPECT: D'accord, mardi 10h.",
        Q,
        None,
        "meeting",
    ),
    (
        "REP: So no need on your side right now?\nPROSPECT: Actually there is, we're drowning in invoices.\nREP: Who signs?\nPROSPECT: I do.\nREP: Budget?\nPROSPECT: We set aside 40k.\nREP: Can I send you a proposal?\nPROSPECT: Yes please, by Friday.",
        Q,
        None,
        "proposal",
    ),
    (
        "REP: Hi Laura, it's Tom from Qualiflow, did I catch you at a bad time?\nPROSPECT: I've got ten minutes, go ahead.\nREP: Great. We help finance teams chase late invoices automatically. A lot of teams we talk to have no budget for this kind of thing, is that your case?\nPROSPECT: Not really, we've actually set money aside for a new AR tool this year.\nREP: Oh nice. What's the trigger?\nPROSPECT: Our DSO went from 45 to 70 days since the acquisition, and my team spends two days a week on reminder emails.\nREP: Ouch. Who else would be involved in picking a tool?\nPROSPECT: I'm the CFO, it's my decision, I'll just loop in IT for the integration.\nREP: Makes sense. Timeline-wise?\nPROSPECT: I want something running before the end of Q1.\nREP: Then I'd suggest a demo with you and your IT lead. Does Thursday at 2 work?\nPROSPECT: Thursday 2pm is fine, send the invite.\nREP: Will do, talk Thursday.",
        Q,
        None,
        "demo",
    ),
    (
        "REP: Bonjour Monsieur Garnier, Julie de Qualiflow. Je vous dérange ?\nPROSPECT: Non, allez-y.\nREP: On aide les PME à automatiser les relances clients. Vous n'avez sans doute pas ce problème ?\nPROSPECT: Si, justement. On a 300 factures en retard et tout est fait à la main sur Excel.\nREP: D'accord. Et c'est vous qui prenez ce genre de décision ?\nPROSPECT: Oui, je suis le directeur administratif et financier, c'est moi qui signe.\nREP: Côté budget, c'est envisageable cette année ?\nPROSPECT: On a une enveloppe d'environ 15 000 euros pour les outils finance.\nREP: Et vous voudriez avancer quand ?\nPROSPECT: Idéalement d'ici fin mars, avant la clôture.\nREP: Je vous propose un rendez-vous la semaine prochaine pour regarder vos process en détail, mardi 10h ?\nPROSPECT: Mardi 10h, c'est noté.",
        Q,
        None,
        "meeting",
    ),
    (
        "REP: Hello, is this Mr Patel?\nPROSPECT: Speaking.\nREP: I'm calling from Qualiflow about your accounts receivable process.\nPROSPECT: Right. Look, we looked at this kind of tool last year.\nREP: What happened?\nPROSPECT: We signed a five year contract with HighRadius in March, so we're set for a long while.\nREP: I see. Would there be any interest in a comparison demo anyway?\nPROSPECT: No, there's no point, we're locked in. Thanks though.",
        D,
        "competitor_locked_in",
        "none",
    ),
    (
        "REP: Bonjour, je cherche à joindre la personne en charge de la comptabilité fournisseurs.\nPROSPECT: C'est moi, Nadia, comptable.\nREP: Très bien. Comment vous gérez la validation des factures aujourd'hui ?\nPROSPECT: Par mail, c'est un vrai cauchemar, on perd des factures.\nREP: Je comprends. Qui déciderait d'un nouvel outil ?\nPROSPECT: Ce n'est pas moi, c'est Monsieur Robert, notre DAF.\nREP: Vous pensez qu'il serait ouvert à un échange ?\nPROSPECT: Sûrement, je peux vous mettre en relation avec lui, je lui transfère votre mail.\nREP: Parfait, merci Nadia.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "REP: Hi Mark, quick one about your billing process.\nPROSPECT: Sure.\nREP: Is chasing payments a pain for you?\nPROSPECT: Honestly yes, it's a mess. But we're in the middle of moving to a new ERP.\nREP: When does that wrap up?\nPROSPECT: Go-live is in September, and nobody will look at anything else before that. Call me back in about eight months.\nREP: Understood, I'll reach out then.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "REP: Bonjour, Qualiflow à l'appareil, vous avez deux minutes ?\nPROSPECT: Deux minutes, oui.\nREP: Nous automatisons les relances de factures. C'est un sujet chez vous ?\nPROSPECT: Non, pas du tout. Nos clients paient tous par prélèvement, on n'a quasiment pas d'impayés.\nREP: Même pas quelques retards ?\nPROSPECT: Non, vraiment, on n'a pas besoin de ça.\nREP: Très bien, merci de votre temps.",
        D,
        "no_need",
        "none",
    ),
    (
        "REP: Hi Sarah, thanks for taking the call. I know budget is tight everywhere this year.\nPROSPECT: It is, but we did get approval for finance tooling, that's why I took your call.\nREP: Great. What's the problem you're trying to solve?\nPROSPECT: Cash forecasting. We do it in spreadsheets and it's always wrong.\nREP: Who makes the final decision?\nPROSPECT: Me and our CEO, but I own the budget.\nREP: And timing?\nPROSPECT: This quarter if possible.\nREP: Could I send you a proposal with pricing for your three entities?\nPROSPECT: Yes, send it by Friday and we'll review it next week.",
        Q,
        None,
        "proposal",
    ),
    (
        "REP: Bonjour Madame Leroy ?\nPROSPECT: Oui.\nREP: Je vous appelle au sujet de la gestion de vos notes de frais.\nPROSPECT: Écoutez, merci de ne plus m'appeler, et retirez mon numéro de vos listes.\nREP: Entendu, désolé pour le dérangement.",
        D,
        "opted_out",
        "none",
    ),
    (
        "REP: Good morning, could I speak with James Whitfield?\nPROSPECT: I'm afraid James left the company in the summer.\nREP: Oh, who took over his responsibilities?\nPROSPECT: I'm not sure anyone has, to be honest, I don't know who handles that now.\nREP: OK, thank you.",
        D,
        "wrong_contact",
        "none",
    ),
    (
        "REP: Hi, is budget holding you back from fixing collections?\nPROSPECT: Budget is fine. The problem is the board needs to approve any new vendor.\nREP: Who on the board would we need to convince?\nPROSPECT: Our chairman, really. I can set up a call with him if you send me a one-pager.\nREP: Happy to. And the need itself?\nPROSPECT: Oh it's real, we write off 2% of revenue every year.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "[00:00:03] Julie (Qualiflow): Bonjour Monsieur Fabre, Julie de Qualiflow, je vous appelle suite à votre téléchargement du livre blanc.\n[00:00:10] Paul Fabre: Ah oui, bonjour.\n[00:00:14] Julie (Qualiflow): Beaucoup de DAF nous disent qu'ils n'ont pas le temps ni le budget pour revoir leurs relances. C'est votre cas ?\n[00:00:25] Paul Fabre: Le temps, non, mais le budget on l'a. On a 90 jours de DSO, c'est intenable.\n[00:00:40] Julie (Qualiflow): Je vois. Et c'est vous qui porteriez le projet ?\n[00:00:45] Paul Fabre: Oui, je suis DAF, je décide, le DG suivra.\n[00:01:02] Julie (Qualiflow): Vous visez quelle échéance ?\n[00:01:05] Paul Fabre: Avant l'été idéalement.\n[00:01:10] Julie (Qualiflow): Je vous propose une démonstration de 45 minutes, mardi prochain 11h ?\n[00:01:18] Paul Fabre: Mardi 11h, très bien.",
        Q,
        None,
        "demo",
    ),
    (
        "Rep: Thanks for picking up, Dana. I'll be quick. Most companies your size are locked into a long contract with an ERP vendor, right?\nDana: We're on NetSuite, but that's not really relevant. Our AR add-on contract ends in January and we won't renew it.\nRep: Why not?\nDana: It's clunky, my team hates it and reminders still go out by hand.\nRep: Who decides on the replacement?\nDana: I do. I'm the controller and I have sign-off up to 50k.\nRep: Is that within range?\nDana: Should be, we budgeted 30k.\nRep: Great. How about a demo next Wednesday at 1?\nDana: Let's do it.",
        Q,
        None,
        "demo",
    ),
    (
        "Commercial : Bonjour, je suis bien chez Menuiseries Arnaud ?\nClient : Oui.\nCommercial : Je souhaiterais parler à la personne qui gère la facturation.\nClient : C'est moi, mais je vous arrête tout de suite, on n'a pas de besoin. On facture une dizaine de chantiers par an.\nCommercial : Même pour le suivi des paiements ?\nClient : Non, vraiment, c'est pas pour nous. Bonne journée.",
        D,
        "no_need",
        "none",
    ),
    (
        "Agent: Hello, Mr. Hughes? I'm calling about cash collection software.\nMr. Hughes: Yes, that's me. Go on.\nAgent: Do you have a project around this?\nMr. Hughes: We do, but budget is the problem. Everything is frozen this year, and I'm told next year's budget is already allocated elsewhere. There won't be money for this in the foreseeable future.\nAgent: I understand. Thanks for your honesty.",
        D,
        "no_budget",
        "none",
    ),
    (
        "REP: Bonjour Madame Dubois.\nPROSPECT: Bonjour.\nREP: Je vous appelle au sujet de la dématérialisation de vos factures fournisseurs.\nPROSPECT: C'est un vrai sujet chez nous, on reçoit 2000 factures papier par mois.\nREP: Vous êtes décisionnaire sur ce projet ?\nPROSPECT: Je prépare le dossier, mais la décision revient au comité de direction.\nREP: Pourrait-on organiser une présentation au comité ?\nPROSPECT: Je peux vous obtenir un créneau avec notre DG, il préside le comité.\nREP: Excellent.",
        N,
        "no_authority",
        "reach_decision_maker",
    ),
    (
        "REP: Hi Tom, following up on the webinar you attended.\nPROSPECT: Oh right, yes.\nREP: Is improving collections on your roadmap?\nPROSPECT: It is, but not until we close our Series B, which should be around next summer. Until then nothing moves.\nREP: Makes sense. Shall I reconnect in nine months or so?\nPROSPECT: Yes, reach out next August.\nREP: Will do.",
        N,
        "bad_timing",
        "callback",
    ),
    (
        "REP: Bonjour, c'est au sujet de vos relances clients.\nPROSPECT: Écoutez, on a signé avec Sidetrade l'an dernier pour trois ans, donc ce n'est pas le moment.\nREP: Même pas pour comparer ?\nPROSPECT: Non, on est engagés jusqu'en 2028.",
        D,
        "competitor_locked_in",
        "none",
    ),
    (
        "Rep: Hi, is this Greg?\nGreg: Yep.\nRep: I'm calling about AP automation. Are you the one handling supplier invoices?\nGreg: I am, and honestly it's killing us, we're three weeks behind.\nRep: Who'd sign off on a tool?\nGreg: That's me and the CFO together, she has the final say but she asked me to find options.\nRep: Could we get her on a call next week?\nGreg: Sure, I'll invite her, Thursday 3pm works for both of us.\nRep: And budget?\nGreg: It's approved, we have 20k for this.",
        Q,
        None,
        "meeting",
    ),
]


@pytest.mark.parametrize(("notes", "status", "reason", "next_step"), NOTES)
def test_notes(bant: Ruleset, notes: str, status: str, reason: str | None, next_step: str) -> None:
    result = qualify(make_call(notes), bant, NOW)
    assert (result.status, result.reason, result.next_step) == (status, reason, next_step)


@pytest.mark.parametrize(("transcript", "status", "reason", "next_step"), TRANSCRIPTS)
def test_transcripts(bant: Ruleset, transcript: str, status: str, reason: str | None, next_step: str) -> None:
    result = qualify(make_call("", transcript), bant, NOW)
    assert (result.status, result.reason, result.next_step) == (status, reason, next_step)


# --- long transcripts: the rep's general talk (other clients' budgets, who usually decides, long
# deployments) must not outweigh what the prospect says about their own case ----------------------
REP_TALK = {
    "en": [
        "REP: A lot of our clients tell us they have no budget at first, and then realise the tool pays for itself in three months.",
        "REP: Some teams are locked into long contracts with their ERP vendor, but our connector works alongside.",
        "REP: Usually the CFO decides, but sometimes the board wants to see it. Either way we adapt.",
        "REP: We also have customers who don't need the dispute module, and that's fine.",
        "REP: Our onboarding takes about six weeks, sometimes twelve months for large groups with many entities.",
    ],
    "fr": [
        "REP: Beaucoup de nos clients nous disent qu'ils n'ont pas de budget au départ, puis l'outil se rembourse en trois mois.",
        "REP: Certaines équipes sont engagées avec leur éditeur d'ERP pour plusieurs années, notre connecteur fonctionne à côté.",
        "REP: En général c'est le DAF qui décide, parfois le comité de direction veut voir l'outil.",
        "REP: Certains clients n'ont pas besoin du module litiges, ce n'est pas un problème.",
        "REP: Le déploiement prend six semaines, parfois douze mois pour les grands groupes.",
    ],
}
PROSPECT_ACK = {
    "en": ["PROSPECT: Sure, go on.", "PROSPECT: Interesting.", "PROSPECT: Right, that makes sense."],
    "fr": ["PROSPECT: Oui, allez-y.", "PROSPECT: Intéressant.", "PROSPECT: Ça se tient."],
}
LONG_CASES = [
    (
        "en",
        [
            "PROSPECT: Our DSO is 78 days and my team of four does reminders by hand, it's exhausting.",
            "PROSPECT: I'm the finance director, the decision is mine.",
            "PROSPECT: We have budget set aside for this in the current year.",
            "PROSPECT: I'd like this running before the end of Q1.",
            "REP: Shall we do a demo with your team on Thursday at 10?\nPROSPECT: Yes, Thursday 10am works.",
        ],
        (Q, None, "demo"),
    ),
    (
        "fr",
        [
            "PROSPECT: Notre DSO est à 78 jours et mon équipe fait les relances à la main, c'est épuisant.",
            "PROSPECT: Je suis la directrice financière, la décision m'appartient.",
            "PROSPECT: On a une enveloppe prévue pour ça cette année.",
            "PROSPECT: J'aimerais que ce soit en place avant la fin du premier trimestre.",
            "REP: On fait une démo avec votre équipe jeudi à 10h ?\nPROSPECT: Oui, jeudi 10h ça me va.",
        ],
        (Q, None, "demo"),
    ),
    (
        "fr",
        [
            "PROSPECT: Notre DSO est à 78 jours et mon équipe fait les relances à la main, c'est épuisant.",
            "PROSPECT: Ce n'est pas moi qui décide, c'est notre DG, Monsieur Caron.",
            "PROSPECT: Je peux vous le présenter, je lui transmets vos coordonnées.",
        ],
        (N, "no_authority", "reach_decision_maker"),
    ),
    (
        "en",
        [
            "PROSPECT: Honestly, our customers pay by direct debit, we have almost no late payments.",
            "PROSPECT: So we don't need a tool for this.",
        ],
        (D, "no_need", "none"),
    ),
]


def long_transcript(language: str, key_turns: list[str], rounds: int) -> str:
    """`rounds` exchanges of rep talk and prospect acknowledgements with the key turns spread evenly."""
    talk, ack = REP_TALK[language], PROSPECT_ACK[language]
    lines: list[str] = []
    every = max(1, rounds // len(key_turns))
    keys = iter(key_turns)
    for i in range(rounds):
        lines += [talk[i % len(talk)], ack[i % len(ack)]]
        if i % every == every - 1:
            lines.extend(next(keys, "").splitlines())
    lines.extend(line for rest in keys for line in rest.splitlines())
    return "\n".join(line for line in lines if line)


@pytest.mark.parametrize("rounds", [5, 40, 80])
@pytest.mark.parametrize(("language", "key_turns", "expected"), LONG_CASES)
def test_long_transcripts_decide_on_what_the_prospect_says(
    bant: Ruleset, language: str, key_turns: list[str], expected: tuple[str, str | None, str], rounds: int
) -> None:
    transcript = long_transcript(language, key_turns, rounds)
    assert rounds < 40 or len(transcript) > 5_000
    result = qualify(make_call("", transcript), bant, NOW)
    assert (result.status, result.reason, result.next_step) == expected
