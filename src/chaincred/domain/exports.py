"""Exports of one issued document: ERC-721 metadata, the SVG badge, and an Open Badges 3.0
``OpenBadgeCredential`` (W3C Verifiable Credential 2.0 data model).

The OB 3.0 export is unsigned: its evidence is the chain anchor, which any verifier checks
against the chain (DESIGN invariant 4) without trusting a signing key of the issuer.
"""

from __future__ import annotations

from typing import Any

from chaincred.domain.achievement import Achievement
from chaincred.domain.badge import badge_svg
from chaincred.domain.canonical import canonical_bytes
from chaincred.domain.claims import PersonalClaims
from chaincred.domain.digest import cid_of_bytes, digest_hex
from chaincred.domain.document import CredentialDocument

__all__ = [
    "OB3_CONTEXT",
    "VC2_CONTEXT",
    "badge_of",
    "erc721_metadata",
    "open_badge_credential",
]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

_OB3_TYPES = {
    "micro-credential": "MicroCredential",
    "course": "Course",
    "module": "Course",
    "certificate": "Certificate",
    "badge": "Badge",
    "learning-programme": "LearningProgram",
}


def erc721_metadata(document: CredentialDocument) -> bytes:
    """The metadata wallets fetch from the token URI: the canonical bytes of the public part,
    whose SHA-256 is the token id (so its CID is the one in ``tokenURI``)."""
    return document.public.canonical


def badge_of(document: CredentialDocument) -> bytes:
    """The SVG badge whose CID is in the public part's ``image``."""
    return badge_svg(document.public.achievement, document.public.institution.name)


