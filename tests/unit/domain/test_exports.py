"""Exports: OB 3.0 OpenBadgeCredential (validated against the official schema), ERC-721
metadata and the SVG badge."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from chaincred.domain import (
    CredentialDocument,
    badge_of,
    canonical_bytes,
    cid_of_bytes,
    digest_hex,
    erc721_metadata,
    open_badge_credential,
    parse_document,
    present,
)
from chaincred.domain.badge import badge_svg
from chaincred.schemas import OB3_SCHEMA, load

from .factories import DROP, VECTOR_NAMES, achievement, issue, load_vector


@pytest.fixture(scope="module")
def ob3_validator() -> Draft201909Validator:
    schema = load(OB3_SCHEMA)
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _vector(name: str) -> CredentialDocument:
    return parse_document(load_vector(name))


def _errors(validator: Draft201909Validator, instance: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_ob3_export_of_every_vector_validates(
    ob3_validator: Draft201909Validator, name: str
) -> None:
    credential = open_badge_credential(_vector(name))
    assert _errors(ob3_validator, credential) == []
    # The schema's date-time format is not checked without an extra package: check it here.
    for key in ("validFrom", "awardedDate", "validUntil"):
        if key in credential:
            assert datetime.fromisoformat(credential[key]).tzinfo is not None


def test_ob3_export_without_claims_validates(ob3_validator: Draft201909Validator) -> None:
    credential = open_badge_credential(present(_vector("cmf-5ects-eqf6"), []))
    assert _errors(ob3_validator, credential) == []
    subject = credential["credentialSubject"]
    assert "identifier" not in subject
    assert subject["result"] == [{"type": ["Result"], "status": "Completed"}]


def test_ob3_export_maps_the_micro_credential_fields() -> None:
    document = _vector("cmf-5ects-eqf6")
    credential = open_badge_credential(document)
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["validFrom"] == "2025-06-30T12:00:00Z"
    assert "issuanceDate" not in credential
    assert credential["id"] == document.token_uri()
    subject = credential["credentialSubject"]
    assert subject["id"] == "did:pkh:eip155:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    ach = subject["achievement"]
    assert ach["creditsAvailable"] == 5
    assert ach["achievementType"] == "MicroCredential"
    eqf = ach["alignment"][0]
    assert eqf["targetUrl"] == "http://data.europa.eu/snb/eqf/6" and eqf["targetCode"] == "6"
    assert ach["alignment"][1]["targetFramework"] == "ESCO"
    assert (
        "- Train and evaluate supervised models on tabular health data."
        in (ach["criteria"]["narrative"])
    )
    assert subject["result"][0]["value"] == "8.5/10"
    assert {i["identityType"]: i["identityHash"] for i in subject["identifier"]} == {
        "name": "Ada Lovelace",
        "sisSourcedId": "s1234567",
    }
    evidence = credential["evidence"][0]
    assert evidence["id"] == (
        f"eip155:31337/erc721:0x5FbDB2315678afecb367f032d93F642f64180aa3/{document.token_id()}"
    )
    assert digest_hex(document.digest()) in evidence["narrative"]
    assert credential["issuer"]["address"]["addressCountryCode"] == "NL"


def test_ob3_achievement_id_is_shared_by_every_learner() -> None:
    one = open_badge_credential(issue(achievement(url=DROP), claims={"name": "A"}))
    other = open_badge_credential(issue(achievement(url=DROP), claims={"name": "B"}))
    one_id = one["credentialSubject"]["achievement"]["id"]
    assert one_id == other["credentialSubject"]["achievement"]["id"]
    assert one_id.startswith("ipfs://bafkrei")
    assert one["id"] != other["id"]


def test_erc721_metadata_is_the_canonical_public_part_and_hashes_to_the_token_id() -> None:
    document = _vector("cmf-5ects-eqf6")
    metadata = erc721_metadata(document)
    assert metadata == canonical_bytes(load_vector("cmf-5ects-eqf6")["public"])
    assert hashlib.sha256(metadata).digest() == document.digest()
    assert "ipfs://" + cid_of_bytes(metadata) == document.token_uri()


def test_badge_cid_is_the_image_of_the_public_part() -> None:
    document = _vector("unicode-nfc")
    assert "ipfs://" + cid_of_bytes(badge_of(document)) == document.public.image


def test_badge_is_deterministic_well_formed_svg_with_the_key_facts() -> None:
    document = _vector("cmf-5ects-eqf6")
    svg = badge_of(document)
    assert svg == badge_of(_vector("cmf-5ects-eqf6"))
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for fact in ("Applied Machine Learning", "Universiteit Voorbeeld", "5 ECTS", "EQF 6"):
        assert fact in texts
    assert b"http" not in svg.replace(b"http://www.w3.org/2000/svg", b"")


def test_badge_escapes_markup_and_shortens_long_titles() -> None:
    a = achievement(title="<script>&" + " very long words" * 12)
    svg = badge_svg(a, 'Institut "A&B"')
    root = ET.fromstring(svg)  # would fail on unescaped markup
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[1] == "<script>& very long"
    assert any(t.endswith("…") for t in texts)
    assert b"<script>" not in svg


def test_badge_omits_credits_and_level_when_absent() -> None:
    svg = badge_svg(achievement(ects=DROP, eqf_level=DROP), "Lab").decode()
    assert "ECTS" not in svg and "EQF" not in svg


def test_the_ob3_validator_does_reject_a_broken_credential(
    ob3_validator: Draft201909Validator,
) -> None:
    # Guard against a schema that accepts anything: the checks above must be able to fail.
    credential = open_badge_credential(_vector("cmf-5ects-eqf6"))
    del credential["validFrom"]
    credential["@context"] = list(reversed(credential["@context"]))
    errors = _errors(ob3_validator, credential)
    assert any("'validFrom' is a required property" in e for e in errors)
    assert any(e.startswith("['@context', 0]") for e in errors)
