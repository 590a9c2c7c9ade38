"""The outbox ledger over SQLModel: ``OutboxLedger`` (``chaincred.ports.pipeline``).

Write transactions take the database's write lock up front: ``BEGIN IMMEDIATE`` on SQLite
(a deferred transaction that reads first and writes later can fail to upgrade its lock),
``SELECT … FOR UPDATE`` of the signer's row on PostgreSQL. One worker per key is held by
:meth:`SqlOutboxLedger.acquire_signer`: ``pg_try_advisory_lock`` on a dedicated connection,
or an ``flock`` on a file next to the SQLite database; both die with the process.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, col, select

from chaincred.adapters.db.models import CredentialRow, OperationRow, SignerRow, TransactionRow
from chaincred.ports.pipeline import (
    ClaimConflict,
    LedgerUnavailable,
    PendingOp,
    Receipt,
    SignedTx,
    SignerState,
    TxRecord,
)

__all__ = ["SqlOutboxLedger"]

_OPEN = ("signed", "sent", "mined")
_SETTLED = ("confirmed", "failed")
_CHANGES = ("revoke", "suspend", "reinstate", "supersede")
#: Kinds whose operation puts a credential of its own on chain.
_ISSUING = ("mint", "supersede")
_memory_locks: dict[str, threading.Lock] = {}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_int(token_id: str) -> int:
    return int(token_id, 16)


@dataclass(frozen=True)
class _Hold:
    """A held signer lock: how to let it go, and whether it still holds."""

    release: Callable[[], None]
    alive: Callable[[], bool]


class SqlOutboxLedger:
    """Implements ``OutboxLedger``; construct it with a migrated engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._held: dict[str, _Hold] = {}

    # ------------------------------------------------------------------ units of work

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._unavailable(), Session(self._engine, expire_on_commit=False) as session:
            if self._sqlite:
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._unavailable(), Session(self._engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, PoolTimeout) as exc:
            raise LedgerUnavailable(str(exc.orig if hasattr(exc, "orig") else exc)) from exc

    # ------------------------------------------------------------------ the signing key

    def acquire_signer(self, address: str) -> bool:
        key = address.lower()
        if key in self._held:
            return True
        hold = self._file_lock(key) if self._sqlite else self._pg_lock(key)
        if hold is None:
            return False
        self._held[key] = hold
        return True

    def release_signer(self, address: str) -> None:
        hold = self._held.pop(address.lower(), None)
        if hold is not None:
            hold.release()

    def holds_signer(self, address: str) -> bool:
        hold = self._held.get(address.lower())
        if hold is not None and not hold.alive():
            self._held.pop(address.lower(), None)
            return False
        return hold is not None

    def _pg_lock(self, key: str) -> _Hold | None:
        lock_key = _lock_key(key)
        with self._unavailable():
            connection = self._engine.connect()
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

    def ensure_signer(self, address: str, chain_nonce: int) -> SignerState:
        with self._write() as session:
            row = session.get(SignerRow, address)
            if row is None:
                row = SignerRow(address=address, next_nonce=chain_nonce)
                session.add(row)
            elif row.next_nonce < chain_nonce:
                row.next_nonce, row.updated_at = chain_nonce, _now()
            return SignerState(row.address, row.next_nonce, row.parked_reason)

    def park(self, address: str, reason: str) -> None:
        self._set_parked(address, reason)

    def unpark(self, address: str) -> None:
        self._set_parked(address, None)

    def _set_parked(self, address: str, reason: str | None) -> None:
        with self._write() as session:
            row = session.get(SignerRow, address)
            if row is not None and row.parked_reason != reason:
                row.parked_reason, row.updated_at = reason, _now()

    # ------------------------------------------------------------------ the outbox

    def queued_mints(self, institutions: frozenset[int] | None, limit: int) -> list[PendingOp]:
        # Columns, not rows: a credential row carries the learner's whole document.
        query = (
            sa_select(
                col(OperationRow.id),
                col(OperationRow.institution_id),
                col(OperationRow.credential_id),
                col(OperationRow.payload),
                col(OperationRow.created_at),
                col(OperationRow.attempts),
                col(CredentialRow.token_id),
                col(CredentialRow.recipient),
            )
            .join(CredentialRow, col(CredentialRow.id) == col(OperationRow.credential_id))
            .where(col(OperationRow.state) == "queued", col(OperationRow.kind) == "mint")
            .order_by(col(OperationRow.id))
            .limit(limit)
        )
        if institutions is not None:
            query = query.where(col(OperationRow.institution_id).in_(sorted(institutions)))
        with self._read() as session:
            rows = session.execute(query).all()
        return [
            PendingOp(
                id=row.id,
                kind="mint",
                institution_id=row.institution_id,
                credential_id=row.credential_id,
                token_id=token_int(row.token_id),
                recipient=row.recipient,
                payload=dict(row.payload),
                created_at=_aware(row.created_at),
                attempts=row.attempts,
            )
            for row in rows
        ]

    def queued_changes(self, institutions: frozenset[int] | None, limit: int) -> list[PendingOp]:
        query = (
            select(OperationRow, CredentialRow)
            .join(CredentialRow, col(CredentialRow.id) == col(OperationRow.credential_id))
            .where(OperationRow.state == "queued", col(OperationRow.kind).in_(_CHANGES))
            .order_by(col(OperationRow.id))
            .limit(limit)
        )
        if institutions is not None:
            query = query.where(col(OperationRow.institution_id).in_(sorted(institutions)))
        with self._read() as session:
            rows = list(session.exec(query))
            if not rows:
                return []
            targets = {op.id: self._target(session, op, credential) for op, credential in rows}
            earliest = self._earliest_open(session, {t.id for t in targets.values() if t})
            return [_pending(op, credential, targets[op.id], earliest) for op, credential in rows]

    def _target(
        self, session: Session, op: OperationRow, credential: CredentialRow
    ) -> CredentialRow | None:
        """The credential a lifecycle operation acts on (a supersede: the old one)."""
        if op.kind != "supersede":
            return credential
        if credential.supersedes_id is not None:
            return session.get(CredentialRow, credential.supersedes_id)
        old = op.payload.get("old_token_id")
        if not isinstance(old, str):
            return None
        found = session.exec(select(CredentialRow).where(CredentialRow.token_id == old.lower()))
        return found.first()

    def _earliest_open(self, session: Session, target_ids: set[str]) -> dict[str, int]:
        """Per target credential, the id of its oldest lifecycle operation not final yet."""
        if not target_ids:
            return {}
        pending = ("queued", "submitted")
        direct = session.exec(
            select(OperationRow.credential_id, OperationRow.id).where(
                col(OperationRow.state).in_(pending),
                col(OperationRow.kind).in_(("revoke", "suspend", "reinstate")),
                col(OperationRow.credential_id).in_(sorted(target_ids)),
            )
        ).all()
        superseding = session.exec(
            select(CredentialRow.supersedes_id, OperationRow.id)
            .join(CredentialRow, col(CredentialRow.id) == col(OperationRow.credential_id))
            .where(
                col(OperationRow.state).in_(pending),
                OperationRow.kind == "supersede",
                col(CredentialRow.supersedes_id).in_(sorted(target_ids)),
            )
        ).all()
        earliest: dict[str, int] = {}
        for target, op_id in [*direct, *superseding]:
            if target is not None and op_id is not None:
                earliest[target] = min(op_id, earliest.get(target, op_id))
        return earliest

    def fail_operations(self, operation_ids: Sequence[int], error: str) -> None:
        if not operation_ids:
            return
        with self._write() as session:
            ops = self._ops(session, operation_ids, states=("queued",))
            self._fail(session, ops, error)

    def commit_signed(
        self,
        signer: str,
        operation_ids: Sequence[int],
        function: str,
        sign: Callable[[int], SignedTx],
    ) -> TxRecord:
        now = _now()
        with self._write() as session:
            row = session.exec(
                select(SignerRow).where(SignerRow.address == signer).with_for_update()
            ).one()
            signed = sign(row.next_nonce)
            tx = TransactionRow(
                signer=signer,
                nonce=row.next_nonce,
                function=function,
                raw="0x" + signed.raw.hex(),
                tx_hash=signed.tx_hash,
                previous_hashes=[],
                max_fee_per_gas=signed.tx.max_fee_per_gas,
                max_priority_fee_per_gas=signed.tx.max_priority_fee_per_gas,
                gas_limit=signed.tx.gas,
                state="signed",
            )
            session.add(tx)
            session.flush()
            claimed = session.execute(
                update(OperationRow)
                .where(
                    col(OperationRow.id).in_(list(operation_ids)),
                    col(OperationRow.state) == "queued",
                )
                .values(
                    state="submitted",
                    tx_id=tx.id,
                    attempts=col(OperationRow.attempts) + 1,
                    updated_at=now,
                )
            )
            if claimed.rowcount != len(set(operation_ids)):  # type: ignore[attr-defined]
                raise ClaimConflict(operation_ids)
            self._set_credential_state(session, tx.id, "submitted", from_states=("queued",))
            row.next_nonce += 1
            row.updated_at = now
            return _record(tx, tuple(sorted(operation_ids)))

    # ------------------------------------------------------------------ transactions

    def operations_of(self, tx_id: str) -> list[PendingOp]:
        with self._read() as session:
            rows = session.exec(
                select(OperationRow, CredentialRow)
                .join(CredentialRow, col(CredentialRow.id) == col(OperationRow.credential_id))
                .where(OperationRow.tx_id == tx_id)
                .order_by(col(OperationRow.id))
            )
            return [_pending(op, credential) for op, credential in rows]

    def open_transactions(self, signer: str) -> list[TxRecord]:
        query = select(TransactionRow).where(
            TransactionRow.signer == signer, col(TransactionRow.state).in_(_OPEN)
        )
        return self._transactions(query)

    def settled_since(self, signer: str, block_number: int) -> list[TxRecord]:
        query = select(TransactionRow).where(
            TransactionRow.signer == signer,
            col(TransactionRow.state).in_(_SETTLED),
            col(TransactionRow.block_number) >= block_number,
        )
        return self._transactions(query)

    def _transactions(self, query: Any) -> list[TxRecord]:
        with self._read() as session:
            txs = list(session.exec(query.order_by(col(TransactionRow.nonce))))
            links: dict[str, list[int]] = {}
            if txs:
                pairs = session.exec(
                    select(OperationRow.tx_id, OperationRow.id).where(
                        col(OperationRow.tx_id).in_([t.id for t in txs])
                    )
                )
                for tx_id, op_id in pairs:
                    if tx_id is not None and op_id is not None:
                        links.setdefault(tx_id, []).append(op_id)
            return [_record(tx, tuple(sorted(links.get(tx.id, ())))) for tx in txs]

    def mark_sent(self, tx_id: str, at: datetime) -> None:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            if tx.state == "signed":
                tx.state = "sent"
            tx.sent_at, tx.updated_at = at, _now()

    def replace_signed(self, tx_id: str, signed: SignedTx) -> TxRecord:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            tx.previous_hashes = [*tx.previous_hashes, tx.tx_hash]
            tx.raw, tx.tx_hash = "0x" + signed.raw.hex(), signed.tx_hash
            tx.max_fee_per_gas = signed.tx.max_fee_per_gas
            tx.max_priority_fee_per_gas = signed.tx.max_priority_fee_per_gas
            tx.state, tx.updated_at = "signed", _now()
            return _record(tx, self._linked(session, tx_id))

    def record_mined(self, tx_id: str, receipt: Receipt) -> None:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            _take_receipt(tx, receipt)
            tx.state = "mined"

    def confirm(self, tx_id: str) -> None:
        now = _now()
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            tx.state, tx.updated_at = "confirmed", now
            ops = self._ops_of_tx(session, tx_id, states=("submitted",))
            for op in ops:
                op.state, op.updated_at = "confirmed", now
                if op.kind not in ("mint",):
                    self._apply_change(session, op)
            self._set_credential_state(session, tx_id, "confirmed", from_states=("submitted",))

    def record_reverted(
        self,
        tx_id: str,
        receipt: Receipt,
        error: str,
        fail: Sequence[int],
        requeue: Sequence[int],
    ) -> None:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            _take_receipt(tx, receipt)
            tx.state, tx.error = "failed", error
            ops = self._ops_of_tx(session, tx_id, states=("submitted",))
            self._fail(session, [op for op in ops if op.id in set(fail)], error)
            self._requeue(session, [op for op in ops if op.id in set(requeue)])

    def unmine(self, tx_id: str) -> None:
        now = _now()
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            tx.state, tx.updated_at = "sent", now
            tx.block_number = tx.block_hash = tx.gas_used = tx.effective_gas_price = None
            ops = self._ops_of_tx(session, tx_id, states=("confirmed",))
            for op in ops:
                op.state, op.updated_at = "submitted", now
                if op.kind != "mint":
                    self._undo_change(session, op)
            self._set_credential_state(session, tx_id, "submitted", from_states=("confirmed",))

    def mark_lost(self, tx_id: str, error: str) -> None:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            tx.state, tx.error, tx.updated_at = "lost", error, _now()
            self._requeue(session, self._ops_of_tx(session, tx_id, states=("submitted",)))

    def replace_with_noop(self, tx_id: str, filler: SignedTx, error: str) -> TxRecord:
        with self._write() as session:
            ops = self._ops_of_tx(session, tx_id, states=("submitted",))
            self._fail(session, ops, error)
            tx = session.get_one(TransactionRow, tx_id)
            tx.previous_hashes = [*tx.previous_hashes, tx.tx_hash]
            tx.raw, tx.tx_hash, tx.function = "0x" + filler.raw.hex(), filler.tx_hash, "noop"
            tx.max_fee_per_gas = filler.tx.max_fee_per_gas
            tx.max_priority_fee_per_gas = filler.tx.max_priority_fee_per_gas
            tx.gas_limit, tx.error = filler.tx.gas, error or tx.error
            tx.state, tx.updated_at = "signed", _now()
            tx.block_number = tx.block_hash = tx.gas_used = tx.effective_gas_price = None
            return _record(tx, self._linked(session, tx_id))

    # ------------------------------------------------------------------ helpers

    def _ops(
        self, session: Session, ids: Sequence[int], *, states: Sequence[str]
    ) -> list[OperationRow]:
        query = select(OperationRow).where(
            col(OperationRow.id).in_(list(ids)), col(OperationRow.state).in_(states)
        )
        return list(session.exec(query.order_by(col(OperationRow.id))))

    def _ops_of_tx(
        self, session: Session, tx_id: str, *, states: Sequence[str]
    ) -> list[OperationRow]:
        query = select(OperationRow).where(
            OperationRow.tx_id == tx_id, col(OperationRow.state).in_(states)
        )
        return list(session.exec(query.order_by(col(OperationRow.id))))

    def _linked(self, session: Session, tx_id: str) -> tuple[int, ...]:
        ids = session.exec(select(OperationRow.id).where(OperationRow.tx_id == tx_id))
        return tuple(sorted(i for i in ids if i is not None))

    def _set_credential_state(
        self, session: Session, tx_id: str, state: str, *, from_states: Sequence[str]
    ) -> None:
        """The credentials that the issuing operations of ``tx_id`` put on chain."""
        issued = select(OperationRow.credential_id).where(
            OperationRow.tx_id == tx_id, col(OperationRow.kind).in_(_ISSUING)
        )
        session.execute(
            update(CredentialRow)
            .where(col(CredentialRow.id).in_(issued), col(CredentialRow.state).in_(from_states))
            .values(state=state, failure=None, updated_at=_now())
        )

    def _fail(self, session: Session, ops: Sequence[OperationRow], error: str) -> None:
        now = _now()
        for op in ops:
            op.state, op.error, op.updated_at = "failed", error, now
            if op.kind in _ISSUING:
                credential = session.get_one(CredentialRow, op.credential_id)
                credential.state, credential.failure, credential.updated_at = "failed", error, now

    def _requeue(self, session: Session, ops: Sequence[OperationRow]) -> None:
        now = _now()
        for op in ops:
            op.state, op.tx_id, op.updated_at = "queued", None, now
            if op.kind in _ISSUING:
                credential = session.get_one(CredentialRow, op.credential_id)
                credential.state, credential.updated_at = "queued", now

    def _apply_change(self, session: Session, op: OperationRow) -> None:
        """What a confirmed lifecycle operation does to its credential's status; the status
        it replaces is kept in the payload (``prior``) so that a reorg can undo it."""
        credential = session.get_one(CredentialRow, op.credential_id)
        target = credential
        if op.kind == "supersede":
            found = self._target(session, op, credential)
            if found is None:
                return
            target = found
        status, reason = _status_after(op)
        op.payload = {
            **op.payload,
            "prior": {"status": target.status, "status_reason": target.status_reason},
        }
        target.status, target.status_reason, target.updated_at = status, reason, _now()

    def _undo_change(self, session: Session, op: OperationRow) -> None:
        prior = op.payload.get("prior")
        if not isinstance(prior, dict):
            return
        credential = session.get_one(CredentialRow, op.credential_id)
        target = self._target(session, op, credential) if op.kind == "supersede" else credential
        if target is not None:
            target.status, target.status_reason = prior["status"], prior["status_reason"]
            target.updated_at = _now()
        op.payload = {k: v for k, v in op.payload.items() if k != "prior"}


