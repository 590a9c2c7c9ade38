"""One worker per signing key: ``pg_try_advisory_lock`` on a connection of its own
(PostgreSQL), or an ``flock`` on a file next to the database (SQLite). Both locks die with the
process that holds them, so a killed worker never blocks its successor."""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from chaincred.ports.pipeline import LedgerUnavailable

__all__ = ["SignerLocks"]

_memory_locks: dict[str, threading.Lock] = {}


@dataclass(frozen=True)
class _Hold:
    """A held signer lock: how to let it go, and whether it still holds."""

    release: Callable[[], None]
    alive: Callable[[], bool]


class SignerLocks:
    """The signer locks one ledger holds, by lower-case address."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._held: dict[str, _Hold] = {}

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, PoolTimeout) as exc:
            raise LedgerUnavailable(str(exc)) from exc

    def acquire(self, address: str) -> bool:
        key = address.lower()
        if key in self._held:
            return True
        hold = self._file_lock(key) if self._sqlite else self._pg_lock(key)
        if hold is None:
            return False
        self._held[key] = hold
        return True

    def release(self, address: str) -> None:
        hold = self._held.pop(address.lower(), None)
        if hold is not None:
            hold.release()

    def holds(self, address: str) -> bool:
        hold = self._held.get(address.lower())
        if hold is not None and not hold.alive():
            self._held.pop(address.lower(), None)
            return False
        return hold is not None

    def _pg_lock(self, key: str) -> _Hold | None:
        with self._unavailable():
            connection = self._engine.connect()
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            lock_key = _lock_key(f"{schema}:{key}")
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key}
            ).scalar_one()
            connection.commit()  # the lock is the session's: no transaction stays open
        if not got:
            connection.close()
            return None

        def release() -> None:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                connection.commit()
            except OperationalError:
                pass  # the connection died, and the lock with it
            finally:
                connection.close()

        def alive() -> bool:
            try:
                connection.execute(text("SELECT 1"))
                connection.commit()
            except OperationalError:
                return False
            return True

        return _Hold(release, alive)

    def _file_lock(self, key: str) -> _Hold | None:
        database = self._engine.url.database
        if not database or database == ":memory:":
            lock = _memory_locks.setdefault(key, threading.Lock())
            return _Hold(lock.release, lambda: True) if lock.acquire(blocking=False) else None
        handle = Path(f"{database}.signer-{key}.lock").open("ab")  # noqa: SIM115 - held open
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None

        def release() -> None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

        return _Hold(release, lambda: True)


def _lock_key(scoped_address: str) -> int:
    """A signed 64-bit advisory lock key. Advisory locks are database-wide; the key carries
    the schema because the outbox and its nonce counter live there: one worker per key per
    outbox (two outboxes sharing a key would clash on the chain's nonces whatever the lock)."""
    digest = hashlib.sha256(b"chaincred-signer:" + scoped_address.lower().encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
