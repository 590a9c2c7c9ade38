"""The issuer repository on SQLModel (SQLite or PostgreSQL).

Bulk inserts use executemany; ``lock=True`` is ``SELECT … FOR UPDATE`` (PostgreSQL; SQLite
serializes writers anyway). SQLModel's datetime columns take and give aware UTC times.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from chaincred.adapters.db._issuer_rows import (
    achievement_entry,
    api_key_entry,
    credential_entry,
    credential_values,
    institution_entry,
    operation_entry,
    operation_values,
)
from chaincred.adapters.db.engine import session_scope
from chaincred.adapters.db.models import (
    AchievementRow,
    ApiKeyRow,
    CredentialRow,
    IdempotencyRow,
    InstitutionRow,
    JobRow,
    OperationRow,
    TransactionRow,
)
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
    StorageUnavailable,
    StoredAnswer,
    TransactionFacts,
)

__all__ = ["SqlIssuerRepository"]


class SqlIssuerRepository:
    """:class:`~chaincred.ports.issuer.IssuerRepository` on a migrated database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def begin(self) -> Iterator[IssuerTransaction]:
        try:
            with session_scope(self.engine) as session:
                yield _SqlTransaction(session)
        except IntegrityError as exc:
            raise StorageConflict(f"a concurrent request took the same key: {exc.orig}") from exc
        except OperationalError as exc:
            raise StorageUnavailable(f"the database is unavailable: {exc.orig}") from exc

    def ping(self) -> str:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise StorageUnavailable(f"the database is unavailable: {exc.orig}") from exc
        return f"{self.engine.dialect.name} ok"


def _storable(text: str) -> bool:
    """Whether a text can be a stored value: PostgreSQL refuses NUL in text parameters (an
    error, not "no row"), and no id of ours contains one."""
    return "\x00" not in text


