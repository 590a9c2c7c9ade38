"""The credentials as the indexer maintains them: ``CredentialIndex`` over SQLModel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from chaincred.adapters.db.models import ChainCursorRow, CredentialRow, InstitutionRow
from chaincred.domain.onchain import Reason, Status
from chaincred.ports.indexing import CredentialChange
from chaincred.ports.pipeline import BlockRef, LedgerUnavailable

__all__ = ["SqlCredentialIndex", "token_hex"]

_IN_CHUNK = 500


def token_hex(token_id: int) -> str:
    """The database's form of a token id: 0x + 64 lower-case hex digits."""
    return f"0x{token_id:064x}"


def status_name(status: Status) -> str:
    return status.name.lower()


def reason_name(reason: Reason | None) -> str | None:
    return None if reason in (None, Reason.NONE) else reason.name.lower()


class SqlCredentialIndex:
    """Implements ``CredentialIndex``; one write transaction per ``apply``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def _write(self) -> Iterator[Session]:
        try:
            with Session(self._engine, expire_on_commit=False) as session:
                if self._sqlite:
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                yield session
                session.commit()
        except OperationalError as exc:
            raise LedgerUnavailable(str(exc.orig)) from exc

    def cursor(self, name: str) -> BlockRef | None:
        with Session(self._engine) as session:
            row = session.get(ChainCursorRow, name)
            return None if row is None else BlockRef(row.block_number, row.block_hash)

    def reset(self, name: str) -> None:
        with self._write() as session:
            row = session.get(ChainCursorRow, name)
            if row is not None:
                session.delete(row)

    def apply(self, name: str, changes: Sequence[CredentialChange], upto: BlockRef) -> None:
        now = datetime.now(UTC)
        with self._write() as session:
            rows = self._rows(session, changes)
            for change in changes:
                self._one(session, change, rows, now)
            cursor = session.get(ChainCursorRow, name) or ChainCursorRow(
                name=name, block_number=upto.number, block_hash=upto.hash
            )
            cursor.block_number, cursor.block_hash, cursor.updated_at = upto.number, upto.hash, now
            session.add(cursor)

    def _rows(
        self, session: Session, changes: Sequence[CredentialChange]
    ) -> dict[str, CredentialRow]:
        tokens = sorted(
            {token_hex(t) for c in changes for t in (c.token_id, c.successor) if t is not None}
        )
        rows: dict[str, CredentialRow] = {}
        for i in range(0, len(tokens), _IN_CHUNK):
            chunk = tokens[i : i + _IN_CHUNK]
            found = session.exec(
                select(CredentialRow).where(col(CredentialRow.token_id).in_(chunk))
            )
            rows.update({row.token_id: row for row in found})
        return rows

    def _one(
        self,
        session: Session,
        change: CredentialChange,
        rows: dict[str, CredentialRow],
        now: datetime,
    ) -> None:
        if change.kind == "institution" and change.institution_id is not None:
            if session.get(InstitutionRow, change.institution_id) is None:
                # The name lives off-chain; the registry holds only a digest of the metadata.
                name = f"institution {change.institution_id}"
                session.add(InstitutionRow(id=change.institution_id, name=name))
                session.flush()
            return
        if change.token_id is None:
            return
        token = token_hex(change.token_id)
        row = rows.get(token)
        if change.kind == "issued":
            if row is None and change.institution_id and change.recipient:
                row = CredentialRow(
                    institution_id=change.institution_id,
                    token_id=token,
                    recipient=change.recipient,
                    state="confirmed",
                )
                session.add(row)
                rows[token] = row
            return
        if row is None:
            return
        if change.kind == "status" and change.status is not None:
            row.status, row.status_reason = status_name(change.status), reason_name(change.reason)
        elif change.kind == "superseded" and change.successor is not None:
            successor = rows.get(token_hex(change.successor))
            if successor is not None and successor.supersedes_id is None:
                successor.supersedes_id = row.id
                successor.updated_at = now
        elif change.kind == "burned":
            # The learner's right to erasure: the personal document goes with the token.
            row.status, row.document, row.claim_secret_hash = "burned", None, None
        row.updated_at = now
