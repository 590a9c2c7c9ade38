"""Setting up the verification benchmark: one fresh chain, the registry, N real credential
documents minted, some revoked and some superseded.

Split from ``benchmarks/verify.py`` (which measures) to keep each module short.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_account import Account
from web3 import Web3

from chaincred.adapters.chain import RegistryClient, RevertDecoder, Transactor, connect
from chaincred.adapters.chain import deploy_registry as deploy_contract
from chaincred.demo import DEMO_ACHIEVEMENT
from chaincred.domain import (
    Achievement,
    Institution,
    digest_from_token_id,
    document_json,
    issue_document,
    parse_achievement,
)
from chaincred.domain.onchain import Reason
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact

REVOKED_SHARE, SUPERSEDED_SHARE = 0.05, 0.02
MINT_CHUNK = 300  # per mintBatch: 329 fresh holders is the most under 2^24 (gas benchmark)
REVOKE_CHUNK = 1_000  # per revokeBatch: 1,925 is the most under 2^24
ISSUED_AT = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)  # before any Anvil block: valid from then
SEED = 20_251_129  # which credentials are revoked and superseded (the script's samples: SEED + 1)


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout carries only the result."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Issued:
    """One credential as a verifier receives it: the document's JSON text."""

    text: str
    token_id: int
    recipient: str


@dataclass
class Chain:
    """One fresh chain with the registry, its credentials, and what was done to them."""

    rpc_url: str
    w3: Web3
    contract: str
    issued: list[Issued]
    revoked: set[int] = field(default_factory=set)
    superseded: dict[int, int] = field(default_factory=dict)  # old token id → successor's
    successors: list[Issued] = field(default_factory=list)
    singletons: list[Issued] = field(default_factory=list)  # each its own achievement
    seconds: dict[str, float] = field(default_factory=dict)

    def expected(self) -> dict[str, int]:
        """The verdicts the N originals must get: revoked and superseded ones are invalid."""
        invalid = len(self.revoked) + len(self.superseded)
        return {"valid": len(self.issued) - invalid, "invalid": invalid, "indeterminate": 0}


class Timer:
    """Wall-clock seconds of a block, kept under a name in ``into``."""

    def __init__(self, into: dict[str, float], name: str) -> None:
        self._into, self._name = into, name

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._into[self._name] = round(time.perf_counter() - self._start, 3)


class Issuer:
    """Builds real documents for one institution: a distinct derived recipient per credential,
    deterministic salts (a counter through SHA-256, so every salt differs, as issuance demands)."""

    def __init__(self, institution_id: int, chain_id: int, contract: str) -> None:
        self.achievement: Achievement = parse_achievement(DEMO_ACHIEVEMENT)
        self.institution = Institution.model_validate(
            {"id": institution_id, "name": "Universiteit Voorbeeld", "country": "NL"}
        )
        self.chain_id, self.contract = chain_id, contract
        counter = itertools.count()
        self._salt: Callable[[], bytes] = lambda: _sha(f"salt {next(counter)}")[:16]

    def issue(self, serial: int, *, corrects: Issued | None = None, alone: bool = False) -> Issued:
        """Learner ``serial``'s credential; with ``corrects``, the corrected document that
        supersedes it (same learner and wallet, a fixed name); with ``alone``, a credential
        of its own achievement (a course title no other credential shares), so that nothing
        of it can be validated once for a cohort."""
        recipient = Web3.to_checksum_address(_sha(f"learner {serial}")[:20])
        achievement = self.achievement
        if alone:
            title = f"{achievement.title}, edition {serial}"
            achievement = parse_achievement({**DEMO_ACHIEVEMENT, "title": title})
        document = issue_document(
            achievement,
            institution=self.institution,
            recipient=recipient,
            claims={
                "name": f"Learner {serial}" + (", corrected" if corrects else ""),
                "student_id": f"s{serial:07d}",
            },
            issued_at=ISSUED_AT,
            chain_id=self.chain_id,
            contract=self.contract,
            supersedes=digest_from_token_id(corrects.token_id) if corrects else None,
            salt_source=self._salt,
        )
        text = json.dumps(document_json(document), ensure_ascii=False)
        return Issued(text, int(document.token_id()), recipient)


