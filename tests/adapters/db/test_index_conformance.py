"""The ``CredentialIndex`` port, on SQLite, PostgreSQL and the in-memory fake."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.index import SqlCredentialIndex
from chaincred.adapters.db.models import CredentialRow, InstitutionRow
from chaincred.adapters.memory.index import MemoryCredentialIndex
from chaincred.adapters.memory.ledger import MemCredential, MemoryOutbox
from chaincred.domain.onchain import Reason, Status
from chaincred.ports.indexing import CredentialChange, CredentialIndex
from chaincred.ports.pipeline import BlockRef
from tests.adapters.db.conftest import _postgres_engine

HOLDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


class Kit:
    index: CredentialIndex

    def existing(self, token: int, document: dict[str, Any]) -> None:
        raise NotImplementedError

    def rows(self) -> dict[str, tuple[Any, ...]]:
        """token id → (institution, recipient, state, status, reason, supersedes token, doc)"""
        raise NotImplementedError

    def institutions(self) -> set[int]:
        raise NotImplementedError


class SqlKit(Kit):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.index = SqlCredentialIndex(engine)
        with Session(engine) as session:
            session.add(InstitutionRow(id=1, name="One"))
            session.commit()

    def existing(self, token: int, document: dict[str, Any]) -> None:
        with Session(self.engine) as session:
            session.add(
                CredentialRow(
                    institution_id=1,
                    token_id=f"0x{token:064x}",
                    recipient=HOLDER,
                    state="confirmed",
                    document=document,
                )
            )
            session.commit()

    def rows(self) -> dict[str, tuple[Any, ...]]:
        with Session(self.engine) as session:
            found = list(session.exec(select(CredentialRow)))
        token_of = {c.id: c.token_id for c in found}
        return {
            c.token_id: (
                c.institution_id,
                c.recipient,
                c.state,
                c.status,
                c.status_reason,
                token_of.get(c.supersedes_id or ""),
                c.document,
            )
            for c in found
        }

    def institutions(self) -> set[int]:
        with Session(self.engine) as session:
            return {i.id for i in session.exec(select(InstitutionRow))}


class MemoryKit(Kit):
    def __init__(self) -> None:
        self.outbox = MemoryOutbox()
        self.outbox.institutions.add(1)
        self.index = MemoryCredentialIndex(self.outbox)

    def existing(self, token: int, document: dict[str, Any]) -> None:
        self.outbox.add_credential(
            MemCredential(
                secrets.token_hex(8), 1, f"0x{token:064x}", HOLDER, "confirmed", document=document
            )
        )

    def rows(self) -> dict[str, tuple[Any, ...]]:
        found = self.outbox.credentials.values()
        token_of = {c.id: c.token_id for c in found}
        return {
            c.token_id: (
                c.institution_id,
                c.recipient,
                c.state,
                c.status,
                c.status_reason,
                token_of.get(c.supersedes_id or ""),
                c.document,
            )
            for c in found
        }

    def institutions(self) -> set[int]:
        return set(self.outbox.institutions)


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kit]:
    if request.param == "memory":
        yield MemoryKit()
        return
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'chaincred.db'}")
        migrate(engine)
        yield SqlKit(engine)
        engine.dispose()
        return
    for engine in _postgres_engine():
        migrate(engine)
        yield SqlKit(engine)


def hexed(token: int) -> str:
    return f"0x{token:064x}"


def issued(token: int, institution: int = 1) -> CredentialChange:
    return CredentialChange(
        "issued", token_id=token, recipient=HOLDER, institution_id=institution, status=Status.ACTIVE
    )


def test_unknown_credentials_are_created_known_ones_keep_their_document(kit: Kit) -> None:
    kit.existing(7, {"claims": "personal"})
    changes = [
        CredentialChange("institution", institution_id=2),
        issued(7),
        issued(8, institution=2),
        CredentialChange("status", token_id=7, status=Status.REVOKED, reason=Reason.OTHER),
    ]
    kit.index.apply("registry", changes, BlockRef(5, "0x05"))
    rows = kit.rows()
    assert rows[hexed(7)] == (
        1,
        HOLDER,
        "confirmed",
        "revoked",
        "other",
        None,
        {"claims": "personal"},
    )
    assert rows[hexed(8)] == (2, HOLDER, "confirmed", "active", None, None, None)
    assert kit.institutions() == {1, 2}
    assert kit.index.cursor("registry") == BlockRef(5, "0x05")
    assert kit.index.cursor("other") is None


def test_supersede_links_burns_erase_and_reinstate_clears_the_reason(kit: Kit) -> None:
    kit.existing(1, {"claims": "personal"})
    kit.index.apply(
        "registry",
        [
            issued(2),
            CredentialChange(
                "status", token_id=1, status=Status.SUPERSEDED, reason=Reason.SUPERSEDED
            ),
            CredentialChange("superseded", token_id=1, successor=2),
            issued(3),
            CredentialChange("status", token_id=3, status=Status.SUSPENDED, reason=Reason.OTHER),
            CredentialChange("status", token_id=3, status=Status.ACTIVE, reason=Reason.NONE),
            CredentialChange("burned", token_id=1, status=Status.BURNED),
        ],
        BlockRef(9, "0x09"),
    )
    rows = kit.rows()
    assert rows[hexed(1)][3:] == ("burned", "superseded", None, None)
    assert rows[hexed(2)][5] == hexed(1)
    assert rows[hexed(3)][3:5] == ("active", None)
    kit.index.reset("registry")
    assert kit.index.cursor("registry") is None


def test_changes_of_unknown_tokens_are_ignored(kit: Kit) -> None:
    kit.index.apply(
        "registry",
        [CredentialChange("status", token_id=99, status=Status.REVOKED, reason=Reason.OTHER)],
        BlockRef(1, "0x01"),
    )
    assert kit.rows() == {}
