"""Rows of the issuer's tables as the port's entries, and entries as insertable values."""

from __future__ import annotations

from typing import Any

from chaincred.adapters.db.models import (
    AchievementRow,
    ApiKeyRow,
    CredentialRow,
    InstitutionRow,
    OperationRow,
    TransactionRow,
)
from chaincred.ports.issuer import (
    AchievementEntry,
    ApiKeyEntry,
    CredentialEntry,
    InstitutionEntry,
    OperationEntry,
    TransactionFacts,
)

__all__ = [
    "achievement_entry",
    "api_key_entry",
    "credential_entry",
    "credential_values",
    "institution_entry",
    "operation_entry",
    "operation_values",
]


def institution_entry(row: InstitutionRow) -> InstitutionEntry:
    return InstitutionEntry(row.id, row.name, row.country, row.created_at)


def api_key_entry(row: ApiKeyRow) -> ApiKeyEntry:
    return ApiKeyEntry(
        id=row.id,
        institution_id=row.institution_id,
        prefix=row.prefix,
        key_hash=row.key_hash,
        scopes=tuple(s for s in row.scopes.split(",") if s),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def achievement_entry(row: AchievementRow) -> AchievementEntry:
    return AchievementEntry(
        id=row.id,
        institution_id=row.institution_id,
        data=row.data,
        created_at=row.created_at,
        archived=row.archived,
        used=row.used,
    )


def credential_entry(row: CredentialRow) -> CredentialEntry:
    return CredentialEntry(
        id=row.id,
        institution_id=row.institution_id,
        achievement_id=row.achievement_id,
        token_id=row.token_id,
        recipient=row.recipient,
        document=row.document,
        created_at=row.created_at,
        job_id=row.job_id,
        job_index=row.job_index,
        supersedes_id=row.supersedes_id,
        state=row.state,
        failure=row.failure,
        status=row.status,
        status_reason=row.status_reason,
        claim_secret_hash=row.claim_secret_hash,
        claimed_at=row.claimed_at,
        updated_at=row.updated_at,
    )


def credential_values(entry: CredentialEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "institution_id": entry.institution_id,
        "achievement_id": entry.achievement_id,
        "job_id": entry.job_id,
        "job_index": entry.job_index,
        "token_id": entry.token_id,
        "recipient": entry.recipient,
        "document": dict(entry.document) if entry.document is not None else None,
        "state": entry.state,
        "failure": entry.failure,
        "status": entry.status,
        "status_reason": entry.status_reason,
        "supersedes_id": entry.supersedes_id,
        "claim_secret_hash": entry.claim_secret_hash,
        "claimed_at": entry.claimed_at,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at or entry.created_at,
    }


def operation_entry(
    op: OperationRow, tx: TransactionRow | None, size: int | None
) -> OperationEntry:
    facts = None
    if tx is not None:
        facts = TransactionFacts(
            tx_hash=tx.tx_hash,
            state=tx.state,
            operations=int(size or 1),
            block_number=tx.block_number,
            gas_used=tx.gas_used,
            effective_gas_price=tx.effective_gas_price,
        )
    assert op.id is not None
    return OperationEntry(
        kind=op.kind,
        institution_id=op.institution_id,
        credential_id=op.credential_id,
        payload=op.payload,
        created_at=op.created_at,
        id=op.id,
        state=op.state,
        error=op.error,
        transaction=facts,
    )


def operation_values(entry: OperationEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "institution_id": entry.institution_id,
        "credential_id": entry.credential_id,
        "payload": dict(entry.payload),
        "state": entry.state,
        "error": entry.error,
        "attempts": 0,
        "created_at": entry.created_at,
        "updated_at": entry.created_at,
    }
