"""Insufficient funds: the signer is parked, operations stay queued, it resumes when funded."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from chaincred.adapters.db.models import SignerRow
from tests.pipeline.support import (
    Stack,
    assert_nothing_lost,
    drain,
    make_worker,
    operations,
    queue_mints,
    transactions,
)

pytestmark = pytest.mark.chain


def parked_reason(db: Engine, address: str) -> str | None:
    with Session(db) as session:
        return session.get_one(SignerRow, address).parked_reason


def test_a_signer_without_funds_parks_and_resumes_when_funded(stack: Stack, db: Engine) -> None:
    address = stack.issuer.address
    funded = stack.w3.eth.get_balance(address)
    stack.rpc("anvil_setBalance", address, hex(10**12))  # far below one batch's gas
    queue_mints(db, 3)
    worker = make_worker(db, stack)
    assert worker.start()
    for _ in range(3):
        progress = worker.round()
        assert progress.parked and "insufficient funds" in progress.parked
    reason = parked_reason(db, address)
    assert reason is not None and reason.startswith("insufficient funds: balance 1000000000000 wei")
    assert [op.state for op in operations(db)] == ["queued"] * 3
    assert transactions(db) == []
    stack.rpc("anvil_setBalance", address, hex(funded))
    drain(worker)
    assert parked_reason(db, address) is None
    assert_nothing_lost(db, stack)


def test_a_restarted_worker_stays_parked_until_funded(stack: Stack, db: Engine) -> None:
    address = stack.issuer.address
    funded = stack.w3.eth.get_balance(address)
    stack.rpc("anvil_setBalance", address, hex(10**12))
    queue_mints(db, 2)
    first = make_worker(db, stack)
    assert first.start()
    first.round()
    first.stop()
    second = make_worker(db, stack)
    assert second.start()
    assert second.round().parked
    assert [op.state for op in operations(db)] == ["queued"] * 2
    stack.rpc("anvil_setBalance", address, hex(funded))
    drain(second)
    assert_nothing_lost(db, stack)