def _status_after(op: OperationRow) -> tuple[str, str | None]:
    if op.kind == "reinstate":
        return "active", None
    if op.kind == "supersede":
        return "superseded", "superseded"
    return ("revoked" if op.kind == "revoke" else "suspended"), op.payload.get("reason")


def _lock_key(address: str) -> int:
    """A signed 64-bit advisory lock key from the address."""
    digest = hashlib.sha256(b"chaincred-signer:" + address.lower().encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _take_receipt(tx: TransactionRow, receipt: Receipt) -> None:
    if receipt.tx_hash != tx.tx_hash:
        # An earlier version mined: it becomes the hash of record, the newest joins the rest.
        others = [h for h in tx.previous_hashes if h != receipt.tx_hash]
        tx.previous_hashes = [*others, tx.tx_hash]
        tx.tx_hash = receipt.tx_hash
    tx.block_number, tx.block_hash = receipt.block_number, receipt.block_hash
    tx.gas_used, tx.effective_gas_price = receipt.gas_used, receipt.effective_gas_price
    tx.updated_at = _now()


def _pending(
    op: OperationRow,
    credential: CredentialRow,
    target: CredentialRow | None = None,
    earliest: dict[str, int] | None = None,
) -> PendingOp:
    assert op.id is not None
    target_id = target.id if target is not None else None
    blocked = (
        earliest is not None and target_id is not None and earliest.get(target_id, op.id) < op.id
    )
    return PendingOp(
        id=op.id,
        kind=op.kind,
        institution_id=op.institution_id,
        credential_id=op.credential_id,
        token_id=token_int(credential.token_id),
        recipient=credential.recipient,
        payload=dict(op.payload),
        created_at=_aware(op.created_at),
        attempts=op.attempts,
        target_token_id=token_int(target.token_id) if target is not None else None,
        target_state=target.state if target is not None else None,
        blocked=blocked,
    )


def _record(tx: TransactionRow, operation_ids: tuple[int, ...]) -> TxRecord:
    return TxRecord(
        id=tx.id,
        signer=tx.signer,
        nonce=tx.nonce,
        function=tx.function,
        raw=bytes.fromhex(tx.raw.removeprefix("0x")),
        tx_hash=tx.tx_hash,
        previous_hashes=tuple(tx.previous_hashes),
        max_fee_per_gas=tx.max_fee_per_gas,
        max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
        gas_limit=tx.gas_limit,
        state=tx.state,
        operation_ids=operation_ids,
        block_number=tx.block_number,
        block_hash=tx.block_hash,
        gas_used=tx.gas_used,
        effective_gas_price=tx.effective_gas_price,
        error=tx.error,
        sent_at=_aware(tx.sent_at) if tx.sent_at else None,
    )
