"""API keys: issue (shown once), store hashed, authenticate, revoke.

A key reads ``cc_<prefix>_<secret>``: the 12-hex-digit prefix finds its row, the SHA-256 of
the whole key is compared in constant time. The secret is 32 random bytes, so a fast hash is
enough (no password stretching needed for keys nobody chose).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import uuid4

from chaincred.domain import InvalidCredential
from chaincred.ports.issuer import ApiKeyEntry, Clock, IssuerRepository
from chaincred.services.errors import Forbidden, MissingScope, NotFound, Unauthenticated

__all__ = [
    "SCOPES",
    "Caller",
    "IssuedKey",
    "authenticate",
    "create_key",
    "key_hash",
    "list_keys",
    "revoke_key",
]

#: What an institution's key may be allowed to do.
SCOPES = ("issue", "revoke", "read")

_KEY = re.compile(r"^cc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the administrator, or one institution through one of its keys."""

    institution_id: int | None
    scopes: frozenset[str] = frozenset()
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.institution_id is None

    def acting_for(self, *scopes: str) -> int:
        """The caller's institution, if the key has every scope in ``scopes``."""
        if self.institution_id is None:
            raise Forbidden("the administrator key cannot act for an institution; use its key")
        for scope in scopes:
            if scope not in self.scopes:
                raise MissingScope(scope)
        return self.institution_id

    def require_admin(self) -> None:
        if self.institution_id is not None:
            raise Forbidden("this call needs the administrator key")


@dataclass(frozen=True)
class IssuedKey:
    entry: ApiKeyEntry
    key: str
    """The key itself: shown once, never stored."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def authenticate(token: str | None, *, repo: IssuerRepository, admin_key: str | None) -> Caller:
    """The caller a bearer ``token`` stands for; :class:`Unauthenticated` otherwise."""
    if not token:
        raise Unauthenticated()
    if admin_key and hmac.compare_digest(token.encode(), admin_key.encode()):
        return Caller(institution_id=None)
    match = _KEY.match(token)
    if match is None:
        raise Unauthenticated("this API key is not valid")
    with repo.begin() as tx:
        entry = tx.api_key(match.group(1))
    valid = (
        entry is not None
        and entry.revoked_at is None
        and hmac.compare_digest(entry.key_hash, key_hash(token))
    )
    if not valid or entry is None:
        raise Unauthenticated("this API key is not valid")
    return Caller(entry.institution_id, frozenset(entry.scopes), entry.id)


def create_key(
    institution_id: int, scopes: Sequence[str], *, repo: IssuerRepository, clock: Clock
) -> IssuedKey:
    """A new key of the institution with ``scopes`` (each of :data:`SCOPES`)."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InvalidCredential.at(
            ("scopes",), f"give one or more of {', '.join(SCOPES)} (got {list(scopes)!r})"
        )
    prefix = secrets.token_hex(6)
    key = f"cc_{prefix}_{secrets.token_urlsafe(32)}"
    entry = ApiKeyEntry(
        id=uuid4().hex,
        institution_id=institution_id,
        prefix=prefix,
        key_hash=key_hash(key),
        scopes=tuple(s for s in SCOPES if s in scopes),
        created_at=clock(),
    )
    with repo.begin() as tx:
        if tx.institution(institution_id) is None:
            raise NotFound("institution", institution_id)
        tx.add_api_key(entry)
    return IssuedKey(entry=entry, key=key)


def list_keys(institution_id: int, *, repo: IssuerRepository) -> list[ApiKeyEntry]:
    with repo.begin() as tx:
        if tx.institution(institution_id) is None:
            raise NotFound("institution", institution_id)
        return tx.api_keys(institution_id)


def revoke_key(institution_id: int, key_id: str, *, repo: IssuerRepository, clock: Clock) -> None:
    """Revoke a key for good (revoking it again changes nothing)."""
    with repo.begin() as tx:
        if not tx.revoke_api_key(institution_id, key_id, clock()):
            raise NotFound("API key", key_id)
