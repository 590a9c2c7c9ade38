"""The node paused (SIGSTOP) or answering errors: the worker backs off, retries, loses
nothing. The worker runs in a thread under ``run_loop``, as ``chaincred worker`` runs it."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from chaincred.adapters.chain import RegistryClient
from chaincred.adapters.chain.sender import Web3ChainSender, open_web3
from chaincred.services.pipeline import SignerWorker, run_loop
from tests.pipeline.support import Stack, assert_nothing_lost, make_worker, queue_mints
from tests.verifier.faultproxy import FaultProxy

pytestmark = [pytest.mark.chain, pytest.mark.slow]


def impatient_sender(stack: Stack, rpc_url: str) -> Web3ChainSender:
    """A sender that gives up on a silent node after half a second."""
    return Web3ChainSender(
        RegistryClient(open_web3(rpc_url, timeout=0.5), stack.contract), stack.issuer
    )


@contextmanager
def running(worker: SignerWorker) -> Iterator[threading.Event]:
    """The worker's loop in a thread; any error that escapes the loop fails the test."""
    stop = threading.Event()
    escaped: list[BaseException] = []

    def loop() -> None:
        try:
            run_loop(
                [lambda: worker.round().busy],
                should_stop=stop.is_set,
                sleep=stop.wait,
                poll=0.05,
                backoff=(0.1, 0.5),
            )
        except BaseException as exc:
            escaped.append(exc)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert not escaped, escaped


def wait_idle(worker: SignerWorker, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not worker.idle():
        assert time.monotonic() < deadline, "the worker did not drain the outbox in time"
        time.sleep(0.1)


def test_a_paused_node_is_waited_out(
    stack: Stack, db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    queue_mints(db, 3)
    worker = make_worker(db, stack, chain=impatient_sender(stack, stack.anvil.rpc_url))
    os.kill(stack.anvil.pid, signal.SIGSTOP)
    with caplog.at_level(logging.WARNING, "chaincred.pipeline"), running(worker):
        time.sleep(1.5)  # several rounds time out while the node is stopped
        queue_mints(db, 2)
        os.kill(stack.anvil.pid, signal.SIGCONT)
        wait_idle(worker)
    assert any("retrying" in r.message and "unavailable" in r.message for r in caplog.records)
    assert_nothing_lost(db, stack)


def test_a_node_paused_between_signing_and_sending(stack: Stack, db: Engine) -> None:
    """The raw transaction is stored, then the node stops answering: the send times out
    (it may or may not have arrived) and the stored bytes go out again once it is back."""
    queue_mints(db, 2)
    paused = threading.Event()

    def pause_after_signing(point: str) -> None:
        if point == "after_sign" and not paused.is_set():
            paused.set()
            os.kill(stack.anvil.pid, signal.SIGSTOP)
            threading.Timer(1.5, os.kill, (stack.anvil.pid, signal.SIGCONT)).start()

    worker = make_worker(
        db, stack, chain=impatient_sender(stack, stack.anvil.rpc_url), fault=pause_after_signing
    )
    with running(worker):
        wait_idle(worker)
    assert paused.is_set()
    assert_nothing_lost(db, stack)


@pytest.mark.parametrize("fault", ["http_502", "html", "rpc_error"])
def test_a_broken_endpoint_is_retried(stack: Stack, db: Engine, fault: str) -> None:
    queue_mints(db, 2)
    with FaultProxy(stack.anvil.rpc_url) as proxy:
        worker = make_worker(db, stack, chain=impatient_sender(stack, proxy.url))
        with proxy.breaking(fault), running(worker):
            time.sleep(0.8)
            assert not worker.idle()
        with running(worker):
            wait_idle(worker)
    assert_nothing_lost(db, stack)
