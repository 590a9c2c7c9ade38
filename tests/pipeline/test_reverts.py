"""On-chain reverts: recorded as failed with the decoded reason, never retried; a mintBatch
is pre-flighted and the item a revert names is taken out, so the rest goes through."""

from __future__ import annotations

import pytest
from eth_account import Account
from sqlalchemy import Engine

from chaincred.ports.pipeline import UnsignedTx
from chaincred.toolchain.anvil import DEV_ACCOUNTS
from tests.pipeline.support import (
    Stack,
    assert_nothing_lost,
    credentials,
    drain,
    make_worker,
    new_holder,
    new_token,
    operations,
    queue_change,
    queue_mints,
    transactions,
)

pytestmark = pytest.mark.chain


def test_a_digest_already_issued_fails_alone_and_the_batch_goes_through(
    stack: Stack, db: Engine
) -> None:
    taken = new_token()
    stack.client.mint(stack.tx(stack.other), new_holder(), int(taken, 16))
    queue_mints(db, 3, tokens=[new_token(), taken, new_token()])
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    failed = [op for op in operations(db) if op.state == "failed"]
    assert [(op.error, op.attempts, op.tx_id) for op in failed] == [
        (f"ChainCredAlreadyIssued({taken})", 0, None)
    ]
    (tx,) = transactions(db)
    assert tx.state == "confirmed"
    assert sum(1 for op in operations(db) if op.tx_id == tx.id) == 2
    (credential,) = [c for c in credentials(db) if c.token_id == taken]
    assert (credential.state, credential.failure) == ("failed", failed[0].error)
    assert_nothing_lost(db, stack)


def test_an_issuer_that_is_not_registered_fails_every_item_and_sends_nothing(
    stack: Stack, db: Engine
) -> None:
    registrar = stack.tx(Account.from_key(DEV_ACCOUNTS[0]))
    stack.client.transact(registrar, "removeSigner", 1, stack.issuer.address)
    queue_mints(db, 2)
    worker = make_worker(db, stack, institutions=frozenset({1}))
    assert worker.start()
    drain(worker)
    reason = f"ChainCredNotAnIssuer({stack.issuer.address})"
    assert [(op.state, op.error, op.attempts) for op in operations(db)] == [
        ("failed", reason, 0)
    ] * 2
    assert transactions(db) == []
    assert_nothing_lost(db, stack)


def test_a_change_the_contract_refuses_is_failed_with_the_decoded_error(
    stack: Stack, db: Engine
) -> None:
    (credential,) = queue_mints(db, 1)
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    token = credentials(db)[0].token_id
    queue_change(db, "reinstate", credential)  # it is active: nothing to reinstate
    drain(worker)
    change = operations(db)[-1]
    assert (change.state, change.error, change.attempts) == (
        "failed",
        f"ChainCredInvalidStatus({token}, 1)",
        0,
    )
    assert len(transactions(db)) == 1
    assert_nothing_lost(db, stack)


def test_a_batch_that_reverts_when_mined_fails_the_blamed_item_and_requeues_the_rest(
    stack: Stack, db: Engine
) -> None:
    """A competing mint of one digest lands in the same block just before the batch: the
    pre-flight passed, the batch reverts on chain. The digest fails; the others go again."""
    tokens = [new_token(), new_token(), new_token()]
    queue_mints(db, 3, tokens=tokens)
    worker = make_worker(db, stack)
    assert worker.start()
    stack.rpc("evm_setAutomine", False)
    worker.round()
    (batch,) = transactions(db)
    assert batch.state == "sent"
    rival = stack.sender(stack.other)
    fees = rival.fees()
    data = rival.encode("mint", new_holder(), int(tokens[1], 16), 1)
    competing = UnsignedTx(
        rival.chain_id, 0, rival.contract, data, 300_000, 10 * fees.max_fee, 10 * 10**9
    )
    rival.send(rival.sign(competing).raw)
    stack.rpc("evm_mine")
    stack.rpc("evm_setAutomine", True)
    drain(worker)
    first, second = transactions(db)
    assert (first.state, first.error) == ("failed", f"ChainCredAlreadyIssued({tokens[1]})")
    assert second.state == "confirmed" and second.nonce == 1
    by_token = {c.token_id: c for c in credentials(db)}
    assert [by_token[t].state for t in tokens] == ["confirmed", "failed", "confirmed"]
    requeued = [op for op in operations(db) if op.tx_id == second.id]
    assert [op.attempts for op in requeued] == [2, 2]
    assert_nothing_lost(db, stack)
