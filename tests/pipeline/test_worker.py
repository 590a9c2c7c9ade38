"""The signer worker on a real Anvil: batches, lifecycle changes, ordering, the outbox
contract. The fault tests are in the other modules of this folder."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from chaincred.domain.onchain import Status
from tests.pipeline.support import (
    Stack,
    assert_nothing_lost,
    chain_status,
    credentials,
    drain,
    make_worker,
    operations,
    queue_change,
    queue_mints,
    queue_supersede,
    transaction_of,
    transactions,
)

pytestmark = pytest.mark.chain


def test_queued_mints_go_out_as_one_batch_and_are_confirmed(stack: Stack, db: Engine) -> None:
    ids = queue_mints(db, 5)
    worker = make_worker(db, stack)
    assert worker.start()
    totals = drain(worker)
    assert totals.sum("confirmed") == 5
    (tx,) = transactions(db)
    assert (tx.function, tx.state, tx.nonce) == ("mintBatch", "confirmed", 0)
    assert tx.block_number and tx.gas_used and tx.effective_gas_price
    assert {op.tx_id for op in operations(db)} == {tx.id}
    assert [c.state for c in credentials(db)] == ["confirmed"] * 5
    assert len(ids) == 5
    assert_nothing_lost(db, stack)


def test_batches_are_bounded_by_batch_size_and_split_per_institution_and_burn_auth(
    stack: Stack, db: Engine
) -> None:
    queue_mints(db, 5)
    queue_mints(db, 2, burn_auth="both")
    queue_mints(db, 1, institution=2)
    worker = make_worker(db, stack, batch_size=3, institutions=frozenset({1}))
    assert worker.start()
    drain(worker)
    txs = transactions(db)
    sizes = [sum(1 for op in operations(db) if op.tx_id == tx.id) for tx in txs]
    assert sizes == [3, 2, 2] and [tx.nonce for tx in txs] == [0, 1, 2]
    # institution 2 is not this worker's: its mint stays queued for its own key
    assert [op.state for op in operations(db) if op.institution_id == 2] == ["queued"]
    other = make_worker(db, stack, institutions=frozenset({2}))
    other.chain = stack.sender(stack.other)
    other.tracker.chain = other.chain
    assert other.start()
    drain(other)
    assert_nothing_lost(db, stack, also_sent_by=[stack.other.address])


def test_a_partial_batch_waits_for_the_interval(stack: Stack, db: Engine) -> None:
    queue_mints(db, 2)
    worker = make_worker(db, stack, batch_size=3, batch_interval=3600.0)
    assert worker.start()
    worker.round()
    assert transactions(db) == []
    queue_mints(db, 1)  # now the batch is full
    worker.round()
    (tx,) = transactions(db)
    assert tx.state == "sent"
    worker.round()  # the next round reads the receipt
    (tx,) = transactions(db)
    assert tx.state == "confirmed"


def test_lifecycle_changes_follow_the_mint_in_order(stack: Stack, db: Engine) -> None:
    revoked, suspended, corrected = queue_mints(db, 3)
    queue_change(db, "revoke", revoked, reason="academic_misconduct")
    queue_change(db, "suspend", suspended, reason="other")
    queue_change(db, "reinstate", suspended)
    new = queue_supersede(db, corrected)
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    by_id = {c.id: c for c in credentials(db)}
    assert (by_id[revoked].status, by_id[revoked].status_reason) == (
        "revoked",
        "academic_misconduct",
    )
    assert (by_id[suspended].status, by_id[suspended].status_reason) == ("active", None)
    assert (by_id[corrected].status, by_id[new].state) == ("superseded", "confirmed")
    assert chain_status(stack, by_id[revoked].token_id) is Status.REVOKED
    assert chain_status(stack, by_id[corrected].token_id) is Status.SUPERSEDED
    assert stack.client.credential(int(by_id[corrected].token_id, 16)).superseded_by == int(
        by_id[new].token_id, 16
    )
    functions = [tx.function for tx in transactions(db)]
    assert functions[0] == "mintBatch"
    assert functions.index("suspend") < functions.index("reinstate")
    assert_nothing_lost(db, stack)


def test_a_change_of_a_credential_whose_mint_failed_fails(stack: Stack, db: Engine) -> None:
    (credential,) = queue_mints(db, 1, burn_auth="whoever")
    change = queue_change(db, "revoke", credential, reason="other")
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    ops = {op.id: op for op in operations(db)}
    assert ops[change].state == "failed"
    assert ops[change].error == "revoke: the credential was never issued"
    assert credentials(db)[0].failure == "invalid payload: unknown burn_auth 'whoever'"
    assert transactions(db) == []


def test_several_transactions_in_flight_take_consecutive_nonces(stack: Stack, db: Engine) -> None:
    stack.rpc("evm_setAutomine", False)
    queue_mints(db, 6)
    worker = make_worker(db, stack, batch_size=2, max_in_flight=2)
    assert worker.start()
    worker.round()
    assert [(tx.nonce, tx.state) for tx in transactions(db)] == [(0, "sent"), (1, "sent")]
    stack.rpc("evm_setAutomine", True)
    stack.rpc("evm_mine")
    drain(worker)
    assert [tx.nonce for tx in transactions(db)] == [0, 1, 2]
    assert_nothing_lost(db, stack)


def test_a_batch_above_the_gas_cap_is_split(stack: Stack, db: Engine) -> None:
    queue_mints(db, 8)
    worker = make_worker(db, stack)
    worker.chain.gas_cap = 400_000  # type: ignore[misc]  # a cap a few mints exceed
    assert worker.start()
    drain(worker)
    sizes = [sum(1 for op in operations(db) if op.tx_id == tx.id) for tx in transactions(db)]
    assert sum(sizes) == 8 and max(sizes) < 8
    assert all(tx.gas_limit <= 400_000 for tx in transactions(db))
    assert_nothing_lost(db, stack)


def test_a_second_worker_on_the_same_key_stands_by(stack: Stack, db: Engine) -> None:
    queue_mints(db, 2)
    first, second = make_worker(db, stack), make_worker(db, stack)
    assert first.start()
    assert not second.start()
    assert second.round().standby
    drain(first)
    first.stop()
    assert second.start()
    assert_nothing_lost(db, stack)


def test_revocations_of_one_reason_go_out_as_one_revoke_batch(stack: Stack, db: Engine) -> None:
    first, second, third, fourth = queue_mints(db, 4)
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    for credential in (first, second, third):
        queue_change(db, "revoke", credential, reason="academic_misconduct")
    queue_change(db, "revoke", fourth, reason="other")
    drain(worker)
    txs = {tx.id: tx for tx in transactions(db)}
    carried: dict[str, list[str]] = {}
    for op in operations(db):
        if op.kind == "revoke":
            assert op.state == "confirmed", op.error
            carried.setdefault(txs[str(op.tx_id)].function, []).append(op.credential_id)
    assert sorted(carried["revokeBatch"]) == sorted([first, second, third])
    assert carried["revoke"] == [fourth]
    by_id = {c.id: c for c in credentials(db)}
    for credential in (first, second, third, fourth):
        assert chain_status(stack, by_id[credential].token_id) is Status.REVOKED
        assert by_id[credential].status == "revoked"
    assert by_id[fourth].status_reason == "other"
    assert_nothing_lost(db, stack)


def test_a_revocation_the_chain_refuses_fails_alone_and_its_batch_goes(
    stack: Stack, db: Engine
) -> None:
    again, second, third = queue_mints(db, 3)
    worker = make_worker(db, stack)
    assert worker.start()
    queue_change(db, "revoke", again, reason="other")
    drain(worker)
    refused = queue_change(db, "revoke", again, reason="academic_misconduct")
    for credential in (second, third):
        queue_change(db, "revoke", credential, reason="academic_misconduct")
    drain(worker)
    ops = {op.id: op for op in operations(db)}
    token = next(c.token_id for c in credentials(db) if c.id == again)
    assert ops[refused].state == "failed"
    assert ops[refused].error == f"ChainCredInvalidStatus({token}, {int(Status.REVOKED)})"
    batch = [
        op for op in ops.values() if op.kind == "revoke" and op.credential_id in (second, third)
    ]
    assert {transaction_of(db, op).function for op in batch} == {"revokeBatch"}
    assert {op.state for op in batch} == {"confirmed"}
    assert_nothing_lost(db, stack)
