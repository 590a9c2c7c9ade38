"""The in-memory possession nonce store: single use, time-limited, with an injected clock."""

from __future__ import annotations

import threading

from chaincred.adapters.memory import MemoryNonceStore
from chaincred.domain.possession import NonceState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_nonce_is_fresh_once_then_used() -> None:
    store = MemoryNonceStore(ttl=60, clock=Clock())
    nonce = store.issue()

    assert store.consume(nonce) is NonceState.FRESH
    assert store.consume(nonce) is NonceState.USED


def test_nonces_are_distinct_and_fit_the_message_grammar() -> None:
    store = MemoryNonceStore()
    nonces = {store.issue() for _ in range(100)}

    assert len(nonces) == 100
    assert all(len(n) == 32 and n.isalnum() for n in nonces)


def test_an_unknown_nonce() -> None:
    assert MemoryNonceStore().consume("deadbeefdeadbeef") is NonceState.UNKNOWN


def test_a_nonce_past_its_ttl_is_expired_and_then_used() -> None:
    clock = Clock()
    store = MemoryNonceStore(ttl=60, clock=clock)
    nonce = store.issue()
    clock.now += 60
    still = store.issue()
    clock.now += 0.5

    assert store.consume(still) is NonceState.FRESH
    assert store.consume(nonce) is NonceState.EXPIRED
    assert store.consume(nonce) is NonceState.USED


def test_expired_nonces_are_forgotten_and_stay_refused() -> None:
    clock = Clock()
    store = MemoryNonceStore(ttl=60, clock=clock)
    used, unused = store.issue(), store.issue()
    store.consume(used)
    clock.now += 61
    store.issue()  # sweeps the expired entries

    assert store.consume(used) is NonceState.UNKNOWN
    assert store.consume(unused) is NonceState.UNKNOWN


def test_concurrent_consumers_see_one_fresh_answer() -> None:
    store = MemoryNonceStore()
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
