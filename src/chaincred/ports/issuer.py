"""The issuer service's storage port: tenants, achievements, credentials and the outbox.

Every read and write happens inside one unit of work (:meth:`IssuerRepository.begin`), so a
service can check a rule and write its consequence atomically (an accepted issuance request
is its credential rows, its outbox operations and its idempotency answer, committed together
before the API answers: DESIGN.md invariant 5). The transaction pipeline (signer worker,
indexer) writes the ``state``/``status`` fields and the transaction facts read here.

Times are aware UTC datetimes; token ids are ``0x`` + 64 lower-case hex digits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chaincred.errors import ChainCredError

__all__ = [
    "PENDING_STATES",
    "AchievementEntry",
    "ApiKeyEntry",
    "BalanceReader",
    "Clock",
    "CredentialEntry",
    "InstitutionEntry",
    "IssuerRepository",
    "IssuerTransaction",
    "JobEntry",
    "JobItem",
    "JobTransaction",
    "OperationEntry",
    "StorageConflict",
    "StorageUnavailable",
    "StoredAnswer",
    "TransactionFacts",
]

Clock = Callable[[], datetime]
"""The current time as an aware UTC datetime (services never read the clock themselves)."""

#: Operation states in which the pipeline has not finished with an operation.
PENDING_STATES = ("queued", "submitted")


class StorageConflict(ChainCredError):
    """A concurrent unit of work took the same unique key first (an institution id, an
    idempotency key). The unit is rolled back; retrying the request sees the winner's rows."""


class StorageUnavailable(ChainCredError, ConnectionError):
    """The database cannot be reached or used."""


@dataclass(frozen=True, slots=True)
class InstitutionEntry:
    id: int
    name: str
    country: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyEntry:
    """An API key: only the SHA-256 of the key is kept; ``prefix`` finds it."""

    id: str
    institution_id: int
    prefix: str
    key_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AchievementEntry:
    """An achievement template as the institution defined it (validated by the domain)."""

    id: str
    institution_id: int
    data: Mapping[str, Any]
    created_at: datetime
    archived: bool = False
    used: bool = False


@dataclass(frozen=True, slots=True)
class JobEntry:
    """A batch request; its items are the credentials with this ``job_id``."""

    id: str
    institution_id: int
    kind: str
    total: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CredentialEntry:
    """One credential. ``state`` is the pipeline's (queued, submitted, confirmed, failed with
    ``failure``); ``status`` the on-chain lifecycle once confirmed (active, suspended,
    revoked, superseded, burned) with ``status_reason`` a lower-case ``Reason`` name.
    ``document`` (personal: the claims with their salts) is None once erased."""

    id: str
    institution_id: int
    achievement_id: str | None
    token_id: str
    recipient: str
    document: Mapping[str, Any] | None
    created_at: datetime
    job_id: str | None = None
    job_index: int | None = None
    supersedes_id: str | None = None
    state: str = "queued"
    failure: str | None = None
    status: str = "active"
    status_reason: str | None = None
    claim_secret_hash: str | None = None
    claimed_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TransactionFacts:
    """What the pipeline recorded about the transaction that carried an operation.

    ``operations`` is how many operations that transaction carried (a batch carries many),
    so that each one's share of the gas is ``gas_used // operations``."""

    tx_hash: str
    state: str
    operations: int
    block_number: int | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None


@dataclass(frozen=True, slots=True)
class OperationEntry:
    """An outbox row: a chain operation accepted for the pipeline. ``id`` is None until
    stored; ``transaction`` is filled in once the pipeline has sent it."""

    kind: str
    institution_id: int
    credential_id: str
    payload: Mapping[str, Any]
    created_at: datetime
    id: int | None = None
    state: str = "queued"
    error: str | None = None
    transaction: TransactionFacts | None = None


