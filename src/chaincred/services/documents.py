"""The learner's full document (with its claim salts): downloaded by the institution, or by
the learner once through a claim link.

A claim link's secret reads ``<credential id>.<random>``: the id finds the row, only the
SHA-256 of the secret is stored and compared in constant time. Creating a new link replaces
the previous one; a used link answers :class:`ClaimLinkUsed` (410).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from chaincred.ports.issuer import Clock, IssuerRepository
from chaincred.services.errors import ClaimLinkUsed, DocumentErased, NotFound

__all__ = ["claim", "create_claim_secret", "full_document"]


def full_document(
    institution_id: int, credential_id: str, *, repo: IssuerRepository
) -> Mapping[str, Any]:
    with repo.begin() as tx:
        credential = tx.credential(institution_id, credential_id)
    if credential is None:
        raise NotFound("credential", credential_id)
    if credential.document is None:
        raise DocumentErased(credential_id)
    return credential.document


def create_claim_secret(institution_id: int, credential_id: str, *, repo: IssuerRepository) -> str:
    """A new one-time secret for the learner's download (shown once, stored hashed)."""
    secret = f"{credential_id}.{secrets.token_urlsafe(32)}"
    with repo.begin() as tx:
        credential = tx.credential(institution_id, credential_id, lock=True)
        if credential is None:
            raise NotFound("credential", credential_id)
        if credential.document is None:
            raise DocumentErased(credential_id)
        tx.set_claim_secret(credential_id, _hash(secret))
    return secret


def claim(secret: str, *, repo: IssuerRepository, clock: Clock) -> Mapping[str, Any]:
    """The document behind a claim link, once."""
    credential_id = secret.split(".", 1)[0]
    with repo.begin() as tx:
        credential = tx.credential_by_id(credential_id, lock=True)
        stored = credential.claim_secret_hash if credential is not None else None
        if credential is None or stored is None or not hmac.compare_digest(stored, _hash(secret)):
            raise NotFound("claim link", "with this secret")
        if credential.claimed_at is not None:
            raise ClaimLinkUsed()
        if credential.document is None:
            raise DocumentErased(credential_id)
        tx.mark_claimed(credential_id, clock())
        return credential.document


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
