"""The worker process killed at each step of the pipeline (``os._exit(137)`` through the
``CHAINCRED_FAULT`` hook), then started again: every operation ends in exactly one final
state, every credential is on chain exactly once, no nonce is used twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.pipeline.support import (
    Stack,
    assert_nothing_lost,
    credentials,
    operations,
    queue_change,
    queue_mints,
    run_command,
    transactions,
)

pytestmark = [pytest.mark.chain, pytest.mark.slow]


def run_worker(
    stack: Stack, db: Engine, *, fault: str | None = None
) -> subprocess.CompletedProcess[str]:
    extra = {"CHAINCRED_BATCH_SIZE": "2", "CHAINCRED_BATCH_INTERVAL": "0.01"}
    if fault:
        extra["CHAINCRED_FAULT"] = fault
    return run_command(stack, db, "worker", "--until-idle", "--no-index", env=extra)


def on_chain(stack: Stack, tx_hash: str) -> bool:
    answer = stack.w3.provider.make_request("eth_getTransactionReceipt", [tx_hash])  # type: ignore[arg-type]
    return answer.get("result") is not None


def state_at_death(point: str, stack: Stack, db: Engine) -> None:
    """What the database and the chain hold when the worker died at ``point``."""
    txs = transactions(db)
    ops = operations(db)
    if point == "before_claim":
        assert txs == [] and {op.state for op in ops} == {"queued"}
        return
    tx = txs[0]  # the first batch (the second may have gone out in the same round)
    assert tx.nonce == 0
    linked = [op for op in ops if op.tx_id == tx.id]
    assert len(linked) == 2
    if point == "after_sign":
        assert tx.state == "signed" and not on_chain(stack, tx.tx_hash)
    elif point == "after_send":
        assert tx.state == "signed" and on_chain(stack, tx.tx_hash)  # sent, not recorded
    elif point == "after_receipt":
        assert tx.state == "sent" and on_chain(stack, tx.tx_hash)
    elif point == "after_confirm":
        assert tx.state == "confirmed" and {op.state for op in linked} == {"confirmed"}
    if point != "after_confirm":
        assert {op.state for op in linked} == {"submitted"}


@pytest.mark.parametrize(
    "point", ["before_claim", "after_sign", "after_send", "after_receipt", "after_confirm"]
)
def test_a_worker_killed_and_restarted_loses_nothing(
    stack: Stack, db: Engine, tmp_path: Path, point: str
) -> None:
    first, *_ = queue_mints(db, 3)
    queue_change(db, "revoke", first, reason="issued_in_error")
    died = run_worker(stack, db, fault=f"{point}:1")
    assert died.returncode == 137, died.stderr
    assert f"fault injected: dying at {point}" in died.stderr
    state_at_death(point, stack, db)
    restarted = run_worker(stack, db)
    assert restarted.returncode == 0, restarted.stderr
    txs = transactions(db)
    assert [(tx.nonce, tx.state) for tx in txs] == [
        (0, "confirmed"),
        (1, "confirmed"),
        (2, "confirmed"),
    ]
    assert sorted(tx.function for tx in txs) == ["mintBatch", "mintBatch", "revoke"]
    assert credentials(db)[0].status == "revoked"
    assert_nothing_lost(db, stack)


def test_an_unknown_fault_point_is_a_configuration_error(stack: Stack, db: Engine) -> None:
    queue_mints(db, 1)
    refused = run_worker(stack, db, fault="after_lunch")
    assert refused.returncode == 2
    assert "CHAINCRED_FAULT: unknown point 'after_lunch'" in refused.stderr


def test_sigterm_stops_the_worker_after_its_round(stack: Stack, db: Engine) -> None:
    queue_mints(db, 2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINCRED_")} | {
        "CHAINCRED_RPC_URL": stack.anvil.rpc_url,
        "CHAINCRED_CONTRACT": stack.contract,
        "CHAINCRED_DATABASE_URL": str(db.url),
        "CHAINCRED_SIGNER_DEV_KEY": "1",
        "CHAINCRED_BATCH_INTERVAL": "0.01",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "chaincred.cli", "worker"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while {op.state for op in operations(db)} != {"confirmed"}:
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, stderr
    assert f"signer {stack.issuer.address} (institution 1) active at nonce 0" in stderr
    assert "round: sent=1" in stderr and "confirmed=2" in stderr
    assert "signal 15: finishing the round, then stopping" in stderr
    assert stderr.rstrip().endswith("worker stopped")
    assert_nothing_lost(db, stack)
