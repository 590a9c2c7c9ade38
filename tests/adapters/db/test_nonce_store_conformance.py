"""Possession nonce stores, one suite for the in-memory fake and the database adapter (SQLite
and PostgreSQL): single use, time-limited (an injected clock), one fresh answer among
concurrent consumers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chaincred.adapters.db.nonces import SqlNonceStore
from chaincred.adapters.memory import MemoryNonceStore
from chaincred.domain.possession import NonceState
from chaincred.ports.verification import NonceStore
from tests.adapters.db.repository_support import database_url, migrated_engine

MakeStore = Callable[..., NonceStore]


class Clock:
    def __init__(self) -> None:
        self.now = 1_764_000_000.0  # Unix seconds: the database store keeps wall-clock times

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """``make_store(ttl=…, clock=…)``: a new store of this backend."""
    if request.param == "memory":
        yield MemoryNonceStore
        return
    with database_url(request.param, tmp_path) as url, migrated_engine(url) as engine:
        yield lambda **options: SqlNonceStore(engine, **options)


def test_a_nonce_is_fresh_once_then_used(make_store: MakeStore) -> None:
    store = make_store(ttl=60, clock=Clock())
    nonce = store.issue()

    assert store.consume(nonce) is NonceState.FRESH
    assert store.consume(nonce) is NonceState.USED


def test_nonces_are_distinct_and_fit_the_message_grammar(make_store: MakeStore) -> None:
    store = make_store()
    nonces = {store.issue() for _ in range(100)}

    assert len(nonces) == 100
    assert all(len(n) == 32 and n.isalnum() for n in nonces)


def test_an_unknown_nonce(make_store: MakeStore) -> None:
    assert make_store().consume("deadbeefdeadbeef") is NonceState.UNKNOWN


def test_a_nonce_past_its_ttl_is_expired_and_then_used(make_store: MakeStore) -> None:
    clock = Clock()
    store = make_store(ttl=60, clock=clock)
    nonce = store.issue()
    clock.now += 60
    still = store.issue()
    clock.now += 0.5

    assert store.consume(still) is NonceState.FRESH
    assert store.consume(nonce) is NonceState.EXPIRED
    assert store.consume(nonce) is NonceState.USED


def test_expired_nonces_are_forgotten_and_stay_refused(make_store: MakeStore) -> None:
    clock = Clock()
    store = make_store(ttl=60, clock=clock)
    used, unused = store.issue(), store.issue()
    store.consume(used)
    clock.now += 61
    store.issue()  # sweeps the expired entries

    assert store.consume(used) is NonceState.UNKNOWN
    assert store.consume(unused) is NonceState.UNKNOWN


def test_concurrent_consumers_see_one_fresh_answer(make_store: MakeStore) -> None:
    store = make_store()
    nonce = store.issue()
    answers: list[NonceState] = []
    barrier = threading.Barrier(8)

    def consume() -> None:
        barrier.wait()
        answers.append(store.consume(nonce))

    threads = [threading.Thread(target=consume) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == sorted([NonceState.FRESH] + [NonceState.USED] * 7)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_challenge_of_one_api_process_is_answered_at_another(kind: str, tmp_path: Path) -> None:
    # Two engines on one database stand for two API processes (replicas or --workers).
    with (
        database_url(kind, tmp_path) as url,
        migrated_engine(url) as first,
        migrated_engine(url) as second,
    ):
        nonce = SqlNonceStore(first).issue()
        assert SqlNonceStore(second).consume(nonce) is NonceState.FRESH
        assert SqlNonceStore(first).consume(nonce) is NonceState.USED