class _SqlTransaction:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _add(self, row: Any) -> None:
        self.s.add(row)
        self.s.flush()

    # ---- institutions and API keys

    def institution(self, institution_id: int) -> InstitutionEntry | None:
        row = self.s.get(InstitutionRow, institution_id)
        return None if row is None else institution_entry(row)

    def add_institution(self, entry: InstitutionEntry) -> None:
        self._add(
            InstitutionRow(
                id=entry.id,
                name=entry.name,
                country=entry.country,
                created_at=entry.created_at,
            )
        )

    def api_key(self, prefix: str) -> ApiKeyEntry | None:
        if not _storable(prefix):
            return None
        row = self.s.scalars(select(ApiKeyRow).where(col(ApiKeyRow.prefix) == prefix)).first()
        return None if row is None else api_key_entry(row)

    def api_keys(self, institution_id: int) -> list[ApiKeyEntry]:
        rows = self.s.scalars(
            select(ApiKeyRow)
            .where(col(ApiKeyRow.institution_id) == institution_id)
            .order_by(col(ApiKeyRow.created_at), col(ApiKeyRow.id))
        )
        return [api_key_entry(r) for r in rows]

    def add_api_key(self, entry: ApiKeyEntry) -> None:
        self._add(
            ApiKeyRow(
                id=entry.id,
                institution_id=entry.institution_id,
                prefix=entry.prefix,
                key_hash=entry.key_hash,
                scopes=",".join(entry.scopes),
                created_at=entry.created_at,
                revoked_at=entry.revoked_at,
            )
        )

    def revoke_api_key(self, institution_id: int, key_id: str, at: datetime) -> bool:
        if not _storable(key_id):
            return False
        row = self.s.get(ApiKeyRow, key_id)
        if row is None or row.institution_id != institution_id:
            return False
        if row.revoked_at is None:
            row.revoked_at = at
            self.s.flush()
        return True

    # ---- achievements

    def achievement(
        self, institution_id: int, achievement_id: str, *, lock: bool = False
    ) -> AchievementEntry | None:
        if not _storable(achievement_id):
            return None
        query = select(AchievementRow).where(
            col(AchievementRow.id) == achievement_id,
            col(AchievementRow.institution_id) == institution_id,
        )
        # FOR NO KEY UPDATE: inserting a credential takes a key-share lock on its achievement
        # (the foreign key), which a plain FOR UPDATE would wait on: a deadlock between two
        # concurrent requests on PostgreSQL.
        locked = query.with_for_update(key_share=True) if lock else query
        row = self.s.scalars(locked).first()
        return None if row is None else achievement_entry(row)

    def achievements(self, institution_id: int, *, archived: bool) -> list[AchievementEntry]:
        query = select(AchievementRow).where(col(AchievementRow.institution_id) == institution_id)
        if not archived:
            query = query.where(col(AchievementRow.archived).is_(False))
        rows = self.s.scalars(
            query.order_by(col(AchievementRow.created_at), col(AchievementRow.id))
        )
        return [achievement_entry(r) for r in rows]

    def add_achievement(self, entry: AchievementEntry) -> None:
        self._add(
            AchievementRow(
                id=entry.id,
                institution_id=entry.institution_id,
                data=dict(entry.data),
                archived=entry.archived,
                used=entry.used,
                created_at=entry.created_at,
            )
        )

    def update_achievement(self, entry: AchievementEntry) -> None:
        self.s.execute(
            update(AchievementRow)
            .where(col(AchievementRow.id) == entry.id)
            .values(data=dict(entry.data), archived=entry.archived, used=entry.used)
        )

    # ---- credentials, jobs and the outbox

    def credential(
        self, institution_id: int, credential_id: str, *, lock: bool = False
    ) -> CredentialEntry | None:
        if not _storable(credential_id):
            return None
        query = select(CredentialRow).where(
            col(CredentialRow.id) == credential_id,
            col(CredentialRow.institution_id) == institution_id,
        )
        # FOR NO KEY UPDATE: inserting a credential takes a key-share lock on its achievement
        # (the foreign key), which a plain FOR UPDATE would wait on: a deadlock between two
        # concurrent requests on PostgreSQL.
        locked = query.with_for_update(key_share=True) if lock else query
        row = self.s.scalars(locked).first()
        return None if row is None else credential_entry(row)

    def credential_by_id(self, credential_id: str, *, lock: bool = False) -> CredentialEntry | None:
        if not _storable(credential_id):
            return None
        query = select(CredentialRow).where(col(CredentialRow.id) == credential_id)
        # FOR NO KEY UPDATE: inserting a credential takes a key-share lock on its achievement
        # (the foreign key), which a plain FOR UPDATE would wait on: a deadlock between two
        # concurrent requests on PostgreSQL.
        locked = query.with_for_update(key_share=True) if lock else query
        row = self.s.scalars(locked).first()
        return None if row is None else credential_entry(row)

    def add_job(self, entry: JobEntry) -> None:
        self._add(
            JobRow(
                id=entry.id,
                institution_id=entry.institution_id,
                kind=entry.kind,
                total=entry.total,
                created_at=entry.created_at,
            )
        )

    def job(self, institution_id: int, job_id: str) -> JobEntry | None:
        if not _storable(job_id):
            return None
        row = self.s.get(JobRow, job_id)
        if row is None or row.institution_id != institution_id:
            return None
        return JobEntry(row.id, row.institution_id, row.kind, row.total, row.created_at)

    def jobs(self, institution_id: int, *, offset: int, limit: int) -> list[JobEntry]:
        rows = self.s.scalars(
            select(JobRow)
            .where(col(JobRow.institution_id) == institution_id)
            .order_by(col(JobRow.created_at).desc(), col(JobRow.id))
            .offset(offset)
            .limit(limit)
        )
        return [JobEntry(r.id, r.institution_id, r.kind, r.total, r.created_at) for r in rows]

    def credentials(
        self, institution_id: int, *, offset: int, limit: int, state: str | None = None
    ) -> list[CredentialEntry]:
        query = select(CredentialRow).where(col(CredentialRow.institution_id) == institution_id)
        if state is not None:
            query = query.where(col(CredentialRow.state) == state)
        return self._newest_first(query, offset=offset, limit=limit)

    def credentials_held_by(self, recipient: str, *, limit: int) -> list[CredentialEntry]:
        query = select(CredentialRow).where(col(CredentialRow.recipient) == recipient)
        return self._newest_first(query, offset=0, limit=limit)

    def _newest_first(self, query: Any, *, offset: int, limit: int) -> list[CredentialEntry]:
        ordered = query.order_by(col(CredentialRow.created_at).desc(), col(CredentialRow.id))
        rows = self.s.scalars(ordered.offset(offset).limit(limit))
        return [credential_entry(row) for row in rows]

    def job_items(self, job_id: str, *, offset: int, limit: int) -> list[JobItem]:
        if not _storable(job_id):
            return []
        c = CredentialRow
        columns = (c.job_index, c.id, c.token_id, c.recipient, c.state, c.failure)
        rows = self.s.execute(
            select(*(col(x) for x in columns))
            .where(col(c.job_id) == job_id)
            .order_by(col(c.job_index))
            .offset(offset)
            .limit(limit)
        )
        return [JobItem(*row) for row in rows]

    def job_counts(self, job_id: str) -> dict[str, int]:
        if not _storable(job_id):
            return {}
        rows = self.s.execute(
            select(col(CredentialRow.state), func.count())
            .where(col(CredentialRow.job_id) == job_id)
            .group_by(col(CredentialRow.state))
        )
        return {state: int(count) for state, count in rows}

    def add_credentials(self, entries: Sequence[CredentialEntry]) -> None:
        if entries:
            self.s.execute(insert(CredentialRow), [credential_values(e) for e in entries])

    def add_operations(self, entries: Sequence[OperationEntry]) -> list[int]:
        if not entries:
            return []
        values = [operation_values(e) for e in entries]
        ids = self.s.scalars(
            insert(OperationRow).returning(col(OperationRow.id), sort_by_parameter_order=True),
            values,
        )
        return [int(i) for i in ids if i is not None]

    def operations(self, credential_id: str) -> list[OperationEntry]:
        if not _storable(credential_id):
            return []
        o, t = OperationRow, TransactionRow
        successors = select(col(CredentialRow.id)).where(
            col(CredentialRow.supersedes_id) == credential_id
        )
        sizes = (
            select(col(o.tx_id).label("tx_id"), func.count().label("n"))
            .where(col(o.tx_id).is_not(None))
            .group_by(col(o.tx_id))
            .subquery()
        )
        rows = self.s.execute(
            select(o, t, sizes.c.n)
            .outerjoin(t, col(t.id) == col(o.tx_id))
            .outerjoin(sizes, sizes.c.tx_id == col(o.tx_id))
            .where(
                or_(
                    col(o.credential_id) == credential_id,
                    and_(col(o.kind) == "supersede", col(o.credential_id).in_(successors)),
                )
            )
            .order_by(col(o.id))
        )
        return [operation_entry(op, tx, n) for op, tx, n in rows]

    def set_claim_secret(self, credential_id: str, secret_hash: str) -> None:
        self.s.execute(
            update(CredentialRow)
            .where(col(CredentialRow.id) == credential_id)
            .values(claim_secret_hash=secret_hash, claimed_at=None)
        )

    def mark_claimed(self, credential_id: str, at: datetime) -> None:
        self.s.execute(
            update(CredentialRow)
            .where(col(CredentialRow.id) == credential_id)
            .values(claimed_at=at)
        )

    # ---- idempotency

    def answer(self, institution_id: int, key: str) -> StoredAnswer | None:
        if not _storable(key):
            return None
        row = self.s.get(IdempotencyRow, (institution_id, key))
        if row is None:
            return None
        return StoredAnswer(
            row.institution_id,
            row.key,
            row.request_hash,
            row.status_code,
            row.response,
            row.created_at,
        )

    def add_answer(self, entry: StoredAnswer) -> None:
        self._add(
            IdempotencyRow(
                institution_id=entry.institution_id,
                key=entry.key,
                request_hash=entry.request_hash,
                status_code=entry.status_code,
                response=dict(entry.response),
                created_at=entry.created_at,
            )
        )

    # ---- costs

    def job_transactions(self, job_id: str) -> list[JobTransaction]:
        if not _storable(job_id):
            return []
        o, c, t = OperationRow, CredentialRow, TransactionRow
        mine = (
            select(
                col(o.tx_id).label("tx_id"),
                func.count().label("n"),
                func.min(col(o.id)).label("first"),
            )
            .join(c, col(c.id) == col(o.credential_id))
            .where(col(c.job_id) == job_id, col(o.kind) == "mint", col(o.tx_id).is_not(None))
            .group_by(col(o.tx_id))
            .subquery()
        )
        sizes = (
            select(col(o.tx_id).label("tx_id"), func.count().label("n"))
            .where(col(o.tx_id).in_(select(mine.c.tx_id)))
            .group_by(col(o.tx_id))
            .subquery()
        )
        rows = self.s.execute(
            select(t, mine.c.n, sizes.c.n)
            .join(mine, mine.c.tx_id == col(t.id))
            .join(sizes, sizes.c.tx_id == col(t.id))
            .order_by(mine.c.first)
        )
        return [
            JobTransaction(
                TransactionFacts(
                    tx_hash=tx.tx_hash,
                    state=tx.state,
                    operations=int(size),
                    block_number=tx.block_number,
                    gas_used=tx.gas_used,
                    effective_gas_price=tx.effective_gas_price,
                ),
                int(n),
            )
            for tx, n, size in rows
        ]
