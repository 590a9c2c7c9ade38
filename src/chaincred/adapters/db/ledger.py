"""The outbox ledger over SQLModel: ``OutboxLedger`` (``chaincred.ports.pipeline``).

Write transactions take the database's write lock up front: ``BEGIN IMMEDIATE`` on SQLite
(a deferred transaction that reads first and writes later can fail to upgrade its lock),
``SELECT … FOR UPDATE`` of the signer's row on PostgreSQL. One worker per key is held by
``signer_lock.SignerLocks`` (an advisory lock, or a lock file next to the SQLite database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, exists, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, col, select

from chaincred.adapters.db.ledger_rows import (
    aware,
    pending_of,
    record_of,
    status_after,
    take_receipt,
    token_int,
)
from chaincred.adapters.db.models import (
    CredentialRow,
    OperationRow,
    SignerRow,
    TransactionRow,
    utcnow,
)
from chaincred.adapters.db.signer_lock import SignerLocks
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


class SqlOutboxLedger:
    """Implements ``OutboxLedger``; construct it with a migrated engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._locks = SignerLocks(engine)

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
        return self._locks.acquire(address)

    def release_signer(self, address: str) -> None:
        self._locks.release(address)

    def holds_signer(self, address: str) -> bool:
        return self._locks.holds(address)

    def ensure_signer(self, address: str, chain_nonce: int) -> SignerState:
        with self._write() as session:
            row = session.get(SignerRow, address)
            if row is None:
                row = SignerRow(address=address, next_nonce=chain_nonce)
                session.add(row)
            elif row.next_nonce < chain_nonce:
                row.next_nonce, row.updated_at = chain_nonce, utcnow()
            return SignerState(row.address, row.next_nonce, row.parked_reason)

    def park(self, address: str, reason: str) -> None:
        self._set_parked(address, reason)

    def unpark(self, address: str) -> None:
        self._set_parked(address, None)

    def _set_parked(self, address: str, reason: str | None) -> None:
        with self._write() as session:
            row = session.get(SignerRow, address)
            if row is not None and row.parked_reason != reason:
                row.parked_reason, row.updated_at = reason, utcnow()

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
                created_at=aware(row.created_at),
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
            return [pending_of(op, credential, targets[op.id], earliest) for op, credential in rows]

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

    def has_work(self, signer: str, institutions: frozenset[int] | None) -> bool:
        queued = sa_select(col(OperationRow.id)).where(col(OperationRow.state) == "queued")
        if institutions is not None:
            queued = queued.where(col(OperationRow.institution_id).in_(sorted(institutions)))
        open_txs = sa_select(col(TransactionRow.id)).where(
            col(TransactionRow.signer) == signer, col(TransactionRow.state).in_(_OPEN)
        )
        # One statement, one snapshot (PostgreSQL's READ COMMITTED takes one per statement).
        query = sa_select(or_(exists(queued), exists(open_txs)))
        with self._read() as session:
            return bool(session.execute(query).scalar_one())

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
        now = utcnow()
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
            return record_of(tx, tuple(sorted(operation_ids)))

    # ------------------------------------------------------------------ transactions

    def operations_of(self, tx_id: str) -> list[PendingOp]:
        with self._read() as session:
            rows = session.exec(
                select(OperationRow, CredentialRow)
                .join(CredentialRow, col(CredentialRow.id) == col(OperationRow.credential_id))
                .where(OperationRow.tx_id == tx_id)
                .order_by(col(OperationRow.id))
            )
            return [pending_of(op, credential) for op, credential in rows]

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
            return [record_of(tx, tuple(sorted(links.get(tx.id, ())))) for tx in txs]

    def mark_sent(self, tx_id: str, at: datetime) -> None:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            if tx.state == "signed":
                tx.state = "sent"
            tx.sent_at, tx.updated_at = at, utcnow()

    def replace_signed(self, tx_id: str, signed: SignedTx) -> TxRecord:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            tx.previous_hashes = [*tx.previous_hashes, tx.tx_hash]
            tx.raw, tx.tx_hash = "0x" + signed.raw.hex(), signed.tx_hash
            tx.max_fee_per_gas = signed.tx.max_fee_per_gas
            tx.max_priority_fee_per_gas = signed.tx.max_priority_fee_per_gas
            tx.state, tx.updated_at = "signed", utcnow()
            return record_of(tx, self._linked(session, tx_id))

    def record_mined(self, tx_id: str, receipt: Receipt) -> None:
        with self._write() as session:
            tx = session.get_one(TransactionRow, tx_id)
            take_receipt(tx, receipt)
            tx.state = "mined"

    def confirm(self, tx_id: str) -> None:
        now = utcnow()
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
            take_receipt(tx, receipt)
            tx.state, tx.error = "failed", error
            ops = self._ops_of_tx(session, tx_id, states=("submitted",))
            self._fail(session, [op for op in ops if op.id in set(fail)], error)
            self._requeue(session, [op for op in ops if op.id in set(requeue)])

    def unmine(self, tx_id: str) -> None:
        now = utcnow()
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
            tx.state, tx.error, tx.updated_at = "lost", error, utcnow()
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
            tx.state, tx.updated_at = "signed", utcnow()
            tx.block_number = tx.block_hash = tx.gas_used = tx.effective_gas_price = None
            return record_of(tx, self._linked(session, tx_id))

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
            .values(state=state, failure=None, updated_at=utcnow())
        )

    def _fail(self, session: Session, ops: Sequence[OperationRow], error: str) -> None:
        now = utcnow()
        for op in ops:
            op.state, op.error, op.updated_at = "failed", error, now
            if op.kind in _ISSUING:
                credential = session.get_one(CredentialRow, op.credential_id)
                credential.state, credential.failure, credential.updated_at = "failed", error, now

    def _requeue(self, session: Session, ops: Sequence[OperationRow]) -> None:
        now = utcnow()
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
        status, reason = status_after(op)
        op.payload = {
            **op.payload,
            "prior": {"status": target.status, "status_reason": target.status_reason},
        }
        target.status, target.status_reason, target.updated_at = status, reason, utcnow()

    def _undo_change(self, session: Session, op: OperationRow) -> None:
        prior = op.payload.get("prior")
        if not isinstance(prior, dict):
            return
        credential = session.get_one(CredentialRow, op.credential_id)
        target = self._target(session, op, credential) if op.kind == "supersede" else credential
        if target is not None:
            target.status, target.status_reason = prior["status"], prior["status_reason"]
            target.updated_at = utcnow()
        op.payload = {k: v for k, v in op.payload.items() if k != "prior"}
