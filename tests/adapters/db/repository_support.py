"""Databases for the issuer's tests (a SQLite file; a PostgreSQL schema when
CHAINCRED_TEST_DATABASE_URL is set), and the transaction pipeline's part played on them:
``settle`` moves outbox operations and their credentials as the signer worker would."""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
import sqlalchemy
from sqlalchemy import Engine
from sqlmodel import col, select

from chaincred.adapters.db import create_db_engine, migrate, session_scope
from chaincred.adapters.db.models import CredentialRow, OperationRow, TransactionRow
from chaincred.ports.issuer import TransactionFacts

PG_URL = os.environ.get("CHAINCRED_TEST_DATABASE_URL")
_NONCES = itertools.count(1)


class Settle(Protocol):
    def __call__(
        self,
        operation_ids: Sequence[int],
        *,
        state: str,
        transaction: TransactionFacts | None = None,
        error: str | None = None,
        credential: Mapping[str, Any] | None = None,
    ) -> None: ...


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'chaincred.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema (dropped afterwards)."""
    if not PG_URL:
        pytest.skip("CHAINCRED_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@contextmanager
def database_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(folder)
        return
    with postgres_url() as url:
        yield url


@contextmanager
def migrated_engine(url: str) -> Iterator[Engine]:
    engine = create_db_engine(url)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


class DbPipeline:
    """Plays the signer worker on a real database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def settle(
        self,
        operation_ids: Sequence[int],
        *,
        state: str,
        transaction: TransactionFacts | None = None,
        error: str | None = None,
        credential: Mapping[str, Any] | None = None,
    ) -> None:
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            tx_id = None
            if transaction is not None:
                tx_id = secrets.token_hex(16)
                session.add(_transaction_row(tx_id, transaction))
                session.flush()
            for op_id in operation_ids:
                op = session.get(OperationRow, op_id)
                assert op is not None, op_id
                op.state, op.error, op.tx_id, op.updated_at = state, error, tx_id, now
                if credential:
                    row = session.get(CredentialRow, op.credential_id)
                    assert row is not None
                    for name, value in credential.items():
                        setattr(row, name, value)
                    row.updated_at = now

    def outbox(self, credential_id: str) -> list[OperationRow]:
        """The committed operations on a credential, oldest first."""
        with session_scope(self.engine) as session:
            query = select(OperationRow).where(col(OperationRow.credential_id) == credential_id)
            return list(session.exec(query.order_by(col(OperationRow.id))))

    def credential(self, credential_id: str) -> CredentialRow | None:
        with session_scope(self.engine) as session:
            return session.get(CredentialRow, credential_id)

    def count(self, model: type[Any]) -> int:
        with session_scope(self.engine) as session:
            return len(list(session.exec(select(model))))


def _transaction_row(tx_id: str, facts: TransactionFacts) -> TransactionRow:
    return TransactionRow(
        id=tx_id,
        signer="0x" + "ab" * 20,
        nonce=next(_NONCES),
        function="mintBatch",
        raw="0x02",
        tx_hash=facts.tx_hash,
        max_fee_per_gas=3 * 10**9,
        max_priority_fee_per_gas=10**9,
        gas_limit=16_000_000,
        state=facts.state,
        block_number=facts.block_number,
        gas_used=facts.gas_used,
        effective_gas_price=facts.effective_gas_price,
    )
