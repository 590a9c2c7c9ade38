"""Single-use possession nonces in the database: every API process (replicas, or
``chaincred serve --workers N``) sees the same ones, so a challenge issued by one process can be
answered at another, and used at most once across all of them."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import col

from chaincred.adapters.db.engine import session_scope
from chaincred.adapters.db.models import PossessionNonceRow
from chaincred.domain.possession import NonceState

__all__ = ["SqlNonceStore"]


class SqlNonceStore:
    """Nonces valid for ``ttl`` seconds of the wall clock (``clock``: Unix seconds, injectable
    for tests). Expired rows are deleted as new nonces are issued, so an expired nonce, used or
    not, reads as unknown, as it does in :class:`~chaincred.adapters.memory.MemoryNonceStore`."""

    def __init__(
        self, engine: Engine, *, ttl: float = 300.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self._ttl = ttl
        self._clock = clock

    def issue(self) -> str:
        nonce = secrets.token_hex(16)
        now = self._clock()
        with session_scope(self._engine) as session:
            session.execute(
                delete(PossessionNonceRow).where(col(PossessionNonceRow.expires_at) < now)
            )
            session.execute(
                insert(PossessionNonceRow).values(
                    nonce=nonce, expires_at=now + self._ttl, used=False
                )
            )
        return nonce

    def consume(self, nonce: str) -> NonceState:
        now = self._clock()
        row = PossessionNonceRow
        with session_scope(self._engine) as session:
            # One conditional UPDATE: of two processes consuming the same nonce, one flips it.
            taken = session.execute(
                update(row)
                .where(col(row.nonce) == nonce, col(row.used).is_(False))
                .values(used=True)
                .returning(col(row.expires_at))
            ).first()
            if taken is not None:
                return NonceState.FRESH if now <= taken[0] else NonceState.EXPIRED
            known = session.execute(select(col(row.nonce)).where(col(row.nonce) == nonce)).first()
        return NonceState.USED if known is not None else NonceState.UNKNOWN
