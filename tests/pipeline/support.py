"""Helpers of the pipeline tests: the outbox written the way the API writes it, workers on
the real chain, and the one end check of every test — nothing lost, nothing twice."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from web3 import Web3

from chaincred.adapters.chain import RegistryClient, Transactor
from chaincred.adapters.chain.sender import Web3ChainSender
from chaincred.adapters.db.ledger import SqlOutboxLedger
from chaincred.adapters.db.models import CredentialRow, OperationRow, TransactionRow
from chaincred.domain.onchain import Status
from chaincred.ports.pipeline import ChainSender, OutboxLedger
from chaincred.services.pipeline import SignerWorker, utc_now
from chaincred.services.pipeline_config import Fault, PipelineConfig, Progress, no_fault
from chaincred.toolchain.anvil import AnvilProcess

FINAL = ("confirmed", "failed")


@dataclass
class Stack:
    """The pipeline's chain: Anvil, the registry, institution 1's signers (``issuer``, the key
    the worker uses, and ``second``) and institution 2's (``other``)."""

    anvil: AnvilProcess
    w3: Web3
    client: RegistryClient
    issuer: LocalAccount
    other: LocalAccount
    second: LocalAccount

    @property
    def contract(self) -> str:
        return self.client.address

    def rpc(self, method: str, *params: Any) -> Any:
        answer = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        assert "error" not in answer, answer
        return answer["result"]

    def tx(self, account: LocalAccount) -> Transactor:
        """A transactor with a fresh nonce counter (the chain is reverted between tests)."""
        return Transactor(self.w3, account, self.client.decoder)

    def sender(self, account: LocalAccount | None = None) -> Web3ChainSender:
        return Web3ChainSender(self.client, account or self.issuer)


def new_token() -> str:
    return "0x" + secrets.token_hex(32)


def new_holder() -> str:
    return str(Account.create().address)


def queue_mints(
    engine: Engine,
    count: int,
    *,
    institution: int = 1,
    burn_auth: str = "owner_only",
    tokens: Sequence[str] | None = None,
    recipients: Sequence[str] | None = None,
) -> list[str]:
    """``count`` issuance requests, committed as the API commits them (credential + outbox
    row in one transaction); returns the credential ids."""
    ids = []
    with Session(engine) as session:
        for i in range(count):
            credential = CredentialRow(
                institution_id=institution,
                token_id=tokens[i] if tokens else new_token(),
                recipient=recipients[i] if recipients else new_holder(),
                document={"claims": {"name": "personal, never on chain"}},
            )
            session.add(credential)
            session.add(
                OperationRow(
                    kind="mint",
                    institution_id=institution,
                    credential_id=credential.id,
                    payload={"burn_auth": burn_auth},
                )
            )
            ids.append(credential.id)
        session.commit()
    return ids


def queue_change(engine: Engine, kind: str, credential_id: str, **payload: Any) -> int:
    with Session(engine) as session:
        credential = session.get_one(CredentialRow, credential_id)
        op = OperationRow(
            kind=kind,
            institution_id=credential.institution_id,
            credential_id=credential_id,
            payload=payload,
        )
        session.add(op)
        session.commit()
        assert op.id is not None
        return op.id


def queue_supersede(engine: Engine, old_id: str) -> str:
    with Session(engine) as session:
        old = session.get_one(CredentialRow, old_id)
        new = CredentialRow(
            institution_id=old.institution_id,
            token_id=new_token(),
            recipient=old.recipient,
            supersedes_id=old.id,
        )
        session.add(new)
        session.add(
            OperationRow(
                kind="supersede",
                institution_id=old.institution_id,
                credential_id=new.id,
                payload={"old_token_id": old.token_id},
            )
        )
        session.commit()
        return new.id


def make_worker(
    engine: Engine,
    stack: Stack,
    *,
    ledger: OutboxLedger | None = None,
    fault: Fault = no_fault,
    now: Callable[[], datetime] = utc_now,
    chain: ChainSender | None = None,
    **config: Any,
) -> SignerWorker:
    settings: dict[str, Any] = {"batch_interval": 0.0, "stuck_after": 3600.0, "lost_after": 0.0}
    settings |= config
    return SignerWorker(
        ledger=ledger or SqlOutboxLedger(engine),
        chain=chain or stack.sender(),
        config=PipelineConfig(**settings),
        fault=fault,
        now=now,
    )


