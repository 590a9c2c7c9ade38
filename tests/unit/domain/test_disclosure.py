"""verify_disclosure and present: proven, withheld and mismatched claims."""

from __future__ import annotations

import pytest

from chaincred.domain import (
    ClaimOpening,
    InvalidCredential,
    Mismatch,
    parse_document,
    present,
    verify_disclosure,
)

from .factories import CLAIMS, issue, raw_document


def test_a_full_document_proves_every_claim() -> None:
    report = verify_disclosure(issue())
    assert report.proven == CLAIMS
    assert report.withheld == ()
    assert report.mismatched == ()
    assert report.ok


def test_a_presentation_withholds_what_it_leaves_out() -> None:
    presentation = present(issue(), ["date_of_birth"])
    report = verify_disclosure(parse_document(raw_document(presentation)))
    assert report.proven == {"date_of_birth": "2001-04-13"}
    assert report.withheld == ("name", "student_id")
    assert report.ok


def test_a_changed_value_is_mismatched() -> None:
    document = issue()
    forged = ClaimOpening(value="Grace Hopper", salt=document.claims["name"].salt)
    report = verify_disclosure(
        document.model_copy(update={"claims": {**document.claims, "name": forged}})
    )
    assert report.mismatched == (Mismatch("name", "value and salt do not match the commitment"),)
    assert "name" not in report.proven
    assert not report.ok


def test_a_wrong_salt_is_mismatched() -> None:
    document = issue()
    wrong = ClaimOpening(value="Ada Lovelace", salt="0x" + "ff" * 16)
    report = verify_disclosure(document.model_copy(update={"claims": {"name": wrong}}))
    assert [m.name for m in report.mismatched] == ["name"]
    assert report.withheld == ("student_id", "date_of_birth")


def test_a_claim_without_commitment_is_mismatched() -> None:
    document = issue(claims={"name": "Ada Lovelace"})
    extra = ClaimOpening(value="A", salt="0x" + "01" * 16)
    report = verify_disclosure(
        document.model_copy(update={"claims": {**document.claims, "grade": extra}})
    )
    assert report.mismatched == (
        Mismatch("grade", "the public part has no commitment to this claim"),
    )
    assert report.proven == {"name": "Ada Lovelace"}


def test_an_opening_cannot_be_moved_to_another_field() -> None:
    document = issue(claims={"name": "s1234567", "student_id": "s1234567"})
    swapped = {"name": document.claims["student_id"], "student_id": document.claims["name"]}
    report = verify_disclosure(document.model_copy(update={"claims": swapped}))
    assert {m.name for m in report.mismatched} == {"name", "student_id"}


def test_present_refuses_claims_the_document_does_not_hold() -> None:
    with pytest.raises(InvalidCredential) as caught:
        present(issue(claims={"name": "Ada"}), ["grade"])
    assert caught.value.location == "claims.grade"