def _sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def deploy(w3: Web3) -> tuple[RegistryClient, Transactor, int]:
    """The registry, deployed by the registrar, and one institution with one signer."""
    abi = load_artifact().contract("ChainCred").abi
    registrar, issuer = (
        Transactor(w3, Account.from_key(key), RevertDecoder(abi)) for key in DEV_ACCOUNTS[:2]
    )
    client = RegistryClient(w3, deploy_contract(registrar).address)
    metadata = _sha("benchmark institution")
    institution_id = client.register_institution(registrar, metadata, [issuer.address])
    return client, issuer, institution_id


def issue_and_mint(
    client: RegistryClient, issuer: Transactor, maker: Issuer, n: int, chain: Chain
) -> None:
    with Timer(chain.seconds, "build_documents"):
        chain.issued = [maker.issue(serial) for serial in range(n)]
    log(f"  built {n:,} documents in {chain.seconds['build_documents']:.1f} s; minting")
    with Timer(chain.seconds, "mint"):
        for start in range(0, n, MINT_CHUNK):
            chunk = chain.issued[start : start + MINT_CHUNK]
            client.mint_batch(issuer, [c.recipient for c in chunk], [c.token_id for c in chunk])
    log(f"  minted in {chain.seconds['mint']:.1f} s ({-(-n // MINT_CHUNK)} mintBatch)")


def issue_singletons(
    client: RegistryClient, issuer: Transactor, maker: Issuer, n: int, chain: Chain
) -> None:
    """``n`` more credentials, each of its own achievement (the worst case for a bulk)."""
    with Timer(chain.seconds, "build_singletons"):
        chain.singletons = [maker.issue(10**9 + serial, alone=True) for serial in range(n)]
    for start in range(0, n, MINT_CHUNK):
        chunk = chain.singletons[start : start + MINT_CHUNK]
        client.mint_batch(issuer, [c.recipient for c in chunk], [c.token_id for c in chunk])
    log(f"  built and minted {n:,} credentials of {n:,} different achievements")


def revoke_and_supersede(
    client: RegistryClient, issuer: Transactor, maker: Issuer, chain: Chain
) -> None:
    """Revoke a share (``revokeBatch``) and supersede another, disjoint share (one
    ``supersede`` per credential, each naming a real corrected document)."""
    n = len(chain.issued)
    revoked, superseded = _shares(n)
    picked = random.Random(SEED).sample(range(n), revoked + superseded)
    with Timer(chain.seconds, "revoke_and_supersede"):
        to_revoke = [chain.issued[i].token_id for i in picked[:revoked]]
        for start in range(0, len(to_revoke), REVOKE_CHUNK):
            chunk = to_revoke[start : start + REVOKE_CHUNK]
            client.transact(issuer, "revokeBatch", chunk, int(Reason.ACADEMIC_MISCONDUCT))
        chain.revoked = set(to_revoke)
        for i in picked[revoked:]:
            old = chain.issued[i]
            new = maker.issue(i, corrects=old)
            client.transact(issuer, "supersede", old.token_id, new.token_id, old.recipient)
            chain.superseded[old.token_id] = new.token_id
            chain.successors.append(new)
    log(f"  revoked {revoked:,}, superseded {superseded:,}")


def _shares(n: int) -> tuple[int, int]:
    """How many to revoke and to supersede: 5% and 2%, at least one each (from n = 2)."""
    revoked = max(1, round(n * REVOKED_SHARE)) if n >= 2 else 0
    superseded = max(1, round(n * SUPERSEDED_SHARE)) if n >= 2 else 0
    return revoked, superseded


def prepare(anvil: AnvilProcess, n: int, singletons: int = 0) -> Chain:
    w3 = connect(anvil.rpc_url)
    client, issuer, institution_id = deploy(w3)
    maker = Issuer(institution_id, int(w3.eth.chain_id), client.address)
    chain = Chain(anvil.rpc_url, w3, client.address, [])
    issue_and_mint(client, issuer, maker, n, chain)
    revoke_and_supersede(client, issuer, maker, chain)
    if singletons:
        issue_singletons(client, issuer, maker, singletons, chain)
    return chain
