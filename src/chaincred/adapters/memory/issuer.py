"""An in-memory issuer repository, for fast service tests. Kept truthful by the same
conformance suite as the database adapter (tests/adapters/db/test_repository_conformance.py).

One lock serializes units of work; a unit that raises is undone from a snapshot. JSON values
are copied in and out, as a database would. :meth:`MemoryIssuerRepository.settle` plays the
transaction pipeline's part in tests.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chaincred.ports.issuer import (
    AchievementEntry,
    ApiKeyEntry,
    CredentialEntry,
    InstitutionEntry,
    IssuerTransaction,
    JobEntry,
    JobItem,
    JobTransaction,
    OperationEntry,
    StorageConflict,
    StoredAnswer,
    TransactionFacts,
)

__all__ = ["MemoryIssuerRepository"]


@dataclass
class _Tables:
    institutions: dict[int, InstitutionEntry] = field(default_factory=dict)
    keys: dict[str, ApiKeyEntry] = field(default_factory=dict)
    achievements: dict[str, AchievementEntry] = field(default_factory=dict)
    jobs: dict[str, JobEntry] = field(default_factory=dict)
    credentials: dict[str, CredentialEntry] = field(default_factory=dict)
    operations: dict[int, OperationEntry] = field(default_factory=dict)
    answers: dict[tuple[int, str], StoredAnswer] = field(default_factory=dict)
    next_operation: int = 1

    def snapshot(self) -> _Tables:
        return _Tables(
            **{name: copy.copy(getattr(self, name)) for name in self.__dataclass_fields__}
        )


class MemoryIssuerRepository:
    """:class:`~chaincred.ports.issuer.IssuerRepository` in a dict per table."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.RLock()

    @contextmanager
    def begin(self) -> Iterator[IssuerTransaction]:
        with self._lock:
            saved = self._tables.snapshot()
            try:
                yield _MemoryTransaction(self._tables)
            except BaseException:
                self._tables = saved
                raise

    def ping(self) -> str:
        return "memory ok"

    def settle(
        self,
        operation_ids: Sequence[int],
        *,
        state: str,
        transaction: TransactionFacts | None = None,
        error: str | None = None,
        credential: Mapping[str, Any] | None = None,
    ) -> None:
        """Do what the pipeline does: move operations to ``state`` with their transaction,
        and update their credentials' fields (``state``, ``status``, ``status_reason``, …)."""
        with self._lock:
            tables = self._tables
            for op_id in operation_ids:
                op = replace(
                    tables.operations[op_id], state=state, error=error, transaction=transaction
                )
                tables.operations[op_id] = op
                if credential:
                    target = tables.credentials[op.credential_id]
                    tables.credentials[target.id] = replace(target, **credential)

    def counts(self) -> dict[str, int]:
        """How many rows each table holds (for tests asserting that nothing was stored)."""
        with self._lock:
            tables = self._tables
            return {
                name: len(getattr(tables, name))
                for name in tables.__dataclass_fields__
                if name != "next_operation"
            }

    def update_credential(self, credential_id: str, **changes: Any) -> None:
        """Change a credential as the pipeline or the indexer would (status, document, …)."""
        with self._lock:
            current = self._tables.credentials[credential_id]
            self._tables.credentials[credential_id] = replace(current, **changes)


def _json(value: Any) -> Any:
    return copy.deepcopy(value)