def open_badge_credential(document: CredentialDocument) -> dict[str, Any]:
    """The document as an OB 3.0 ``OpenBadgeCredential``; personal claims appear only if the
    document discloses them (present a reduced document to withhold some)."""
    public = document.public
    image = {"id": public.image, "type": "Image", "caption": public.name}
    credential: dict[str, Any] = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": document.token_uri(),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": public.name,
        "description": public.description,
        "image": image,
        "issuer": _issuer(document),
        "validFrom": public.issued_at,
        "awardedDate": public.issued_at,
        "credentialSubject": _subject(document, image),
        "evidence": [_anchor_evidence(document)],
        "credentialSchema": [{"id": OB3_SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if public.valid_until is not None:
        credential["validUntil"] = public.valid_until
    return credential


def _issuer(document: CredentialDocument) -> dict[str, Any]:
    inst, anchor = document.public.institution, document.anchor
    profile: dict[str, Any] = {
        "id": inst.url or f"urn:chaincred:eip155:{anchor.chain_id}:{anchor.contract}:{inst.id}",
        "type": ["Profile"],
        "name": inst.name,
    }
    if inst.url is not None:
        profile["url"] = inst.url
    if inst.country is not None or inst.region is not None:
        address: dict[str, Any] = {"type": ["Address"]}
        if inst.country is not None:
            address["addressCountryCode"] = inst.country
        if inst.region is not None:
            address["addressRegion"] = inst.region
        profile["address"] = address
    return profile


def _subject(document: CredentialDocument, image: dict[str, str]) -> dict[str, Any]:
    public = document.public
    claims = PersonalClaims.model_validate({n: o.value for n, o in document.claims.items()})
    subject: dict[str, Any] = {
        # did:pkh names a blockchain account as a DID (CAIP-10 inside).
        "id": f"did:pkh:eip155:{document.anchor.chain_id}:{public.recipient}",
        "type": ["AchievementSubject"],
        "achievement": _achievement(public.achievement, image),
        "result": [_result(claims)],
    }
    if public.achievement.ects is not None:
        subject["creditsEarned"] = _number(public.achievement.ects)
    identifiers = _identifiers(claims)
    if identifiers:
        subject["identifier"] = identifiers
    if claims.date_of_completion is not None:
        subject["activityEndDate"] = claims.date_of_completion + "T00:00:00Z"
    return subject


def _achievement(a: Achievement, image: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": _achievement_id(a),
        "type": ["Achievement"],
        "achievementType": _OB3_TYPES[a.achievement_type],
        "name": a.title,
        "description": a.description,
        "criteria": {"narrative": _criteria(a)},
        "image": image,
        "inLanguage": a.languages[0],
        "alignment": _alignments(a),
    }
    if a.ects is not None:
        out["creditsAvailable"] = _number(a.ects)
    if a.code is not None:
        out["humanCode"] = a.code
    if a.field_of_study is not None:
        out["fieldOfStudy"] = a.field_of_study
    if not out["alignment"]:
        del out["alignment"]
    return out


def _achievement_id(a: Achievement) -> str:
    """The achievement's URL, else the content address of its definition: either way the same
    for every learner it is awarded to, as OB 3.0 expects of an achievement id."""
    if a.url is not None:
        return a.url
    definition = a.model_dump(mode="json", exclude_defaults=True)
    return "ipfs://" + cid_of_bytes(canonical_bytes(definition))


def _alignments(a: Achievement) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if a.eqf_level is not None:
        out.append(
            {
                "type": ["Alignment"],
                "targetName": f"EQF level {a.eqf_level}",
                "targetUrl": f"http://data.europa.eu/snb/eqf/{a.eqf_level}",
                "targetCode": str(a.eqf_level),
                "targetFramework": "European Qualifications Framework",
                "targetType": "ext:EQFLevel",
            }
        )
    for outcome in a.learning_outcomes:
        for skill in outcome.esco_skills:
            out.append(
                {
                    "type": ["Alignment"],
                    "targetName": outcome.text,
                    "targetUrl": skill,
                    "targetFramework": "ESCO",
                    "targetType": "ceasn:Competency",
                }
            )
    return out


def _criteria(a: Achievement) -> str:
    lines = ["Learning outcomes:", *(f"- {o.text}" for o in a.learning_outcomes)]
    if not a.learning_outcomes:
        lines = ["Learning outcomes: not stated."]
    method = f" ({a.assessment.method})" if a.assessment.method else ""
    credit = {
        "none": "no academic credit",
        "direct": "academic credit awarded directly",
        "recognition-of-prior-learning": "academic credit by recognition of prior learning",
    }
    lines += [
        "",
        f"Assessment: {a.assessment.type}{method}; {credit[a.assessment.credit]}.",
        f"Identity verified at assessment: {a.identity_verification}.",
        f"Workload: {_number(a.workload_hours)} hours; delivery: {a.delivery_mode}.",
    ]
    if a.quality_assurance is not None:
        qa = a.quality_assurance
        by = f" by {qa.body}" if qa.body else ""
        ref = f" ({qa.accreditation})" if qa.accreditation else ""
        lines.append(f"Quality assurance: {qa.type}{by}{ref}.")
    if a.prerequisites:
        lines.append("Prerequisites: " + "; ".join(a.prerequisites) + ".")
    return "\n".join(lines)


def _result(claims: PersonalClaims) -> dict[str, Any]:
    result: dict[str, Any] = {"type": ["Result"], "status": "Completed"}
    if claims.grade is not None:
        result["value"] = claims.grade
    return result


def _identifiers(claims: PersonalClaims) -> list[dict[str, Any]]:
    name = claims.name
    if name is None and claims.given_name and claims.family_name:
        name = f"{claims.given_name} {claims.family_name}"
    pairs = [("name", name), ("sisSourcedId", claims.student_id)]
    return [
        {"type": "IdentityObject", "hashed": False, "identityHash": value, "identityType": kind}
        for kind, value in pairs
        if value is not None
    ]


def _anchor_evidence(document: CredentialDocument) -> dict[str, Any]:
    anchor = document.anchor
    return {
        # CAIP-19 asset id of the token.
        "id": f"eip155:{anchor.chain_id}/erc721:{anchor.contract}/{anchor.token_id}",
        "type": ["Evidence"],
        "name": "On-chain anchor",
        "genre": "Blockchain record",
        "description": f"Token {anchor.token_id} of contract {anchor.contract} on chain "
        f"{anchor.chain_id}.",
        "narrative": (
            f"The token id is the SHA-256 digest {digest_hex(document.digest())} of the RFC 8785 "
            f"canonical bytes of the credential's public part, published at "
            f"{document.token_uri()}. Check the token's status on chain {anchor.chain_id} to "
            "verify this credential; it needs no signature from the issuer."
        ),
    }


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value
