"""Two workers on one outbox (two keys of one institution, as two replicas would run them),
on SQLite and PostgreSQL: each operation is claimed by exactly one of them."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from chaincred.adapters.db.ledger import SqlOutboxLedger
from chaincred.services.pipeline import SignerWorker
from tests.pipeline.support import (
    Stack,
    assert_nothing_lost,
    credentials,
    drain,
    make_worker,
    operations,
    queue_change,
    queue_mints,
    queue_supersede,
    transactions,
)

pytestmark = [pytest.mark.chain, pytest.mark.slow]


def test_the_whole_pipeline_on_each_database(stack: Stack, any_db: Engine) -> None:
    revoked, corrected, *_ = queue_mints(any_db, 4)
    queue_change(any_db, "revoke", revoked, reason="accreditation_withdrawn")
    queue_supersede(any_db, corrected)
    worker = make_worker(any_db, stack, batch_size=3)
    assert worker.start()
    drain(worker)
    assert [c.status for c in credentials(any_db)][:2] == ["revoked", "superseded"]
    assert [tx.state for tx in transactions(any_db)] == ["confirmed"] * 4
    assert_nothing_lost(any_db, stack)


def test_two_workers_never_claim_the_same_operation(stack: Stack, any_db: Engine) -> None:
    queue_mints(any_db, 40)
    workers = [
        make_worker(any_db, stack, batch_size=3, ledger=SqlOutboxLedger(any_db)),
        make_worker(
            any_db,
            stack,
            batch_size=3,
            ledger=SqlOutboxLedger(any_db),
            chain=stack.sender(stack.second),
        ),
    ]
    errors: list[BaseException] = []

    def run(worker: SignerWorker) -> None:
        try:
            assert worker.start()
            drain(worker, rounds=200)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert {op.state for op in operations(any_db)} == {"confirmed"}
    signers = {tx.signer for tx in transactions(any_db)}
    assert signers == {stack.issuer.address, stack.second.address}  # both took part
    assert {op.attempts for op in operations(any_db)} == {1}  # and no claim was taken twice
    assert_nothing_lost(any_db, stack, also_sent_by=[stack.second.address])
