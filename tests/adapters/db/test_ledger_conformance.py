"""One conformance suite for the ``OutboxLedger`` port, run against the SQL ledger (SQLite and
PostgreSQL) and the in-memory fake, so that the fake stays truthful (STYLE.md habit 2)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.ledger import SqlOutboxLedger
from chaincred.adapters.db.models import (
    CredentialRow,
    InstitutionRow,
    OperationRow,
    SignerRow,
    TransactionRow,
)
from chaincred.adapters.memory.ledger import MemCredential, MemoryOutbox, MemoryOutboxLedger
from chaincred.ports.pipeline import (
    ClaimConflict,
    OutboxLedger,
    Receipt,
    SignedTx,
    UnsignedTx,
)
from tests.adapters.db.conftest import _postgres_engine

SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
RECIPIENT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def token() -> str:
    return "0x" + secrets.token_hex(32)


def signed(nonce: int, *, fee: int = 3 * 10**9, gas: int = 100_000) -> SignedTx:
    raw = bytes([2]) + secrets.token_bytes(40)
    tx = UnsignedTx(31337, nonce, "0x" + "11" * 20, b"", gas, fee, 10**9)
    return SignedTx(tx, raw, "0x" + hashlib.sha256(raw).hexdigest())


def receipt(tx_hash: str, block: int = 7, *, ok: bool = True) -> Receipt:
    return Receipt(tx_hash, block, "0x" + f"{block:064x}", ok, 90_000, 2 * 10**9)


@dataclass
class Row:
    state: str
    failure_or_error: str | None
    status: str | None = None
    status_reason: str | None = None
    tx_id: str | None = None
    attempts: int = 0


class Kit:
    """A ledger and the means to seed and inspect what it stores."""

    ledger: OutboxLedger

    def other_ledger(self) -> OutboxLedger:
        raise NotImplementedError

    def credential(self, institution: int = 1, **fields: Any) -> str:
        raise NotImplementedError

    def operation(self, kind: str, credential_id: str, payload: dict[str, Any]) -> int:
        raise NotImplementedError

    def credential_row(self, credential_id: str) -> Row:
        raise NotImplementedError

    def operation_row(self, op_id: int) -> Row:
        raise NotImplementedError

    def signer_nonce(self) -> int:
        raise NotImplementedError

    def mint(self, institution: int = 1, burn_auth: str = "owner_only") -> int:
        return self.operation("mint", self.credential(institution), {"burn_auth": burn_auth})

    def confirmed_credential(self) -> str:
        credential = self.credential(state="confirmed")
        return credential


class SqlKit(Kit):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ledger = SqlOutboxLedger(engine)
        with Session(engine) as session:
            session.add(InstitutionRow(id=1, name="One"))
            session.add(InstitutionRow(id=2, name="Two"))
            session.commit()

    def other_ledger(self) -> OutboxLedger:
        return SqlOutboxLedger(self.engine)

    def credential(self, institution: int = 1, **fields: Any) -> str:
        row = CredentialRow(
            institution_id=institution,
            token_id=fields.pop("token_id", token()),
            recipient=fields.pop("recipient", RECIPIENT),
            **fields,
        )
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(row)
            session.commit()
        return row.id

    def operation(self, kind: str, credential_id: str, payload: dict[str, Any]) -> int:
        with Session(self.engine, expire_on_commit=False) as session:
            credential = session.get_one(CredentialRow, credential_id)
            row = OperationRow(
                kind=kind,
                institution_id=credential.institution_id,
                credential_id=credential_id,
                payload=payload,
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id

    def credential_row(self, credential_id: str) -> Row:
        with Session(self.engine) as session:
            c = session.get_one(CredentialRow, credential_id)
            return Row(c.state, c.failure, c.status, c.status_reason)

    def operation_row(self, op_id: int) -> Row:
        with Session(self.engine) as session:
            op = session.get_one(OperationRow, op_id)
            return Row(op.state, op.error, tx_id=op.tx_id, attempts=op.attempts)

    def signer_nonce(self) -> int:
        with Session(self.engine) as session:
            return session.get_one(SignerRow, SIGNER).next_nonce

    def transaction(self, tx_id: str) -> TransactionRow:
        with Session(self.engine) as session:
            return session.get_one(TransactionRow, tx_id)


class MemoryKit(Kit):
    def __init__(self) -> None:
        self.outbox = MemoryOutbox()
        self.ledger = MemoryOutboxLedger(self.outbox)

    def other_ledger(self) -> OutboxLedger:
        return MemoryOutboxLedger(self.outbox)

    def credential(self, institution: int = 1, **fields: Any) -> str:
        row = MemCredential(
            id=secrets.token_hex(16),
            institution_id=institution,
            token_id=fields.pop("token_id", token()),
            recipient=fields.pop("recipient", RECIPIENT),
            **fields,
        )
        return self.outbox.add_credential(row).id

    def operation(self, kind: str, credential_id: str, payload: dict[str, Any]) -> int:
        return self.outbox.add_operation(kind, credential_id, payload).id

    def credential_row(self, credential_id: str) -> Row:
        c = self.outbox.credentials[credential_id]
        return Row(c.state, c.failure, c.status, c.status_reason)

    def operation_row(self, op_id: int) -> Row:
        op = self.outbox.operations[op_id]
        return Row(op.state, op.error, tx_id=op.tx_id, attempts=op.attempts)

    def signer_nonce(self) -> int:
        return self.outbox.signers[SIGNER].next_nonce


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


def commit(kit: Kit, ids: list[int], function: str = "mintBatch", **kw: Any) -> Any:
    return kit.ledger.commit_signed(SIGNER, ids, function, lambda n: signed(n, **kw))


# ---------------------------------------------------------------------- the outbox


def test_queued_mints_come_oldest_first_and_per_institution(kit: Kit) -> None:
    first, other, second = kit.mint(1), kit.mint(2), kit.mint(1, "both")
    assert [op.id for op in kit.ledger.queued_mints(None, 10)] == [first, other, second]
    mine = kit.ledger.queued_mints(frozenset({1}), 10)
    assert [op.id for op in mine] == [first, second]
    assert mine[1].payload == {"burn_auth": "both"}
    assert mine[0].recipient == RECIPIENT and mine[0].institution_id == 1
    assert mine[0].created_at.tzinfo is not None
    assert [op.id for op in kit.ledger.queued_mints(None, 1)] == [first]


def test_commit_signed_takes_the_next_nonce_and_links_the_operations(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 5)
    a, b, c = kit.mint(), kit.mint(), kit.mint()
    first = commit(kit, [a, b])
    second = commit(kit, [c])
    assert (first.nonce, second.nonce, kit.signer_nonce()) == (5, 6, 7)
    assert first.state == "signed" and first.operation_ids == (a, b)
    assert first.raw[0] == 2 and first.function == "mintBatch"
    row = kit.operation_row(a)
    assert (row.state, row.tx_id, row.attempts) == ("submitted", first.id, 1)
    op = kit.ledger.operations_of(first.id)
    assert [o.id for o in op] == [a, b]
    credential = kit.credential_row(kit.ledger.operations_of(second.id)[0].credential_id)
    assert credential.state == "submitted"
    assert kit.ledger.queued_mints(None, 10) == []
    assert [t.nonce for t in kit.ledger.open_transactions(SIGNER)] == [5, 6]


def test_a_claim_of_an_operation_no_longer_queued_changes_nothing(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    a, b = kit.mint(), kit.mint()
    commit(kit, [a])
    with pytest.raises(ClaimConflict) as caught:
        commit(kit, [a, b])
    assert caught.value.operation_ids == (a, b)
    assert kit.operation_row(b).state == "queued"
    assert kit.signer_nonce() == 1
    assert len(kit.ledger.open_transactions(SIGNER)) == 1


def test_a_signing_error_rolls_the_claim_back(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    a = kit.mint()

    def broken(nonce: int) -> SignedTx:
        raise RuntimeError("keystore unreadable")

    with pytest.raises(RuntimeError):
        kit.ledger.commit_signed(SIGNER, [a], "mintBatch", broken)
    assert kit.operation_row(a).state == "queued"
    assert kit.signer_nonce() == 0
    assert kit.ledger.open_transactions(SIGNER) == []


def test_failing_queued_operations_fails_their_credentials(kit: Kit) -> None:
    a = kit.mint()
    credential = kit.ledger.queued_mints(None, 1)[0].credential_id
    kit.ledger.fail_operations([a], "ChainCredAlreadyIssued(0x01)")
    assert kit.operation_row(a).state == "failed"
    assert kit.operation_row(a).failure_or_error == "ChainCredAlreadyIssued(0x01)"
    assert kit.credential_row(credential) == Row("failed", "ChainCredAlreadyIssued(0x01)", "active")
    kit.ledger.fail_operations([a], "again")  # only queued ones fail
    assert kit.operation_row(a).failure_or_error == "ChainCredAlreadyIssued(0x01)"


# ---------------------------------------------------------------------- transactions


def test_sent_mined_confirmed(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    a = kit.mint()
    tx = commit(kit, [a])
    at = datetime(2026, 1, 1, tzinfo=UTC)
    kit.ledger.mark_sent(tx.id, at)
    (sent,) = kit.ledger.open_transactions(SIGNER)
    assert (sent.state, sent.sent_at) == ("sent", at)
    kit.ledger.record_mined(tx.id, receipt(tx.tx_hash, 9))
    (mined,) = kit.ledger.open_transactions(SIGNER)
    assert (mined.state, mined.block_number, mined.gas_used) == ("mined", 9, 90_000)
    assert mined.effective_gas_price == 2 * 10**9
    kit.ledger.confirm(tx.id)
    assert kit.ledger.open_transactions(SIGNER) == []
    (settled,) = kit.ledger.settled_since(SIGNER, 9)
    assert settled.state == "confirmed" and settled.operation_ids == (a,)
    assert kit.ledger.settled_since(SIGNER, 10) == []
    assert kit.operation_row(a).state == "confirmed"
    credential = kit.ledger.operations_of(tx.id)[0].credential_id
    assert kit.credential_row(credential).state == "confirmed"


def test_lifecycle_changes_set_the_status_and_a_reorg_undoes_them(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    old = kit.credential(state="confirmed")
    revoke = kit.operation("revoke", old, {"reason": "academic_misconduct"})
    tx = commit(kit, [revoke], "revoke")
    kit.ledger.record_mined(tx.id, receipt(tx.tx_hash))
    kit.ledger.confirm(tx.id)
    assert kit.credential_row(old) == Row("confirmed", None, "revoked", "academic_misconduct")
    kit.ledger.unmine(tx.id)
    assert kit.credential_row(old) == Row("confirmed", None, "active", None)
    assert kit.operation_row(revoke).state == "submitted"
    (back,) = kit.ledger.open_transactions(SIGNER)
    assert (back.state, back.block_number, back.block_hash) == ("sent", None, None)
    kit.ledger.record_mined(tx.id, receipt(tx.tx_hash, 8))
    kit.ledger.confirm(tx.id)
    assert kit.credential_row(old).status == "revoked"


def test_a_supersede_confirms_the_new_credential_and_supersedes_the_old(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    old_token = token()
    old = kit.credential(state="confirmed", token_id=old_token)
    new = kit.credential(supersedes_id=old)
    op = kit.operation("supersede", new, {"old_token_id": old_token})
    (pending,) = kit.ledger.queued_changes(None, 10)
    assert pending.target_token_id == int(old_token, 16)
    assert (pending.target_state, pending.blocked) == ("confirmed", False)
    tx = commit(kit, [op], "supersede")
    assert kit.credential_row(new).state == "submitted"
    kit.ledger.record_mined(tx.id, receipt(tx.tx_hash))
    kit.ledger.confirm(tx.id)
    assert kit.credential_row(new) == Row("confirmed", None, "active", None)
    assert kit.credential_row(old) == Row("confirmed", None, "superseded", "superseded")
    kit.ledger.unmine(tx.id)
    assert kit.credential_row(new).state == "submitted"
    assert kit.credential_row(old).status == "active"


def test_changes_wait_for_their_credential_and_for_earlier_changes(kit: Kit) -> None:
    pending = kit.credential()
    on_pending = kit.operation("revoke", pending, {"reason": "other"})
    issued = kit.credential(state="confirmed")
    suspend = kit.operation("suspend", issued, {"reason": "other"})
    reinstate = kit.operation("reinstate", issued, {})
    failed = kit.credential(state="failed")
    on_failed = kit.operation("revoke", failed, {"reason": "other"})
    changes = {op.id: op for op in kit.ledger.queued_changes(None, 10)}
    assert [changes[i].target_state for i in (on_pending, suspend, on_failed)] == [
        "queued",
        "confirmed",
        "failed",
    ]
    assert not changes[suspend].blocked and changes[reinstate].blocked
    kit.ledger.ensure_signer(SIGNER, 0)
    commit(kit, [suspend], "suspend")
    (still,) = [op for op in kit.ledger.queued_changes(None, 10) if op.id == reinstate]
    assert still.blocked  # the suspend is submitted, not final


def test_a_reverted_batch_fails_the_blamed_and_requeues_the_rest(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    a, b, c = kit.mint(), kit.mint(), kit.mint()
    tx = commit(kit, [a, b, c])
    kit.ledger.record_reverted(tx.id, receipt(tx.tx_hash, ok=False), "Boom(1)", [b], [a, c])
    assert [kit.operation_row(i).state for i in (a, b, c)] == ["queued", "failed", "queued"]
    assert kit.operation_row(a).tx_id is None and kit.operation_row(b).tx_id == tx.id
    (settled,) = kit.ledger.settled_since(SIGNER, 0)
    assert (settled.state, settled.error, settled.operation_ids) == ("failed", "Boom(1)", (b,))
    assert [op.id for op in kit.ledger.queued_mints(None, 10)] == [a, c]


def test_a_lost_transaction_requeues_its_operations(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    a = kit.mint()
    tx = commit(kit, [a])
    kit.ledger.mark_lost(tx.id, "nonce 0 was used by another transaction")
    assert kit.operation_row(a) == Row("queued", None, attempts=1)
    assert kit.ledger.open_transactions(SIGNER) == []
    credential = kit.ledger.queued_mints(None, 1)[0].credential_id
    assert kit.credential_row(credential).state == "queued"


def test_a_new_version_keeps_the_earlier_hashes_and_whichever_mines_counts(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    tx = commit(kit, [kit.mint()])
    newer = signed(0, fee=4 * 10**9)
    record = kit.ledger.replace_signed(tx.id, newer)
    assert (record.tx_hash, record.previous_hashes) == (newer.tx_hash, (tx.tx_hash,))
    assert record.state == "signed" and record.max_fee_per_gas == 4 * 10**9
    assert record.raw == newer.raw and record.hashes == (newer.tx_hash, tx.tx_hash)
    kit.ledger.record_mined(tx.id, receipt(tx.tx_hash))  # the first version mined
    (mined,) = kit.ledger.open_transactions(SIGNER)
    assert (mined.tx_hash, mined.previous_hashes) == (tx.tx_hash, (newer.tx_hash,))


def test_a_refused_transaction_keeps_its_nonce_with_a_noop(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    a = kit.mint()
    tx = commit(kit, [a])
    filler = signed(0, gas=21_000)
    record = kit.ledger.replace_with_noop(tx.id, filler, "intrinsic gas too high")
    assert (record.function, record.state, record.gas_limit) == ("noop", "signed", 21_000)
    assert record.previous_hashes == (tx.tx_hash,)
    assert kit.operation_row(a) == Row("failed", "intrinsic gas too high", tx_id=tx.id, attempts=1)


def test_fees_above_32_bits_round_trip(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    tx = commit(kit, [kit.mint()], fee=500 * 10**9)
    (record,) = kit.ledger.open_transactions(SIGNER)
    assert record.max_fee_per_gas == 500 * 10**9
    kit.ledger.record_mined(tx.id, Receipt(tx.tx_hash, 1, "0x01", True, 21_000, 300 * 10**9))
    (mined,) = kit.ledger.open_transactions(SIGNER)
    assert mined.effective_gas_price == 300 * 10**9


# ---------------------------------------------------------------------- the signer


def test_the_nonce_counter_follows_the_chain_upwards_only(kit: Kit) -> None:
    assert kit.ledger.ensure_signer(SIGNER, 3).next_nonce == 3
    assert kit.ledger.ensure_signer(SIGNER, 1).next_nonce == 3
    assert kit.ledger.ensure_signer(SIGNER, 9).next_nonce == 9


def test_parking(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    kit.ledger.park(SIGNER, "insufficient funds")
    assert kit.ledger.ensure_signer(SIGNER, 0).parked_reason == "insufficient funds"
    kit.ledger.unpark(SIGNER)
    assert kit.ledger.ensure_signer(SIGNER, 0).parked_reason is None


def test_one_worker_per_key(kit: Kit) -> None:
    rival = kit.other_ledger()
    assert kit.ledger.acquire_signer(SIGNER)
    assert kit.ledger.acquire_signer(SIGNER)  # re-entrant for its holder
    assert kit.ledger.holds_signer(SIGNER)
    assert not rival.acquire_signer(SIGNER)
    assert not rival.holds_signer(SIGNER)
    assert rival.acquire_signer(RECIPIENT)  # another key is free
    kit.ledger.release_signer(SIGNER)
    assert not kit.ledger.holds_signer(SIGNER)
    assert rival.acquire_signer(SIGNER)
    rival.release_signer(SIGNER)
    rival.release_signer(RECIPIENT)


def test_has_work_while_anything_is_queued_or_open(kit: Kit) -> None:
    kit.ledger.ensure_signer(SIGNER, 0)
    assert not kit.ledger.has_work(SIGNER, None)
    a = kit.mint(2)
    assert kit.ledger.has_work(SIGNER, None) and kit.ledger.has_work(SIGNER, frozenset({2}))
    assert not kit.ledger.has_work(SIGNER, frozenset({1}))
    tx = commit(kit, [a])
    assert kit.ledger.has_work(SIGNER, frozenset({1}))  # its transaction is open
    assert not kit.ledger.has_work(RECIPIENT, frozenset({1}))
    kit.ledger.record_mined(tx.id, receipt(tx.tx_hash))
    kit.ledger.confirm(tx.id)
    assert not kit.ledger.has_work(SIGNER, None)
