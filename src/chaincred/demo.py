"""The demo micro-credential that ``chaincred up`` issues on a fresh local chain: a real
document, built by the domain like any other (CMF-conforming, 5 ECTS at EQF 6)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from chaincred.domain import (
    CredentialDocument,
    Institution,
    canonical_bytes,
    digest_of,
    document_json,
    issue_document,
    parse_achievement,
)

__all__ = ["DEMO_INSTITUTION", "DemoToken", "demo_token"]

DEMO_INSTITUTION = {"name": "Demo University of Applied Sciences", "country": "NL"}

_ACHIEVEMENT = {
    "achievement_type": "micro-credential",
    "title": "Blockchain Fundamentals for Credentialing",
    "description": "How verifiable credentials are issued, held and checked on a public chain.",
    "learning_outcomes": [
        {"text": "Explain how a digest anchors a document on a public chain."},
        {"text": "Verify a credential against the chain without contacting its issuer."},
    ],
    "ects": 5,
    "eqf_level": 6,
    "workload_hours": 135,
    "delivery_mode": "online",
    "languages": ["en"],
    "assessment": {"type": "summative", "credit": "direct", "method": "project and oral exam"},
    "identity_verification": "online-proctored",
    "quality_assurance": {"type": "external", "body": "NVAO"},
}


@dataclass(frozen=True)
class DemoToken:
    document: CredentialDocument
    institution_digest: bytes

    @property
    def token_id(self) -> int:
        return int(self.document.token_id())

    @property
    def title(self) -> str:
        return self.document.public.name

    @property
    def document_json(self) -> str:
        return json.dumps(document_json(self.document), indent=2, ensure_ascii=False) + "\n"


def demo_token(
    holder: str, *, chain_id: int, contract: str, institution_id: int = 1, issued_at: datetime
) -> DemoToken:
    """The demo credential for ``holder``, issued by institution ``institution_id``."""
    institution = Institution.model_validate({"id": institution_id, **DEMO_INSTITUTION})
    document = issue_document(
        parse_achievement(_ACHIEVEMENT),
        institution=institution,
        recipient=holder,
        claims={"name": "Demo Learner", "student_id": "demo-0001"},
        issued_at=issued_at.astimezone(UTC),
        chain_id=chain_id,
        contract=contract,
    )
    metadata_digest = digest_of(json.loads(canonical_bytes(DEMO_INSTITUTION)))
    return DemoToken(document=document, institution_digest=bytes(metadata_digest))
