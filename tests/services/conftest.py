"""The issuer services on the in-memory fakes: no database, no HTTP, no chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chaincred.adapters.memory.issuer import MemoryIssuerRepository
from chaincred.adapters.memory.metadata import MemoryMetadataStore
from chaincred.demo import DEMO_ACHIEVEMENT
from chaincred.ports.issuer import CredentialEntry
from chaincred.services.achievements import create_achievement
from chaincred.services.institutions import create_institution
from chaincred.services.issuance import Accepted, issue_one
from chaincred.services.publishing import IssuingChain

LEARNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CHAIN = IssuingChain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
ACHIEVEMENT: dict[str, Any] = DEMO_ACHIEVEMENT


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 30, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    repo: MemoryIssuerRepository
    store: MemoryMetadataStore
    clock: Clock
    achievement_id: str

    def issue(self, key: str = "key-1", institution_id: int = 1, **changes: Any) -> Accepted:
        request = {"achievement_id": self.achievement_id, "recipient": LEARNER} | changes
        return issue_one(
            request,
            institution_id=institution_id,
            idempotency_key=key,
            repo=self.repo,
            store=self.store,
            clock=self.clock,
            chain=CHAIN,
        )

    def credential(self, credential_id: str) -> CredentialEntry:
        with self.repo.begin() as tx:
            entry = tx.credential_by_id(credential_id)
        assert entry is not None
        return entry


@pytest.fixture
def world() -> World:
    repo, clock = MemoryIssuerRepository(), Clock()
    create_institution(1, "Universiteit Utrecht", "NL", repo=repo, clock=clock)
    create_institution(2, "Other College", None, repo=repo, clock=clock)
    achievement = create_achievement(1, ACHIEVEMENT, repo=repo, clock=clock)
    return World(repo, MemoryMetadataStore(), clock, achievement.id)
