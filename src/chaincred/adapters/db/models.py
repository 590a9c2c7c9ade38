"""The issuer service's tables (SQLModel). Alembic migrations in ``migrations/`` create them.

Three groups:
- tenants: institutions, their hashed API keys, their achievements (templates);
- credentials and the outbox: every accepted request is an ``operations`` row committed
  before the API answers; ``jobs`` group the items of a batch request; ``idempotency`` keeps
  the first answer to each ``Idempotency-Key``;
- the signer's ledger: ``signers`` (one local nonce counter per signing address) and
  ``transactions`` (every signed transaction, its raw bytes kept so that it can be
  re-broadcast unchanged after a crash or a drop).

Personal data (the full document with claim salts) lives only in ``credentials.document``
and is erased when the learner burns the token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "AchievementRow",
    "ApiKeyRow",
    "ChainCursorRow",
    "CredentialRow",
    "IdempotencyRow",
    "InstitutionRow",
    "JobRow",
    "OperationRow",
    "SignerRow",
    "TransactionRow",
    "new_id",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid4().hex


class InstitutionRow(SQLModel, table=True):
    """An institution; ``id`` is its id in the on-chain registry."""

    __tablename__ = "institutions"
    id: int = Field(primary_key=True)
    name: str
    country: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ApiKeyRow(SQLModel, table=True):
    """An API key, stored as the SHA-256 of its secret (keys are 32 random bytes, so a fast
    hash is enough); ``prefix`` finds the row without revealing the key."""

    __tablename__ = "api_keys"
    id: str = Field(default_factory=new_id, primary_key=True)
    institution_id: int = Field(foreign_key="institutions.id", index=True)
    prefix: str = Field(index=True, unique=True)
    key_hash: str
    scopes: str = Field(description="comma-separated: issue, revoke, read")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class AchievementRow(SQLModel, table=True):
    """An achievement template; editable until first used, archivable, never deleted."""

    __tablename__ = "achievements"
    id: str = Field(default_factory=new_id, primary_key=True)
    institution_id: int = Field(foreign_key="institutions.id", index=True)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    archived: bool = False
    used: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class JobRow(SQLModel, table=True):
    """A batch request; its items are the credentials (and operations) with this job id."""

    __tablename__ = "jobs"
    id: str = Field(default_factory=new_id, primary_key=True)
    institution_id: int = Field(foreign_key="institutions.id", index=True)
    kind: str
    total: int
    created_at: datetime = Field(default_factory=utcnow)


class CredentialRow(SQLModel, table=True):
    """One credential. ``state`` is the issuance pipeline's (queued → submitted → confirmed,
    or failed with ``failure``); ``status`` mirrors the on-chain lifecycle once confirmed."""

    __tablename__ = "credentials"
    id: str = Field(default_factory=new_id, primary_key=True)
    institution_id: int = Field(foreign_key="institutions.id", index=True)
    achievement_id: str | None = Field(default=None, foreign_key="achievements.id")
    job_id: str | None = Field(default=None, foreign_key="jobs.id", index=True)
    job_index: int | None = None
    token_id: str = Field(unique=True, description="0x + 64 hex digits: the document digest")
    recipient: str
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    state: str = Field(default="queued", index=True)
    failure: str | None = None
    status: str = Field(default="active")
    status_reason: str | None = None
    supersedes_id: str | None = Field(default=None, foreign_key="credentials.id")
    claim_secret_hash: str | None = None
    claimed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OperationRow(SQLModel, table=True):
    """The outbox: one accepted chain operation (mint, revoke, suspend, reinstate,
    supersede), committed before the API answers, drained by the signer worker."""

    __tablename__ = "operations"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    institution_id: int = Field(foreign_key="institutions.id", index=True)
    credential_id: str = Field(foreign_key="credentials.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="queued", index=True)
    tx_id: str | None = Field(default=None, foreign_key="transactions.id", index=True)
    error: str | None = None
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SignerRow(SQLModel, table=True):
    """A signing address and its local nonce counter (the next nonce to use)."""

    __tablename__ = "signers"
    address: str = Field(primary_key=True)
    next_nonce: int
    parked_reason: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class TransactionRow(SQLModel, table=True):
    """A signed transaction. ``raw`` (the signed bytes of the latest attempt) is stored
    before sending, so that a crash or a dropped transaction is re-broadcast unchanged;
    a fee bump re-signs the same nonce and keeps earlier hashes in ``previous_hashes``."""

    __tablename__ = "transactions"
    __table_args__ = (UniqueConstraint("signer", "nonce"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    signer: str = Field(index=True)
    nonce: int
    function: str
    raw: str
    tx_hash: str = Field(index=True)
    previous_hashes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Wei per gas passes 2^31 at ~2.1 gwei: 64-bit columns (PostgreSQL's INTEGER is 32-bit).
    max_fee_per_gas: int = Field(sa_type=BigInteger)
    max_priority_fee_per_gas: int = Field(sa_type=BigInteger)
    gas_limit: int
    state: str = Field(default="signed", index=True)
    block_number: int | None = None
    block_hash: str | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = None
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChainCursorRow(SQLModel, table=True):
    """How far the indexer has replayed the registry's events (``name``: which follower),
    with the block's hash to notice a reorg below it."""

    __tablename__ = "chain_cursors"
    name: str = Field(primary_key=True)
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str
    updated_at: datetime = Field(default_factory=utcnow)


class IdempotencyRow(SQLModel, table=True):
    """The first answer to an ``Idempotency-Key`` of an institution, with the hash of the
    request it answered: the same key with the same body gets the same answer; with another
    body, 409."""

    __tablename__ = "idempotency"
    institution_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True)
    request_hash: str
    status_code: int
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class PossessionNonceRow(SQLModel, table=True):
    """A possession challenge's nonce: single use, fresh until ``expires_at`` (Unix seconds,
    the wall clock every API process shares). In the database, so that a challenge one API
    process issued can be answered at another (replicas, or ``chaincred serve --workers``)."""

    __tablename__ = "possession_nonces"
    nonce: str = Field(primary_key=True)
    expires_at: float = Field(index=True)
    used: bool = False
