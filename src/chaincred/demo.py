"""The demo data ``chaincred up`` issues with: an institution and a CMF-conforming
micro-credential (5 ECTS at EQF 6, summative, proctored, externally quality-assured)."""

from __future__ import annotations

from typing import Any

from chaincred.domain import digest_of

__all__ = ["DEMO_ACHIEVEMENT", "DEMO_INSTITUTION", "demo_institution_digest"]

DEMO_INSTITUTION = {"name": "Demo University of Applied Sciences", "country": "NL"}

DEMO_ACHIEVEMENT: dict[str, Any] = {
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


def demo_institution_digest() -> bytes:
    """The registry's metadata digest of the demo institution: SHA-256 of its canonical JSON."""
    return bytes(digest_of(DEMO_INSTITUTION))