class _MemoryTransaction:
    def __init__(self, tables: _Tables) -> None:
        self.t = tables

    # ---- institutions and API keys

    def institution(self, institution_id: int) -> InstitutionEntry | None:
        return self.t.institutions.get(institution_id)

    def add_institution(self, entry: InstitutionEntry) -> None:
        if entry.id in self.t.institutions:
            raise StorageConflict(f"institution {entry.id} exists")
        self.t.institutions[entry.id] = entry

    def api_key(self, prefix: str) -> ApiKeyEntry | None:
        return next((k for k in self.t.keys.values() if k.prefix == prefix), None)

    def api_keys(self, institution_id: int) -> list[ApiKeyEntry]:
        keys = [k for k in self.t.keys.values() if k.institution_id == institution_id]
        return sorted(keys, key=lambda k: (k.created_at, k.id))

    def add_api_key(self, entry: ApiKeyEntry) -> None:
        if entry.id in self.t.keys or self.api_key(entry.prefix) is not None:
            raise StorageConflict(f"API key prefix {entry.prefix} exists")
        self._require_institution(entry.institution_id)
        self.t.keys[entry.id] = entry

    def revoke_api_key(self, institution_id: int, key_id: str, at: datetime) -> bool:
        entry = self.t.keys.get(key_id)
        if entry is None or entry.institution_id != institution_id:
            return False
        if entry.revoked_at is None:
            self.t.keys[key_id] = replace(entry, revoked_at=at)
        return True

    # ---- achievements

    def achievement(
        self, institution_id: int, achievement_id: str, *, lock: bool = False
    ) -> AchievementEntry | None:
        entry = self.t.achievements.get(achievement_id)
        if entry is None or entry.institution_id != institution_id:
            return None
        return replace(entry, data=_json(entry.data))

    def achievements(self, institution_id: int, *, archived: bool) -> list[AchievementEntry]:
        found = [
            replace(a, data=_json(a.data))
            for a in self.t.achievements.values()
            if a.institution_id == institution_id and (archived or not a.archived)
        ]
        return sorted(found, key=lambda a: (a.created_at, a.id))

    def add_achievement(self, entry: AchievementEntry) -> None:
        self._require_institution(entry.institution_id)
        self.t.achievements[entry.id] = replace(entry, data=_json(entry.data))

    def update_achievement(self, entry: AchievementEntry) -> None:
        current = self.t.achievements[entry.id]
        self.t.achievements[entry.id] = replace(
            current, data=_json(entry.data), archived=entry.archived, used=entry.used
        )

    # ---- credentials, jobs and the outbox

    def credential(
        self, institution_id: int, credential_id: str, *, lock: bool = False
    ) -> CredentialEntry | None:
        entry = self.credential_by_id(credential_id)
        return entry if entry is not None and entry.institution_id == institution_id else None

    def credential_by_id(self, credential_id: str, *, lock: bool = False) -> CredentialEntry | None:
        entry = self.t.credentials.get(credential_id)
        return None if entry is None else replace(entry, document=_json(entry.document))

    def credentials(
        self, institution_id: int, *, offset: int, limit: int, state: str | None = None
    ) -> list[CredentialEntry]:
        chosen = [
            c
            for c in self.t.credentials.values()
            if c.institution_id == institution_id and state in (None, c.state)
        ]
        return _newest_first(chosen)[offset : offset + limit]

    def credentials_held_by(self, recipient: str, *, limit: int) -> list[CredentialEntry]:
        held = [c for c in self.t.credentials.values() if c.recipient == recipient]
        return _newest_first(held)[:limit]

    def add_job(self, entry: JobEntry) -> None:
        self._require_institution(entry.institution_id)
        self.t.jobs[entry.id] = entry

    def job(self, institution_id: int, job_id: str) -> JobEntry | None:
        entry = self.t.jobs.get(job_id)
        return entry if entry is not None and entry.institution_id == institution_id else None

    def jobs(self, institution_id: int, *, offset: int, limit: int) -> list[JobEntry]:
        mine = sorted(
            (j for j in self.t.jobs.values() if j.institution_id == institution_id),
            key=lambda j: j.id,
        )
        mine.sort(key=lambda j: j.created_at, reverse=True)
        return mine[offset : offset + limit]

    def job_items(self, job_id: str, *, offset: int, limit: int) -> list[JobItem]:
        members = sorted(
            (c for c in self.t.credentials.values() if c.job_id == job_id),
            key=lambda c: c.job_index or 0,
        )
        return [
            JobItem(c.job_index or 0, c.id, c.token_id, c.recipient, c.state, c.failure)
            for c in members[offset : offset + limit]
        ]

    def job_counts(self, job_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.t.credentials.values():
            if c.job_id == job_id:
                counts[c.state] = counts.get(c.state, 0) + 1
        return counts

    def add_credentials(self, entries: Sequence[CredentialEntry]) -> None:
        taken = {c.token_id for c in self.t.credentials.values()}
        for entry in entries:
            if entry.id in self.t.credentials or entry.token_id in taken:
                raise StorageConflict(f"credential {entry.token_id} exists")
            self._require_institution(entry.institution_id)
            taken.add(entry.token_id)
            self.t.credentials[entry.id] = replace(
                entry, document=_json(entry.document), updated_at=entry.created_at
            )

    def add_operations(self, entries: Sequence[OperationEntry]) -> list[int]:
        ids = []
        for entry in entries:
            if entry.credential_id not in self.t.credentials:
                raise StorageConflict(f"no credential {entry.credential_id}")
            op_id = self.t.next_operation
            self.t.next_operation += 1
            self.t.operations[op_id] = replace(entry, id=op_id, payload=_json(entry.payload))
            ids.append(op_id)
        return ids

    def operations(self, credential_id: str) -> list[OperationEntry]:
        successors = {c.id for c in self.t.credentials.values() if c.supersedes_id == credential_id}
        found = [
            replace(op, payload=_json(op.payload))
            for op in self.t.operations.values()
            if op.credential_id == credential_id
            or (op.kind == "supersede" and op.credential_id in successors)
        ]
        return sorted(found, key=lambda op: op.id or 0)

    def set_claim_secret(self, credential_id: str, secret_hash: str) -> None:
        current = self.t.credentials[credential_id]
        self.t.credentials[credential_id] = replace(
            current, claim_secret_hash=secret_hash, claimed_at=None
        )

    def mark_claimed(self, credential_id: str, at: datetime) -> None:
        current = self.t.credentials[credential_id]
        self.t.credentials[credential_id] = replace(current, claimed_at=at)

    # ---- idempotency

    def answer(self, institution_id: int, key: str) -> StoredAnswer | None:
        entry = self.t.answers.get((institution_id, key))
        return None if entry is None else replace(entry, response=_json(entry.response))

    def add_answer(self, entry: StoredAnswer) -> None:
        if (entry.institution_id, entry.key) in self.t.answers:
            raise StorageConflict(f"Idempotency-Key {entry.key} has an answer")
        self.t.answers[(entry.institution_id, entry.key)] = replace(
            entry, response=_json(entry.response)
        )

    def job_transactions(self, job_id: str) -> list[JobTransaction]:
        members = {c.id for c in self.t.credentials.values() if c.job_id == job_id}
        carried: dict[str, JobTransaction] = {}
        for op_id in sorted(self.t.operations):
            op, facts = self.t.operations[op_id], self.t.operations[op_id].transaction
            if op.kind == "mint" and op.credential_id in members and facts is not None:
                seen = carried.get(facts.tx_hash, JobTransaction(facts, 0))
                carried[facts.tx_hash] = replace(seen, job_operations=seen.job_operations + 1)
        return list(carried.values())

    def _require_institution(self, institution_id: int) -> None:
        # The database's foreign keys refuse rows of unknown institutions; so does the fake.
        if institution_id not in self.t.institutions:
            raise StorageConflict(f"no institution {institution_id}")


def _newest_first(entries: list[CredentialEntry]) -> list[CredentialEntry]:
    """Newest first, ties by id (as the SQL adapter orders); documents copied."""
    entries.sort(key=lambda c: c.id)
    entries.sort(key=lambda c: c.created_at, reverse=True)
    return [replace(c, document=_json(c.document)) for c in entries]
