"""Single-use possession nonces kept in memory (one verifier process)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from chaincred.domain.possession import NonceState

__all__ = ["MemoryNonceStore"]


class MemoryNonceStore:
    """Nonces valid for ``ttl`` seconds; ``clock`` is injectable for tests."""

    def __init__(self, *, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._issued: dict[str, float] = {}
        self._used: dict[str, float] = {}  # remembered until expiry, to answer USED
        self._lock = threading.Lock()

    def issue(self) -> str:
        nonce = secrets.token_hex(16)
        with self._lock:
            self._forget_expired()
            self._issued[nonce] = self._clock() + self._ttl
        return nonce

    def consume(self, nonce: str) -> NonceState:
        with self._lock:
            if nonce in self._used:
                return NonceState.USED
            expires = self._issued.pop(nonce, None)
            if expires is None:
                return NonceState.UNKNOWN
            self._used[nonce] = expires
            return NonceState.FRESH if self._clock() <= expires else NonceState.EXPIRED

    def _forget_expired(self) -> None:
        now = self._clock()
        for table in (self._issued, self._used):
            for nonce in [n for n, t in table.items() if t < now]:
                del table[nonce]