@dataclass(frozen=True, slots=True)
class JobItem:
    """One item of a batch job, as its progress report shows it."""

    index: int
    credential_id: str
    token_id: str
    recipient: str
    state: str
    failure: str | None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer to an ``Idempotency-Key`` of an institution and the fingerprint of
    the request it answered."""

    institution_id: int
    key: str
    request_hash: str
    status_code: int
    response: Mapping[str, Any]
    created_at: datetime = field(compare=False)


class IssuerTransaction(Protocol):
    """One unit of work. Reads see the unit's own writes. Writes that take a unique key
    somebody else took raise :class:`StorageConflict`; the unit must then end (it is rolled
    back). Every lookup of an institution's data is scoped by ``institution_id``: another
    institution's ids read as absent."""

    # ---- institutions and API keys

    def institution(self, institution_id: int) -> InstitutionEntry | None:
        """The institution, or None."""
        ...

    def add_institution(self, entry: InstitutionEntry) -> None:
        """Store a new institution (StorageConflict if the id is taken)."""
        ...

    def api_key(self, prefix: str) -> ApiKeyEntry | None:
        """The key with this lookup prefix (revoked or not), or None."""
        ...

    def api_keys(self, institution_id: int) -> list[ApiKeyEntry]:
        """The institution's keys, oldest first."""
        ...

    def add_api_key(self, entry: ApiKeyEntry) -> None:
        """Store a new key (StorageConflict if the prefix is taken)."""
        ...

    def revoke_api_key(self, institution_id: int, key_id: str, at: datetime) -> bool:
        """Mark the key revoked at ``at`` (an already revoked key keeps its first time);
        False if the institution has no such key."""
        ...

    # ---- achievements

    def achievement(
        self, institution_id: int, achievement_id: str, *, lock: bool = False
    ) -> AchievementEntry | None:
        """The institution's achievement, or None; ``lock`` holds its row until the unit ends
        (an edit and an issuance from it are then judged one after the other)."""
        ...

    def achievements(self, institution_id: int, *, archived: bool) -> list[AchievementEntry]:
        """The institution's achievements, oldest first; archived ones only if ``archived``."""
        ...

    def add_achievement(self, entry: AchievementEntry) -> None:
        """Store a new achievement."""
        ...

    def update_achievement(self, entry: AchievementEntry) -> None:
        """Overwrite ``data``, ``archived`` and ``used`` of a stored achievement."""
        ...

    # ---- credentials, jobs and the outbox

    def credential(
        self, institution_id: int, credential_id: str, *, lock: bool = False
    ) -> CredentialEntry | None:
        """The institution's credential, or None; ``lock`` holds its row until the unit ends
        (so that two concurrent lifecycle requests are judged one after the other)."""
        ...

    def credential_by_id(self, credential_id: str, *, lock: bool = False) -> CredentialEntry | None:
        """A credential of any institution (for the learner's claim link), or None."""
        ...

    def credentials(
        self, institution_id: int, *, offset: int, limit: int, state: str | None = None
    ) -> list[CredentialEntry]:
        """The institution's credentials, newest first (ties by id), optionally only those in
        pipeline ``state``; from ``offset``, at most ``limit``."""
        ...

    def credentials_held_by(self, recipient: str, *, limit: int) -> list[CredentialEntry]:
        """Credentials of any institution issued to ``recipient`` (a checksummed address),
        newest first, at most ``limit``: what a learner's page lists."""
        ...

    def add_job(self, entry: JobEntry) -> None:
        """Store a new batch job."""
        ...

    def job(self, institution_id: int, job_id: str) -> JobEntry | None:
        """The institution's job, or None."""
        ...

    def jobs(self, institution_id: int, *, offset: int, limit: int) -> list[JobEntry]:
        """The institution's batch jobs, newest first (ties by id), from ``offset``, at most
        ``limit``."""
        ...

    def job_items(self, job_id: str, *, offset: int, limit: int) -> list[JobItem]:
        """The job's items in index order, from ``offset``, at most ``limit``."""
        ...

    def job_counts(self, job_id: str) -> dict[str, int]:
        """How many of the job's items are in each state (states with none are left out)."""
        ...

    def add_credentials(self, entries: Sequence[CredentialEntry]) -> None:
        """Store new credentials (StorageConflict if a token id exists already)."""
        ...

    def add_operations(self, entries: Sequence[OperationEntry]) -> list[int]:
        """Queue operations in the outbox; their new ids, in order."""
        ...

    def operations(self, credential_id: str) -> list[OperationEntry]:
        """The operations on a credential, oldest first, each with its transaction facts;
        a ``supersede`` operation counts for the credential it replaces too."""
        ...

    def set_claim_secret(self, credential_id: str, secret_hash: str) -> None:
        """Replace the credential's claim-link secret hash; the new link is unused."""
        ...

    def mark_claimed(self, credential_id: str, at: datetime) -> None:
        """Record that the claim link was used at ``at``."""
        ...

    # ---- idempotency

    def answer(self, institution_id: int, key: str) -> StoredAnswer | None:
        """The stored answer to the institution's ``key``, or None."""
        ...

    def add_answer(self, entry: StoredAnswer) -> None:
        """Store the answer to a key (StorageConflict if a concurrent request stored one)."""
        ...

    # ---- costs

    def job_transactions(self, job_id: str) -> list[JobTransaction]:
        """The transactions that carried the job's ``mint`` operations (reverted ones too:
        they cost gas), in the order of the first job operation each carried."""
        ...


class IssuerRepository(Protocol):
    """The issuer's database."""

    def begin(self) -> AbstractContextManager[IssuerTransaction]:
        """A unit of work: committed when the ``with`` block ends normally, rolled back when
        it raises. A conflict found at commit raises :class:`StorageConflict`."""
        ...

    def ping(self) -> str:
        """A short description of the database; raises :class:`StorageUnavailable`."""
        ...


class BalanceReader(Protocol):
    """Account balances on the chain the registry lives on."""

    def balance(self, address: str) -> int:
        """The balance of ``address`` in wei; ``ChainUnavailable`` when it cannot be read."""
        ...


@dataclass(frozen=True, slots=True)
class JobTransaction:
    """A transaction that carried operations of a batch job: its facts (``operations`` counts
    everything it carried, other jobs' too) and ``job_operations``, how many were the job's."""

    facts: TransactionFacts
    job_operations: int
