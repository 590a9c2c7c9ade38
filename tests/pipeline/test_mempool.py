"""Transactions the node loses, leaves unmined or takes back: re-broadcast the same bytes,
bump the fee at the same nonce, re-send after a reorg; and a nonce taken by someone else."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from chaincred.adapters.chain.sender import Web3ChainSender
from chaincred.errors import ChainUnavailable
from chaincred.ports.pipeline import SendOutcome, TxRejected, UnsignedTx
from tests.pipeline.support import (
    Clock,
    Stack,
    assert_nothing_lost,
    credentials,
    drain,
    make_worker,
    operations,
    queue_change,
    queue_mints,
    transactions,
)

pytestmark = pytest.mark.chain


def known(stack: Stack, tx_hash: str) -> bool:
    return stack.rpc("eth_getTransactionByHash", tx_hash) is not None


def test_a_dropped_transaction_is_rebroadcast_byte_for_byte(stack: Stack, db: Engine) -> None:
    queue_mints(db, 2)
    worker = make_worker(db, stack)
    assert worker.start()
    stack.rpc("evm_setAutomine", False)
    worker.round()
    (sent,) = transactions(db)
    assert sent.state == "sent" and known(stack, sent.tx_hash)
    stack.rpc("anvil_dropTransaction", sent.tx_hash)
    assert not known(stack, sent.tx_hash)
    assert worker.round().rebroadcast == 1
    assert known(stack, sent.tx_hash)
    stack.rpc("evm_mine")
    drain(worker)
    (tx,) = transactions(db)
    assert (tx.tx_hash, tx.previous_hashes, tx.raw) == (sent.tx_hash, [], sent.raw)
    assert tx.state == "confirmed"
    assert_nothing_lost(db, stack)


def test_a_stuck_transaction_is_bumped_at_the_same_nonce(stack: Stack, db: Engine) -> None:
    clock = Clock()
    queue_mints(db, 2)
    worker = make_worker(db, stack, now=clock, stuck_after=30.0)
    assert worker.start()
    stack.rpc("evm_setAutomine", False)
    worker.round()
    (first,) = transactions(db)
    clock.advance(10)
    assert worker.round().bumped == 0  # not stuck yet
    clock.advance(25)
    assert worker.round().bumped == 1
    (bumped,) = transactions(db)
    assert bumped.nonce == first.nonce and bumped.previous_hashes == [first.tx_hash]
    assert bumped.max_fee_per_gas >= first.max_fee_per_gas * 9 // 8
    assert bumped.max_priority_fee_per_gas >= first.max_priority_fee_per_gas * 9 // 8
    assert known(stack, bumped.tx_hash) and not known(stack, first.tx_hash)
    stack.rpc("evm_mine")
    drain(worker)
    (tx,) = transactions(db)
    assert (tx.state, tx.tx_hash, tx.previous_hashes) == (
        "confirmed",
        bumped.tx_hash,
        [first.tx_hash],
    )
    assert_nothing_lost(db, stack)


class LosesBumps(Web3ChainSender):
    """A node that never receives new versions: the first version stays in its pool."""

    def send(self, raw: bytes) -> SendOutcome:
        if self.decode(raw).max_priority_fee_per_gas > 10**9:
            raise ChainUnavailable("test", "the bump got lost on the way")
        return super().send(raw)


def test_whichever_version_mines_is_recorded(stack: Stack, db: Engine) -> None:
    clock = Clock()
    queue_mints(db, 1)
    chain = LosesBumps(stack.client, stack.issuer)
    worker = make_worker(db, stack, now=clock, stuck_after=30.0, chain=chain)
    assert worker.start()
    stack.rpc("evm_setAutomine", False)
    worker.round()
    (first,) = transactions(db)
    clock.advance(31)
    with pytest.raises(ChainUnavailable):
        worker.round()  # the bump is stored before it is sent, then the send fails
    (bumped,) = transactions(db)
    assert bumped.previous_hashes == [first.tx_hash]
    stack.rpc("evm_mine")  # the first version mines
    drain(worker)
    (tx,) = transactions(db)
    assert (tx.state, tx.tx_hash, tx.previous_hashes) == (
        "confirmed",
        first.tx_hash,
        [bumped.tx_hash],
    )
    assert_nothing_lost(db, stack)


def test_a_reorg_that_removes_confirmed_blocks_is_detected_and_resent(
    stack: Stack, db: Engine
) -> None:
    (revoked, *_) = queue_mints(db, 3)
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    queue_change(db, "revoke", revoked, reason="issued_in_error")
    drain(worker)
    before = transactions(db)
    assert [tx.state for tx in before] == ["confirmed", "confirmed"]
    assert credentials(db)[0].status == "revoked"
    stack.rpc("anvil_reorg", 2, [])  # both blocks replaced by empty ones
    assert stack.client.credentials([int(c.token_id, 16) for c in credentials(db)])[0].owner
    progress = worker.round()
    assert progress.reorged == 2 and progress.sent == 2
    assert [op.state for op in operations(db)] == ["submitted"] * 4
    assert credentials(db)[0].status == "active"  # the revoke is not on chain until re-mined
    drain(worker)
    after = transactions(db)
    for old, new in zip(before, after, strict=True):
        assert new.nonce == old.nonce and new.previous_hashes == [old.tx_hash]
        assert new.block_hash != old.block_hash and new.state == "confirmed"
    assert credentials(db)[0].status == "revoked"
    assert_nothing_lost(db, stack)


def test_a_reorg_below_the_confirmation_depth_is_followed(stack: Stack, db: Engine) -> None:
    queue_mints(db, 1)
    worker = make_worker(db, stack, confirmations=2)
    assert worker.start()
    worker.round()
    worker.round()
    (mined,) = transactions(db)
    assert mined.state == "mined"  # depth 1 of 2
    stack.rpc("anvil_reorg", 1, [])
    assert worker.round().reorged == 1
    stack.rpc("evm_mine")
    drain(worker)
    (tx,) = transactions(db)
    assert tx.state == "confirmed" and tx.previous_hashes == [mined.tx_hash]
    assert_nothing_lost(db, stack)


def test_a_nonce_taken_by_another_transaction_requeues_the_operations(
    stack: Stack, db: Engine
) -> None:
    queue_mints(db, 2)
    clock = Clock()
    worker = make_worker(db, stack, now=clock, lost_after=15.0)
    assert worker.start()
    stack.rpc("evm_setAutomine", False)
    worker.round()
    (ours,) = transactions(db)
    # Someone signs with the same key, the same nonce and a better fee: theirs mines.
    sender = stack.sender()
    fees = sender.fees()
    theirs = UnsignedTx(
        sender.chain_id, ours.nonce, sender.address, b"", 21_000, 10 * fees.max_fee, 10 * 10**9
    )
    assert sender.send(sender.sign(theirs).raw) is SendOutcome.ACCEPTED
    stack.rpc("evm_mine")
    stack.rpc("evm_setAutomine", True)
    assert worker.round().lost == 0  # the receipt may still be on its way to this endpoint
    clock.advance(10)
    assert worker.round().lost == 0
    clock.advance(6)
    assert worker.round().lost == 1
    drain(worker)
    lost, resent = transactions(db)
    assert (lost.state, lost.nonce) == ("lost", 0)
    assert (resent.state, resent.nonce) == ("confirmed", 1)
    assert {op.tx_id for op in operations(db)} == {resent.id}
    assert_nothing_lost(db, stack)


class RefusesBatches(Web3ChainSender):
    """A node that refuses mintBatch transactions for good (as a node whose block gas limit
    is below the transaction's would)."""

    def send(self, raw: bytes) -> SendOutcome:
        if self.decode(raw).data[:4] == self.encode("mintBatch", [], [], 0)[:4]:
            raise TxRejected("intrinsic gas too high -- tx.gas_limit > env.block.gas_limit")
        return super().send(raw)


def test_a_transaction_refused_for_good_fails_its_items_and_keeps_its_nonce(
    stack: Stack, db: Engine
) -> None:
    queue_mints(db, 1)
    worker = make_worker(db, stack, chain=RefusesBatches(stack.client, stack.issuer))
    assert worker.start()
    worker.round()
    (tx,) = transactions(db)
    assert (tx.function, tx.nonce, tx.state) == ("noop", 0, "signed")
    (op,) = operations(db)
    assert op.state == "failed" and "intrinsic gas too high" in (op.error or "")
    drain(worker)
    (tx,) = transactions(db)
    assert tx.state == "confirmed" and tx.gas_used == 21_000  # the nonce is used, no hole
    assert stack.w3.eth.get_transaction_count(stack.issuer.address) == 1
    assert credentials(db)[0].state == "failed"
    assert_nothing_lost(db, stack)


def test_a_reorg_that_removes_a_reverted_transaction_keeps_its_nonce_with_a_noop(
    stack: Stack, db: Engine
) -> None:
    """A reinstate passes its pre-flight, then another signer of the institution reinstates
    the token first in the same block: ours reverts (final). A reorg then removes that block:
    the operation stays failed and its nonce is kept by a no-op rather than left as a hole."""
    (credential,) = queue_mints(db, 1)
    queue_change(db, "suspend", credential, reason="other")
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    queue_change(db, "reinstate", credential)
    stack.rpc("evm_setAutomine", False)
    worker.round()
    token = int(credentials(db)[0].token_id, 16)
    rival = stack.sender(stack.second)
    fees = rival.fees()
    first = UnsignedTx(
        rival.chain_id,
        0,
        rival.contract,
        rival.encode("reinstate", token),
        200_000,
        10 * fees.max_fee,
        10 * 10**9,
    )
    rival.send(rival.sign(first).raw)
    stack.rpc("evm_mine")
    stack.rpc("evm_setAutomine", True)
    drain(worker)
    reverted = transactions(db)[2]
    assert reverted.state == "failed"
    assert reverted.error == f"ChainCredInvalidStatus({credentials(db)[0].token_id}, 1)"
    stack.rpc("anvil_reorg", 1, [])  # the block with both reinstates is gone
    assert worker.round().reorged == 1
    drain(worker)
    refilled = transactions(db)[2]
    assert (refilled.function, refilled.state, refilled.nonce) == ("noop", "confirmed", 2)
    assert refilled.previous_hashes == [reverted.tx_hash]
    assert [op.state for op in operations(db)] == ["confirmed", "confirmed", "failed"]
    assert stack.w3.eth.get_transaction_count(stack.issuer.address) == 3
    assert credentials(db)[0].status == "suspended"
    assert_nothing_lost(db, stack)
