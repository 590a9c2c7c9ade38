"""Where the issuance time goes, measured beside the timed run: the API's accept path
(``issue_batch``) under cProfile in this process, and the worker's indexer replaying the
chain the run left behind.

Both run on scratch databases in a temporary directory, after the timed paths, so that they
slow none of them. Split from ``benchmarks/issuance.py`` to keep each module short.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from web3 import Web3

from benchmarks.issuance_paths import issue_rows
from benchmarks.issuance_stack import Stack
from benchmarks.verify_profile import Key, Where, _called, _cumulative, _find
from chaincred.adapters.chain import RegistryClient
from chaincred.adapters.chain.events import Web3EventSource
from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.index import SqlCredentialIndex
from chaincred.adapters.db.repository import SqlIssuerRepository
from chaincred.adapters.pinning import BuiltinStore
from chaincred.demo import DEMO_ACHIEVEMENT, DEMO_INSTITUTION
from chaincred.domain import parse_json
from chaincred.services.achievements import create_achievement
from chaincred.services.indexer import Indexer, IndexerConfig
from chaincred.services.institutions import create_institution
from chaincred.services.issuance import Row, issue_batch
from chaincred.services.publishing import IssuingChain

#: ``issue_batch``, top-down, as disjoint phases (each a function and, optionally, its caller).
PHASES: tuple[tuple[str, Where, Where | None], ...] = (
    ("request rows validated (`validate_model` of `IssueRequest`)",
     ("services/issuance.py", "_validated"), None),
    ("idempotency fingerprint (`_fingerprint`: `model_dump`, JSON, SHA-256)",
     ("services/issuance.py", "_fingerprint"), None),
    ("documents built (`build_document` → `issue_document`: claims, salts, RFC 8785, digest)",
     ("services/publishing.py", "build_document"), None),
    ("public parts and badge pinned (`pin_public_parts`: ERC-721 metadata, RFC 8785, CIDs, "
     "files)", ("services/publishing.py", "pin_public_parts"), None),
    ("outbox recorded (`_Plan.record`: credential, operation and answer rows, one transaction)",
     ("services/issuance.py", "record"), None),
)  # fmt: skip


@dataclass(frozen=True)
class AcceptProfile:
    """``issue_batch`` in this process on ``rows`` rows: unprofiled, and cut into phases."""

    rows: int
    seconds: float  # unprofiled, one batch of ``rows``
    parse_seconds: float  # the route's strict JSON parse of that batch's body (unprofiled)
    profiled_seconds: float
    phases: list[tuple[str, float]]  # profiled seconds, disjoint, "other" last
    canonical_calls: int  # canonical_bytes (RFC 8785) calls, every caller
    canonical_seconds: float

    @property
    def us_per_row(self) -> float:
        return self.seconds / self.rows * 1e6

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "us_per_row": round(self.us_per_row),
            "body_parse_us_per_row": round(self.parse_seconds / self.rows * 1e6),
            "profiled_seconds": round(self.profiled_seconds, 6),
            "phases": [
                {
                    "phase": name,
                    "share": round(s / self.profiled_seconds, 4),
                    "seconds": round(s, 6),
                }
                for name, s in self.phases
            ],
            "canonical_bytes_calls_per_row": round(self.canonical_calls / self.rows, 1),
            "canonical_bytes_share": round(self.canonical_seconds / self.profiled_seconds, 4),
        }


def profile_accept(stack: Stack, rows: int) -> AcceptProfile:
    """Accept ``rows`` rows twice on a scratch SQLite database and built-in store (the API's
    adapters, without HTTP): once timed, once under cProfile."""
    clock = lambda: datetime.now(UTC)  # noqa: E731 - the services' Clock
    chain = IssuingChain(int(stack.w3.eth.chain_id), stack.contract)
    with tempfile.TemporaryDirectory(prefix="chaincred-accept-") as scratch:
        engine = create_db_engine(f"sqlite:///{Path(scratch) / 'chaincred.db'}")
        migrate(engine)
        repo, store = SqlIssuerRepository(engine), BuiltinStore(Path(scratch) / "ipfs")
        create_institution(stack.institution_id, DEMO_INSTITUTION["name"],
                           DEMO_INSTITUTION["country"], repo=repo, clock=clock)  # fmt: skip
        achievement = create_achievement(stack.institution_id, DEMO_ACHIEVEMENT, repo=repo,
                                         clock=clock)  # fmt: skip

        def body(path: str, n: int) -> bytes:
            raw = issue_rows(stack, path, n)
            for row in raw:
                row["achievement_id"] = achievement.id
            return json.dumps(raw).encode()

        def accept(path: str, n: int) -> None:
            raw = parse_json(body(path, n))
            issue_batch([Row((i,), r) for i, r in enumerate(raw)],
                        institution_id=stack.institution_id, idempotency_key=path, repo=repo,
                        store=store, clock=clock, chain=chain)  # fmt: skip

        accept("profile-warm-up", 10)
        text = body("profile-parse", rows)
        began = time.perf_counter()
        parse_json(text)  # what POST /v1/credentials/batch does with the body first
        parse_seconds = time.perf_counter() - began
        began = time.perf_counter()
        accept("profile-timed", rows)
        seconds = time.perf_counter() - began
        profiler = cProfile.Profile()
        profiler.enable()
        accept("profile-profiled", rows)
        profiler.disable()
        engine.dispose()
    return _cut(profiler, rows, seconds, parse_seconds)


def _cut(
    profiler: cProfile.Profile, rows: int, seconds: float, parse_seconds: float
) -> AcceptProfile:
    stats: dict[Key, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    wall = sum(v[2] for v in stats.values())
    phases = [
        (name, _cumulative(stats, where, caller))
        for name, where, caller in PHASES
        if _called(stats, where, caller)
    ]
    phases.append(("other (loading the achievement, answers, lists)",
                   wall - sum(s for _, s in phases)))  # fmt: skip
    canonical = _find(stats, ("domain/canonical.py", "canonical_bytes"))
    return AcceptProfile(
        rows,
        seconds,
        parse_seconds,
        wall,
        phases,
        canonical_calls=sum(stats[k][1] for k in canonical),
        canonical_seconds=sum(stats[k][3] for k in canonical),
    )


@dataclass(frozen=True)
class IndexerReplay:
    """The worker's indexer replaying every event of the run into a scratch database."""

    events: int
    credentials: int
    seconds: float

    @property
    def us_per_credential(self) -> float:
        return self.seconds / self.credentials * 1e6 if self.credentials else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "credentials": self.credentials,
            "seconds": round(self.seconds, 3),
            "us_per_credential": round(self.us_per_credential),
        }


def replay_indexer(stack: Stack, credentials: int) -> IndexerReplay:
    """What ``chaincred worker`` runs every 5 s between its signer rounds (same adapters),
    here over the whole chain at once."""
    registry = RegistryClient(Web3(Web3.HTTPProvider(stack.rpc_url)), stack.contract)
    with tempfile.TemporaryDirectory(prefix="chaincred-index-") as scratch:
        engine = create_db_engine(f"sqlite:///{Path(scratch) / 'chaincred.db'}")
        migrate(engine)
        indexer = Indexer(events=Web3EventSource(registry), index=SqlCredentialIndex(engine),
                          config=IndexerConfig())  # fmt: skip
        began = time.perf_counter()
        events = indexer.sync()
        seconds = time.perf_counter() - began
        engine.dispose()
    return IndexerReplay(events, credentials, seconds)
