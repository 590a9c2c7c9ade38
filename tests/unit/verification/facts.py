"""Hand-built chain facts for the pure checks: each test states only what it changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chaincred.domain.onchain import BurnAuth, CredentialRecord, InstitutionRecord, Reason, Status
from chaincred.domain.verification import ChainFacts, JudgedBlock

TOKEN = 0x5A1C8B9939CD874A6168822DFC6A9A128A8A253B87A0A1B5FA0357A934D2A3FB
OWNER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
STRANGER = "0x4D6cBaEF833c04f8a65029a1e13037a421E3E787"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ISSUED_AT = 1_751_284_800  # 2025-06-30T12:00:00Z
BLOCK = JudgedBlock(number=120, hash="0x" + "ab" * 32, timestamp=ISSUED_AT + 86_400)


def record(**changes: Any) -> CredentialRecord:
    base = CredentialRecord(
        token_id=TOKEN,
        owner=OWNER,
        institution_id=1,
        issued_at=ISSUED_AT,
        status_changed_at=0,
        status=Status.ACTIVE,
        reason=Reason.NONE,
        burn_auth=BurnAuth.OWNER_ONLY,
        superseded_by=0,
    )
    return replace(base, **changes)


def never_issued() -> CredentialRecord:
    return record(owner="0x" + "0" * 40, institution_id=0, issued_at=0, status=Status.NONE)


def institution(**changes: Any) -> InstitutionRecord:
    base = InstitutionRecord(
        institution_id=1,
        active=True,
        accredited=True,
        quality_assurance_body=7,
        registered_at=ISSUED_AT - 1000,
        deactivated_at=0,
        accreditation_valid_until=ISSUED_AT + 365 * 86_400,
        metadata_digest=b"\x01" * 32,
    )
    return replace(base, **changes)


def facts(**changes: Any) -> ChainFacts:
    base = ChainFacts(
        chain_id=31337,
        contract=CONTRACT,
        has_code=True,
        block=BLOCK,
        confirmations=1,
        record=record(),
        record_at_head=None,
        institution=institution(),
    )
    return replace(base, **changes)