class Clock:
    """A clock the test moves: ``clock.advance(31)``."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@dataclass
class Totals:
    rounds: int = 0
    progress: list[Progress] = field(default_factory=list)

    def sum(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.progress)


def drain(worker: SignerWorker, *, rounds: int = 50) -> Totals:
    """Run rounds until the worker has nothing queued or open."""
    totals = Totals()
    while not worker.idle():
        assert totals.rounds < rounds, f"not idle after {rounds} rounds: {totals.progress[-3:]}"
        totals.progress.append(worker.round())
        totals.rounds += 1
    return totals


def credentials(engine: Engine) -> list[CredentialRow]:
    with Session(engine) as session:
        return list(session.exec(select(CredentialRow).order_by(col(CredentialRow.created_at))))


def operations(engine: Engine) -> list[OperationRow]:
    with Session(engine) as session:
        return list(session.exec(select(OperationRow).order_by(col(OperationRow.id))))


def transactions(engine: Engine) -> list[TransactionRow]:
    with Session(engine) as session:
        return list(session.exec(select(TransactionRow).order_by(col(TransactionRow.nonce))))


def transaction_of(engine: Engine, op: OperationRow) -> TransactionRow:
    with Session(engine) as session:
        return session.get_one(TransactionRow, op.tx_id)


def assert_nothing_lost(engine: Engine, stack: Stack, *, also_sent_by: Sequence[str] = ()) -> None:
    """Every operation in exactly one final state; every confirmed credential on chain, to
    its recipient, for its institution, minted by exactly one transaction of the worker's key
    (or of ``also_sent_by``, other workers' keys); no failed one minted by them; the DB's
    statuses are the chain's."""
    ops = operations(engine)
    assert ops, "the test queued nothing"
    assert {op.state for op in ops} <= set(FINAL), [(op.id, op.state) for op in ops]
    rows = credentials(engine)
    records = stack.client.credentials([int(c.token_id, 16) for c in rows])
    minted_by_worker = [
        token for key in (stack.issuer.address, *also_sent_by) for token in _issued_by(stack, key)
    ]
    for row, record in zip(rows, records, strict=True):
        token = int(row.token_id, 16)
        if row.state == "confirmed":
            assert record.owner == Web3.to_checksum_address(row.recipient)
            assert record.institution_id == row.institution_id
            assert record.status.name.lower() == row.status, (row.status, record.status)
            assert minted_by_worker.count(token) == 1
        else:
            assert row.state == "failed" and row.failure, (row.state, row.failure)
            assert token not in minted_by_worker
    # nothing minted that the outbox did not ask for
    assert set(minted_by_worker) <= {int(c.token_id, 16) for c in rows}
    for tx in transactions(engine):
        assert tx.state in ("confirmed", "failed", "lost"), (tx.nonce, tx.state)
        if tx.state == "confirmed":
            receipt = stack.w3.eth.get_transaction_receipt(tx.tx_hash)  # type: ignore[arg-type]
            assert receipt["blockHash"].to_0x_hex() == tx.block_hash
            assert receipt["gasUsed"] == tx.gas_used and tx.effective_gas_price


def _issued_by(stack: Stack, account: str) -> list[int]:
    event = stack.client.contract.events.Issued()
    logs = event.get_logs(from_block=0, argument_filters={"from": account})
    return [int(log["args"]["tokenId"]) for log in logs]


def chain_status(stack: Stack, token_id: str) -> Status:
    return stack.client.credential(int(token_id, 16)).status


def run_command(
    stack: Stack, db: Engine, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m chaincred.cli ARGS`` configured for this stack and database only
    (no CHAINCRED_* variable of the test run leaks in)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHAINCRED_")}
    clean |= {
        "CHAINCRED_RPC_URL": stack.anvil.rpc_url,
        "CHAINCRED_CONTRACT": stack.contract,
        "CHAINCRED_DATABASE_URL": str(db.url),
        "CHAINCRED_SIGNER_DEV_KEY": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "chaincred.cli", *args],
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
