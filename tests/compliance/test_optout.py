"""Opposition list, phone normalisation, CSV import and objections (consumer and B2B)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.compliance import BadRow, OptOutList, OptOutSet, iter_optout_csv, normalize_phone
from tests.compliance.factory import follow_up, make_call, paris, run

LISTED = "+33612345678"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("06 12 34 56 78", "FR", LISTED),
        ("+33 6 12 34 56 78", "FR", LISTED),
        ("0033612345678", "FR", LISTED),
        ("06.12.34.56.78", "FR", LISTED),
        ("+33 (0)6-12-34-56-78", "BE", LISTED),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("(416) 555-0123", "CA", "+14165550123"),
        ("not a number", "FR", None),
        ("12", "FR", None),
        ("", "FR", None),
    ],
)
def test_normalize_phone(raw: str, region: str, expected: str | None) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("written", ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678"])
def test_consumer_on_the_list_in_three_formats(written: str) -> None:
    """The list holds the number in one format, the CRM in another: still a match."""
    call = make_call(consumer=True, consent_at=paris("2026-01-01 00:00"), phone=written)
    res = run(call, follow_up(paris("2026-03-03 11:00")), optouts=["+33 6 12 34 56 78"])
    assert res.follow_ups == ()
    assert (res.status, res.reason, res.do_not_call, res.next_step) == (
        "disqualified",
        "opted_out",
        True,
        "none",
    )
    assert [(n.follow_up_key, n.action, n.rule) for n in res.compliance] == [
        ("", "blocked", "FR.L223-1.optout"),
        ("c1:callback", "blocked", "FR.L223-1.optout"),
    ]


def test_list_is_for_consumers_and_contract_in_progress_is_exempt() -> None:
    b2b = make_call(consumer=False)
    res = run(b2b, follow_up(paris("2026-03-03 11:00")), optouts=[LISTED])
    assert res.status == "nurture" and not res.do_not_call and len(res.follow_ups) == 1
    contract = make_call(consumer=True, contract_in_progress=True)
    res = run(contract, follow_up(paris("2026-03-03 11:00")), optouts=[LISTED])
    assert res.status == "nurture" and res.compliance[0].action == "allowed"


def test_consumer_without_a_usable_number_is_not_called_but_not_opted_out() -> None:
    call = make_call(consumer=True, consent_at=paris("2026-01-01 00:00"), phone=None)
    res = run(call, follow_up(paris("2026-03-03 11:00")))
    assert res.follow_ups == () and res.status == "nurture" and not res.do_not_call
    assert [(n.action, n.rule) for n in res.compliance] == [("blocked", "FR.L223-1.optout")]


@pytest.mark.parametrize(
    ("prospect", "result", "detail_word"),
    [
        ({"do_not_call": True}, {}, "CRM"),
        ({}, {"status": "disqualified", "reason": "opted_out", "next_step": "none"}, "during the call"),
    ],
)
def test_b2b_contact_who_objects(prospect: dict[str, Any], result: dict[str, Any], detail_word: str) -> None:
    call = make_call(consumer=False, **prospect)
    email = follow_up(paris("2026-03-03 11:00"), key="c1:email", type_="email")
    res = run(call, follow_up(paris("2026-03-03 11:00")), email, **result)
    assert res.follow_ups == (email,)  # only the call is dropped
    assert (res.status, res.reason, res.do_not_call) == ("disqualified", "opted_out", True)
    assert {n.rule for n in res.compliance} == {"FR.L223-1.objection"}
    assert all(n.action == "blocked" and detail_word in n.detail for n in res.compliance)


@pytest.mark.parametrize(("do_not_call", "phone"), [(True, LISTED), (False, LISTED), (False, "0611111111")])
def test_applying_twice_is_stable(do_not_call: bool, phone: str) -> None:
    from connector.compliance import ComplianceSettings, apply_compliance

    listed = OptOutSet([LISTED])
    call = make_call(
        consumer=True, do_not_call=do_not_call, phone=phone, occurred_at=paris("2026-08-03 11:00")
    )
    # k1 is allowed (before the consent cut-off), k2 blocked (after it, no consent), k3 moved (Saturday).
    ups = (
        follow_up(paris("2026-08-04 11:00"), "k1"),
        follow_up(paris("2026-08-12 11:00"), "k2"),
        follow_up(paris("2026-08-08 11:00"), "k3"),
    )
    once = run(call, *ups, optouts=[LISTED])
    twice = apply_compliance(once, call, ComplianceSettings(), (), listed, paris("2026-08-03 12:00"))
    assert (twice.follow_ups, twice.status, twice.do_not_call) == (
        once.follow_ups,
        once.status,
        once.do_not_call,
    )
    assert [n for n in twice.compliance if n.action == "blocked"] == [
        n for n in once.compliance if n.action == "blocked"
    ]
    if phone == LISTED:
        assert once.follow_ups == () and once.reason == "opted_out"
        expected = "FR.L223-1.objection" if do_not_call else "FR.L223-1.optout"
        assert {n.rule for n in twice.compliance} == {expected}
    else:
        assert [(n.follow_up_key, n.action) for n in once.compliance] == [
            ("k1", "allowed"),
            ("k2", "blocked"),
            ("k3", "moved"),
        ]
        assert [(n.follow_up_key, n.action) for n in twice.compliance] == [
            ("k1", "allowed"),
            ("k2", "blocked"),
            ("k3", "allowed"),
        ]


def test_plain_set_satisfies_the_protocol() -> None:
    numbers: OptOutList = {LISTED}
    assert LISTED in numbers
    assert isinstance(OptOutSet([LISTED]), OptOutList)


def test_csv_reader_streams_numbers_and_reports_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "bloctel.csv"
    path.write_bytes(
        "\ufeffnom;numéro\nDupont;06 12 34 56 78\n\nMartin;+33 1 23 45 67 89\n"
        "X;n/a\nY;\nZ;0033 6 98 76 54 32\n".encode()
    )
    rows = list(iter_optout_csv(path))
    assert rows[0] == LISTED and rows[1] == "+33123456789" and rows[4] == "+33698765432"
    assert isinstance(rows[2], BadRow) and rows[2].line == 5 and rows[2].problem == "not a phone number"
    assert isinstance(rows[3], BadRow) and rows[3].line == 6
    assert len(rows) == 5


def test_csv_reader_single_column_without_header(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"0612345678\r\n33612345679\r\n+33 6 12 34 56 70\r\n\xff\xfe garbage\r\n")
    rows = list(iter_optout_csv(path, default_region="FR"))
    assert rows[:3] == [LISTED, "+33612345679", "+33612345670"]  # "33..." read as a country code
    assert isinstance(rows[3], BadRow) and rows[3].line == 4
    assert len(OptOutSet(r for r in rows if isinstance(r, str))) == 3


def test_lookup_backed_list_caches_answers() -> None:
    from connector.compliance import OptOutLookup

    asked: list[str] = []

    def lookup(number: str) -> bool:
        asked.append(number)
        return number == LISTED

    numbers = OptOutLookup(lookup)
    assert LISTED in numbers and LISTED in numbers and "+33699999999" not in numbers
    assert asked == [LISTED, "+33699999999"]
    call = make_call(consumer=True, consent_at=paris("2026-01-01 00:00"))
    from connector.compliance import ComplianceSettings, apply_compliance
    from tests.compliance.factory import make_result

    res = apply_compliance(
        make_result(follow_up(paris("2026-03-03 11:00"))),
        call,
        ComplianceSettings(),
        (),
        numbers,
        paris("2026-03-02 12:00"),
    )
    assert res.reason == "opted_out"
