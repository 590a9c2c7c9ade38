"""parse_document: every refusal carries the JSON path of the problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chaincred.domain import InvalidCredential, parse_document

from .factories import issue, raw_document

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def pristine() -> dict[str, Any]:
    return raw_document(issue())


def _refusal(pristine: dict[str, Any], edit: Edit) -> InvalidCredential:
    raw = raw_document(parse_document(pristine))  # a deep copy
    edit(raw)
    with pytest.raises(InvalidCredential) as caught:
        parse_document(raw)
    return caught.value


def _set(path: str, value: Any) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _delete(path: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return edit


@pytest.mark.parametrize(
    ("edit", "location", "message"),
    [
        (_set("public.achievement.ects", 0), "public.achievement.ects", "greater than 0"),
        (_set("public.achievement.eqf_level", 9), "public.achievement.eqf_level", "<= 8"),
        (_set("public.extra", 1), "public.extra", "is not a known field"),
        (_set("public.achievement.valid", True), "public.achievement.valid", "is not a known"),
        (_set("extra", 1), "extra", "is not a known field"),
        (_delete("anchor"), "anchor", "is required"),
        (_set("public.valid_until", None), "public.valid_until", "null is not allowed"),
        (_set("public.issued_at", "2025-06-30T12:00:00+00:00"), "public.issued_at", "UTC time"),
        (
            _set("public.recipient", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
            "public.recipient",
            "EIP-55",
        ),
        (
            _set("public.claim_commitments.name", "0x12"),
            "public.claim_commitments.name",
            "should match pattern",
        ),
        (
            _set("public.claim_commitments.nickname", "0x" + "00" * 32),
            "public.claim_commitments.nickname",
            "is not a known name",
        ),
        (_set("claims.name.salt", "0x" + "AB" * 16), "claims.name.salt", "should match pattern"),
        (_set("claims.name.value", 7), "claims.name.value", "must be a string"),
        (_set("claims.name.value", "x\ud800"), "claims.name.value", "lone surrogate"),
        (_set("anchor.token_id", 5), "anchor.token_id", "must be a string"),
        (_set("anchor.token_id", "0x12"), "anchor.token_id", "should match pattern"),
        (_set("public", []), "public", "must be a JSON object"),
        (_set("public.conformance", []), "public.conformance", "has 0 items where the"),
    ],
)
def test_structural_refusals(
    pristine: dict[str, Any], edit: Edit, location: str, message: str
) -> None:
    error = _refusal(pristine, edit)
    assert error.location == location
    assert message.replace("<= 8", "less than or equal to 8") in error.problems[0].message


@pytest.mark.parametrize(
    ("edit", "location", "message"),
    [
        # Display fields and reports must follow from the credential they describe.
        (_set("public.name", "Another title"), "public.name", "the credential implies"),
        (
            _set("public.attributes.0.value", 50),
            "public.attributes[0].value",
            "is 50 but the credential implies 5",
        ),
        (_set("public.image", "ipfs://b" + "a" * 58), "public.image", "the credential implies"),
        (
            _set("public.conformance.0.conforms", False),
            "public.conformance[0].conforms",
            "is false but the credential implies true",
        ),
        (
            _set("public.conformance.0.rules.2.status", "not_met"),
            "public.conformance[0].rules[2].status",
            "the credential implies",
        ),
        (
            _set("public.conformance.0.parameters.admitted_eqf_levels", [4, 5, 6, 7]),
            "public.conformance[0].parameters.admitted_eqf_levels[0]",
            "is 4 but the credential implies 6",
        ),
        (
            _set("public.conformance.0.parameters.admitted_eqf_levels", [6, 7, 8]),
            "public.conformance[0].parameters.admitted_eqf_levels",
            "has 3 items where the credential implies 2",
        ),
        (
            _set("public.conformance.0.version", "cmf-2030"),
            "public.conformance[0].version",
            "unknown cmf rule set 'cmf-2030'; known: cmf-2019, cmf-revised",
        ),
        (
            _set("public.conformance.1.version", "eu-2099"),
            "public.conformance[1].version",
            "unknown eu-council rule set",
        ),
        (
            _set("public.achievement.prerequisites", []),
            "public.achievement.prerequisites",
            "must be omitted",
        ),
        (_delete("public.attributes"), "public.attributes", "is required"),
        (
            _set("public.achievement.title", "Cre\u0301ation"),
            "public.achievement.title",
            "not in Unicode Normalization Form C",
        ),
        (_set("anchor.token_id", "1"), "anchor.token_id", "is not the digest of the public part"),
    ],
)
def test_consistency_refusals(
    pristine: dict[str, Any], edit: Edit, location: str, message: str
) -> None:
    error = _refusal(pristine, edit)
    assert error.location == location
    assert message in error.problems[0].message


def test_claim_values_must_be_nfc_as_committed(pristine: dict[str, Any]) -> None:
    error = _refusal(pristine, _set("claims.name.value", "Zoe\u0308"))
    assert error.location == "claims.name.value"
    assert "NFC" in error.problems[0].message


def test_claim_values_must_fit_their_claim(pristine: dict[str, Any]) -> None:
    error = _refusal(pristine, _set("claims.date_of_birth.value", "13 April 2001"))
    assert error.location == "claims.date_of_birth.value"
    assert "YYYY-MM-DD" in error.problems[0].message


def test_unknown_claim_names_are_refused(pristine: dict[str, Any]) -> None:
    opening = {"value": "x", "salt": "0x" + "00" * 16}
    error = _refusal(pristine, _set("claims.nickname", opening))
    assert error.location == "claims.nickname"


def test_a_document_with_fewer_claims_is_still_valid(pristine: dict[str, Any]) -> None:
    raw = raw_document(parse_document(pristine))
    del raw["claims"]["name"]
    assert "name" not in parse_document(raw).claims


def test_a_tampered_claim_value_parses_and_is_left_to_disclosure(
    pristine: dict[str, Any],
) -> None:
    # Parsing checks form; verify_disclosure reports the mismatch (see test_disclosure).
    raw = raw_document(parse_document(pristine))
    raw["claims"]["name"]["value"] = "Grace Hopper"
    assert parse_document(raw).claims["name"].value == "Grace Hopper"
