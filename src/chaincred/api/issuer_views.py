"""How the issuer's entries look in answers (JSON). Times are ISO 8601 UTC, wei amounts
decimal strings (they outgrow JSON numbers), token ids ``0x`` + 64 hex digits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chaincred.domain import digest_from_token_id, token_uri_of
from chaincred.ports.issuer import (
    AchievementEntry,
    ApiKeyEntry,
    CredentialEntry,
    InstitutionEntry,
    OperationEntry,
    TransactionFacts,
)
from chaincred.services.institutions import RegistryView
from chaincred.services.tracking import (
    CredentialPage,
    CredentialReport,
    JobReport,
    fee_share,
    gas_share,
)

__all__ = [
    "achievement_json",
    "credential_json",
    "credential_page_json",
    "institution_json",
    "job_json",
    "key_json",
    "operation_json",
    "registry_json",
    "time_json",
]


def time_json(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def institution_json(entry: InstitutionEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "country": entry.country,
        "created_at": time_json(entry.created_at),
    }


def key_json(entry: ApiKeyEntry, key: str | None = None) -> dict[str, Any]:
    shown = {"key": key} if key is not None else {}
    return shown | {
        "id": entry.id,
        "institution_id": entry.institution_id,
        "prefix": f"cc_{entry.prefix}",
        "scopes": list(entry.scopes),
        "created_at": time_json(entry.created_at),
        "revoked_at": time_json(entry.revoked_at),
    }


def achievement_json(entry: AchievementEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "achievement": entry.data,
        "archived": entry.archived,
        "used": entry.used,
        "created_at": time_json(entry.created_at),
    }


def transaction_json(facts: TransactionFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    fee = fee_share(facts)
    return {
        "hash": facts.tx_hash,
        "state": facts.state,
        "block_number": facts.block_number,
        "operations_in_transaction": facts.operations,
        "gas_used": gas_share(facts),
        "effective_gas_price_wei": _wei(facts.effective_gas_price),
        "fee_wei": _wei(fee),
    }


def operation_json(op: OperationEntry) -> dict[str, Any]:
    return {
        "id": op.id,
        "kind": op.kind,
        "credential_id": op.credential_id,
        "payload": op.payload,
        "state": op.state,
        "error": op.error,
        "created_at": time_json(op.created_at),
        "transaction": transaction_json(op.transaction),
    }


def credential_json(report: CredentialReport) -> dict[str, Any]:
    c = report.credential
    issuance = report.issuance
    return {
        **_credential_summary(c),
        "achievement_id": c.achievement_id,
        "job_id": c.job_id,
        "failure": c.failure,
        "status": c.status,
        "status_reason": c.status_reason,
        "supersedes": _credential_summary(report.supersedes) if report.supersedes else None,
        "superseded_by": report.successor_id,
        "document_available": c.document is not None,
        "claimed_at": time_json(c.claimed_at),
        "created_at": time_json(c.created_at),
        "transaction": transaction_json(issuance.transaction if issuance else None),
        "operations": [operation_json(op) for op in report.operations],
    }


def credential_page_json(page: CredentialPage) -> dict[str, Any]:
    """A page of the list: each item is the credential as ``credential_json`` shows it, less
    what needs its operations (``transaction``, ``operations``, ``superseded_by``), with
    ``supersedes_id`` for the ``supersedes`` summary."""
    return {
        "offset": page.offset,
        "limit": page.limit,
        "state": page.state,
        "next_offset": page.next_offset,
        "items": [
            {
                **_credential_summary(c),
                "achievement_id": c.achievement_id,
                "job_id": c.job_id,
                "failure": c.failure,
                "status": c.status,
                "status_reason": c.status_reason,
                "supersedes_id": c.supersedes_id,
                "document_available": c.document is not None,
                "claimed_at": time_json(c.claimed_at),
                "created_at": time_json(c.created_at),
            }
            for c in page.items
        ],
    }


def _credential_summary(c: CredentialEntry) -> dict[str, Any]:
    return {
        "id": c.id,
        "token_id": c.token_id,
        "token_uri": token_uri_of(digest_from_token_id(int(c.token_id, 16))),
        "recipient": c.recipient,
        "state": c.state,
    }


def job_json(report: JobReport) -> dict[str, Any]:
    job = report.job
    return {
        "id": job.id,
        "kind": job.kind,
        "total": job.total,
        "created_at": time_json(job.created_at),
        "finished": report.finished,
        "counts": report.counts,
        "offset": report.offset,
        "items": [
            {
                "index": item.index,
                "credential_id": item.credential_id,
                "token_id": item.token_id,
                "recipient": item.recipient,
                "state": item.state,
                "failure": item.failure,
            }
            for item in report.items
        ],
    }


def registry_json(view: RegistryView) -> dict[str, Any]:
    record = view.chain
    chain: dict[str, Any] | None = None
    if record is not None:
        chain = {
            "registered": record.registered,
            "active": record.active,
            "accredited": record.accredited,
            "quality_assurance_body": record.quality_assurance_body,
            "registered_at": _epoch(record.registered_at),
            "deactivated_at": _epoch(record.deactivated_at),
            "accreditation_valid_until": _epoch(record.accreditation_valid_until),
            "metadata_digest": "0x" + record.metadata_digest.hex(),
        }
    entry = view.entry
    return {
        "id": view.institution_id,
        "name": entry.name if entry else None,
        "country": entry.country if entry else None,
        "issues_here": entry is not None,
        "chain": chain,
        "chain_error": view.chain_error,
    }


def _epoch(seconds: int) -> str | None:
    return time_json(datetime.fromtimestamp(seconds, UTC)) if seconds else None


def _wei(amount: int | None) -> str | None:
    return None if amount is None else str(amount)
