"""Lifecycle requests: revoke, suspend, reinstate, supersede. Each queues one operation.

A request is judged against the credential's status as the chain will have it when the
operation runs: the mint may still be queued (the pipeline runs lifecycle operations after
it), but not failed, and no other lifecycle operation on the credential may be in progress
(two in flight could be judged against a status neither will find). The rules mirror the
contract's (contracts/interfaces/IChainCred.sol); the chain has the last word, and a revert
is recorded as the operation's failure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chaincred.domain import (
    CredentialDocument,
    InvalidCredential,
    digest_from_token_id,
    document_json,
    parse_document,
)
from chaincred.domain.onchain import Reason
from chaincred.ports import MetadataStore
from chaincred.ports.issuer import (
    PENDING_STATES,
    Clock,
    CredentialEntry,
    IssuerRepository,
    IssuerTransaction,
    OperationEntry,
)
from chaincred.services.errors import InvalidTransition, NotFound, OperationPending
from chaincred.services.publishing import (
    IssuingChain,
    build_document,
    institution_of,
    pin_public_parts,
    token_id_hex,
)

__all__ = [
    "REASONS",
    "Correction",
    "Queued",
    "StatusChange",
    "change_status",
    "supersede",
]

StatusChange = Literal["revoke", "suspend", "reinstate"]

#: Reasons a request may give (``none`` and ``superseded`` are the contract's own).
REASONS = tuple(r.name.lower() for r in Reason if r not in (Reason.NONE, Reason.SUPERSEDED))

#: The statuses each operation starts from (IChainCred.sol).
_FROM: dict[str, tuple[str, ...]] = {
    "revoke": ("active", "suspended"),
    "suspend": ("active",),
    "reinstate": ("suspended",),
    "supersede": ("active", "suspended"),
}


class Correction(BaseModel):
    """What a superseding credential changes; anything left out is copied from the old one
    (claims are replaced as a whole, with fresh salts)."""

    model_config = ConfigDict(extra="forbid")
    claims: dict[str, Any] | None = Field(None, description="the corrected claims (all of them)")
    recipient: str | None = Field(None, description="the corrected wallet address")
    valid_until: AwareDatetime | None = Field(
        None, description="the corrected end of validity; null for none"
    )


@dataclass(frozen=True)
class Queued:
    """An accepted lifecycle request: its operation, and for ``supersede`` the new credential."""

    operation: OperationEntry
    credential: CredentialEntry
    successor: CredentialEntry | None = None


def change_status(
    institution_id: int,
    credential_id: str,
    operation: StatusChange,
    reason: str | None,
    *,
    repo: IssuerRepository,
    clock: Clock,
) -> Queued:
    """Queue a revoke, suspend (both with a reason) or reinstate of the credential."""
    payload: dict[str, Any] = {}
    if operation != "reinstate":
        if reason not in REASONS:
            raise InvalidCredential.at(("reason",), f"must be one of {', '.join(REASONS)}")
        payload["reason"] = reason
    with repo.begin() as tx:
        credential = _judged(tx, institution_id, credential_id, operation)
        entry = OperationEntry(
            kind=operation,
            institution_id=institution_id,
            credential_id=credential_id,
            payload=payload,
            created_at=clock(),
        )
        (op_id,) = tx.add_operations([entry])
    return Queued(replace(entry, id=op_id), credential)


def supersede(
    institution_id: int,
    credential_id: str,
    correction: Correction,
    *,
    repo: IssuerRepository,
    store: MetadataStore,
    clock: Clock,
    chain: IssuingChain,
) -> Queued:
    """Queue the replacement of a credential by a corrected one (a new token whose public
    part names the old digest in ``supersedes``)."""
    with repo.begin() as tx:
        old = _judged(tx, institution_id, credential_id, "supersede")
        entry = tx.institution(institution_id)
    if entry is None or old.document is None:  # a burned (erased) one was refused above
        raise NotFound("credential", credential_id)
    previous = parse_document(old.document)
    document = _corrected(previous, correction, entry.name, entry.country, clock(), chain)
    pin_public_parts([document], store=store)
    now = clock()
    successor = CredentialEntry(
        id=uuid4().hex,
        institution_id=institution_id,
        achievement_id=old.achievement_id,
        token_id=token_id_hex(document),
        recipient=document.public.recipient,
        document=document_json(document),
        created_at=now,
        supersedes_id=old.id,
    )
    operation = OperationEntry(
        kind="supersede",
        institution_id=institution_id,
        credential_id=successor.id,
        payload={"old_token_id": old.token_id},
        created_at=now,
    )
    with repo.begin() as tx:
        old = _judged(tx, institution_id, credential_id, "supersede")
        tx.add_credentials([successor])
        (op_id,) = tx.add_operations([operation])
    return Queued(replace(operation, id=op_id), old, successor)


def _corrected(
    previous: CredentialDocument,
    correction: Correction,
    name: str,
    country: str | None,
    issued_at: datetime,
    chain: IssuingChain,
) -> CredentialDocument:
    public = previous.public
    claims = correction.claims
    if claims is None:
        claims = {n: c.value for n, c in previous.claims.items()}
    valid_until = correction.valid_until
    if "valid_until" not in correction.model_fields_set and public.valid_until is not None:
        valid_until = datetime.fromisoformat(public.valid_until.replace("Z", "+00:00"))
    return build_document(
        public.achievement,
        recipient=correction.recipient or public.recipient,
        claims=claims,
        valid_until=valid_until,
        institution=institution_of(public.institution.id, name, country),
        issued_at=issued_at,
        chain=chain,
        supersedes=digest_from_token_id(int(previous.anchor.token_id)),
    )


def _judged(
    tx: IssuerTransaction, institution_id: int, credential_id: str, operation: str
) -> CredentialEntry:
    """The credential, locked, if ``operation`` may be queued for it now."""
    credential = tx.credential(institution_id, credential_id, lock=True)
    if credential is None:
        raise NotFound("credential", credential_id)
    if credential.state == "failed":
        raise InvalidTransition(operation, "failed to be issued")
    for op in tx.operations(credential_id):
        creates_it = op.kind == "mint" or (
            op.kind == "supersede" and op.credential_id == credential_id
        )
        if op.state in PENDING_STATES and not creates_it:
            raise OperationPending(credential_id, op.kind, op.id)
    if credential.status not in _FROM[operation]:
        raise InvalidTransition(operation, credential.status)
    return credential
