"""issue_document: the split into public part and claims, the dates, the anchor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from chaincred.domain import (
    canonical_bytes,
    digest_from_hex,
    digest_hex,
    digest_of,
    document_json,
    parse_document,
    token_id_of,
)

from .factories import CONTRACT, achievement, issue, raw_document


def test_issued_document_parses_back_to_itself() -> None:
    document = issue()
    assert parse_document(raw_document(document)) == document


def test_no_personal_claim_value_reaches_the_public_part() -> None:
    # DESIGN invariant 1: the public part carries commitments, never values.
    claims = {
        "name": "Ada Lovelace",
        "given_name": "Augusta",
        "family_name": "Byron-King",
        "student_id": "s1234567",
        "date_of_birth": "1815-12-10",
        "date_of_completion": "1843-09-01",
        "grade": "summa cum laude",
    }
    document = issue(claims=claims)
    public = canonical_bytes(document.public.to_json()).decode()
    for value in claims.values():
        assert value not in public
    assert set(document.public.claim_commitments) == set(claims)
    assert {n: c.value for n, c in document.claims.items()} == claims


def test_anchor_token_id_is_the_digest_of_the_public_part() -> None:
    document = issue(chain_id=11155111)
    digest = digest_of(document_json(document)["public"])
    assert document.anchor.token_id == str(token_id_of(digest))
    assert document.anchor.chain_id == 11155111
    assert document.anchor.contract == CONTRACT


def test_issued_at_is_stored_in_utc_whole_seconds() -> None:
    cet = timezone(timedelta(hours=2))
    document = issue(issued_at=datetime(2025, 9, 1, 8, 15, 30, 999_999, tzinfo=cet))
    assert document.public.issued_at == "2025-09-01T06:15:30Z"


def test_validity_period_sets_valid_until() -> None:
    document = issue(achievement(validity_months=13))
    assert document.public.valid_until == "2026-07-30T12:00:00Z"


def test_validity_period_clamps_to_the_end_of_the_month() -> None:
    issued = datetime(2024, 1, 31, 9, tzinfo=UTC)
    document = issue(achievement(validity_months=1), issued_at=issued)
    assert document.public.valid_until == "2024-02-29T09:00:00Z"


def test_explicit_valid_until_wins_over_the_validity_period() -> None:
    until = datetime(2027, 1, 1, tzinfo=UTC)
    document = issue(achievement(validity_months=120), valid_until=until)
    assert document.public.valid_until == "2027-01-01T00:00:00Z"


def test_no_validity_means_no_valid_until_field() -> None:
    assert "valid_until" not in document_json(issue())["public"]


def test_supersedes_records_the_corrected_credential() -> None:
    first = issue()
    correction = issue(claims={"name": "Ada King"}, supersedes=first.digest())
    assert correction.public.supersedes == digest_hex(first.digest())
    assert digest_from_hex(correction.public.supersedes) == first.digest()
    assert correction.digest() != first.digest()


def test_no_claims_means_no_commitments_field() -> None:
    document = issue(claims={})
    assert document.claims == {}
    assert "claim_commitments" not in document_json(document)["public"]
    assert document_json(document)["claims"] == {}


def test_badge_and_display_fields_follow_the_achievement() -> None:
    document = issue()
    public = document_json(document)["public"]
    assert public["name"] == "Applied Machine Learning"
    assert public["image"].startswith("ipfs://bafkrei")
    traits = {a["trait_type"]: a["value"] for a in public["attributes"]}
    assert traits == {
        "ECTS": 5,
        "EQF level": 6,
        "Workload hours": 135,
        "Institution": "Universiteit Voorbeeld",
        "Achievement type": "micro-credential",
        "CMF conformance": "conforms (cmf-2019)",
    }
