"""Model validation: every refusal names its field, unknown fields are rejected, strings are
NFC-normalized."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chaincred.domain import InvalidCredential, parse_achievement

from .factories import RECIPIENT, achievement, achievement_data, issue


def _refusal(**changes: Any) -> InvalidCredential:
    with pytest.raises(InvalidCredential) as caught:
        parse_achievement(achievement_data(**changes))
    return caught.value


@pytest.mark.parametrize(
    ("changes", "location", "message"),
    [
        ({"ects": 0}, "ects", "greater than 0"),
        ({"ects": -2.5}, "ects", "greater than 0"),
        ({"ects": "5"}, "ects", "must be a number"),
        ({"ects": True}, "ects", "must be a number"),
        ({"eqf_level": 9}, "eqf_level", "less than or equal to 8"),
        ({"eqf_level": 0}, "eqf_level", "greater than or equal to 1"),
        ({"eqf_level": 6.0}, "eqf_level", "must be an integer"),
        ({"workload_hours": 0}, "workload_hours", "greater than 0"),
        ({"workload_hours": 2**60}, "workload_hours", "less than or equal to 100000"),
        ({"title": ""}, "title", "at least 1 character"),
        ({"title": "A\nB"}, "title", "control character U+000A at index 1"),
        ({"title": "bad\ud800"}, "title", "contains a lone surrogate"),
        ({"title": 42}, "title", "must be a string"),
        ({"description": None}, "description", "null is not allowed; omit the field instead"),
        ({"delivery_mode": "hybrid"}, "delivery_mode", "'online', 'on-site' or 'blended'"),
        ({"languages": []}, "languages", "at least 1 item"),
        ({"languages": ["en", "EN_us"]}, "languages[1]", "should match pattern"),
        ({"languages": ["en", "nl", "en"]}, "languages[2]", "en is listed twice"),
        ({"field_of_study": "6"}, "field_of_study", "should match pattern"),
        ({"url": "http://example.edu"}, "url", "should match pattern"),
        (
            {"learning_outcomes": [{"text": "x", "esco_skills": ["https://esco.eu/1"]}]},
            "learning_outcomes[0].esco_skills[0]",
            "should match pattern",
        ),
        (
            {"assessment": {"type": "formative", "credit": "direct"}},
            "assessment.credit",
            "credit cannot be awarded with a formative assessment",
        ),
        ({"assessment": {"type": "summative"}}, "assessment.credit", "is required"),
        (
            {"quality_assurance": {"type": "external"}},
            "quality_assurance.body",
            "external quality assurance must name its body",
        ),
        ({"stackability": {}}, "stackability.part_of", "give part_of or degree_integration"),
        ({"validity_months": 0}, "validity_months", "greater than or equal to 1"),
        ({"colour": "blue"}, "colour", "is not a known field"),
        (
            {"learning_outcomes": [{"text": "x", "level": 3}]},
            "learning_outcomes[0].level",
            "is not a known field",
        ),
    ],
)
def test_achievement_refusals_name_the_field(
    changes: dict[str, Any], location: str, message: str
) -> None:
    error = _refusal(**changes)
    assert error.location == location
    assert message in error.problems[0].message


def test_all_problems_are_reported_not_just_the_first() -> None:
    error = _refusal(ects=0, eqf_level=9, extra=1)
    assert {p.location for p in error.problems} == {"ects", "eqf_level", "extra"}


def test_a_non_object_is_refused_at_the_root() -> None:
    with pytest.raises(InvalidCredential) as caught:
        parse_achievement([])  # type: ignore[arg-type]
    assert caught.value.location == "$"


def test_strings_are_nfc_normalized_at_validation() -> None:
    decomposed = achievement(title="Cre\u0301ation", description="Gene\u0300ve")
    assert decomposed.title == "Cr\u00e9ation"
    assert decomposed.description == "Gen\u00e8ve"
    assert decomposed == achievement(title="Cr\u00e9ation", description="Gen\u00e8ve")


def test_integral_numbers_serialize_as_integers() -> None:
    dumped = achievement(ects=5.0, workload_hours=127.5).model_dump(mode="json")
    assert dumped["ects"] == 5 and isinstance(dumped["ects"], int)
    assert dumped["workload_hours"] == 127.5


@pytest.mark.parametrize(
    ("kwargs", "location", "message"),
    [
        (
            {"recipient": RECIPIENT.lower()},
            "recipient",
            f"EIP-55 checksummed address (did you mean {RECIPIENT}?)",
        ),
        ({"recipient": "0x1234"}, "recipient", "0x followed by 40 hex digits"),
        ({"issued_at": datetime(2025, 1, 1)}, "issued_at", "must carry a time zone"),
        ({"claims": {"nickname": "Ada"}}, "claims.nickname", "is not a known field"),
        ({"claims": {"date_of_birth": "13/04/2001"}}, "claims.date_of_birth", "YYYY-MM-DD"),
        ({"claims": {"date_of_birth": "2001-02-30"}}, "claims.date_of_birth", "YYYY-MM-DD"),
        ({"claims": {"name": ""}}, "claims.name", "at least 1 character"),
        ({"chain_id": 0}, "anchor.chain_id", "greater than or equal to 1"),
        ({"contract": "0x" + "ab" * 20}, "anchor.contract", "EIP-55 checksummed"),
    ],
)
def test_credential_refusals_name_the_field(
    kwargs: dict[str, Any], location: str, message: str
) -> None:
    with pytest.raises(InvalidCredential) as caught:
        issue(**kwargs)
    assert caught.value.location == location
    assert message in caught.value.problems[0].message


def test_valid_until_must_follow_issued_at() -> None:
    with pytest.raises(InvalidCredential) as caught:
        issue(valid_until=datetime.fromisoformat("2025-06-30T11:59:59Z"))
    assert caught.value.location == "valid_until"
    assert "must be later than issued_at (2025-06-30T12:00:00Z)" in str(caught.value)
