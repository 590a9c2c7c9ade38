"""An in-memory ``OutboxLedger`` for fast tests, held to the SQL ledger's behaviour by
tests/adapters/db/test_ledger_conformance.py. Several ledgers may share one
:class:`MemoryOutbox` (like replicas sharing a database): the signer lock is the outbox's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from chaincred.ports.pipeline import (
    ClaimConflict,
    PendingOp,
    Receipt,
    SignedTx,
    SignerState,
    TxRecord,
)

__all__ = ["MemCredential", "MemOperation", "MemTransaction", "MemoryOutbox", "MemoryOutboxLedger"]

_OPEN = ("signed", "sent", "mined")
_SETTLED = ("confirmed", "failed")
_CHANGES = ("revoke", "suspend", "reinstate", "supersede")
_ISSUING = ("mint", "supersede")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class MemCredential:
    id: str
    institution_id: int
    token_id: str
    recipient: str
    state: str = "queued"
    failure: str | None = None
    status: str = "active"
    status_reason: str | None = None
    supersedes_id: str | None = None
    document: Mapping[str, Any] | None = None


@dataclass
class MemOperation:
    id: int
    kind: str
    institution_id: int
    credential_id: str
    payload: dict[str, Any]
    state: str = "queued"
    tx_id: str | None = None
    error: str | None = None
    attempts: int = 0
    created_at: datetime = field(default_factory=_now)


@dataclass
class MemTransaction:
    id: str
    signer: str
    nonce: int
    function: str
    raw: bytes
    tx_hash: str
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    gas_limit: int
    previous_hashes: list[str] = field(default_factory=list)
    state: str = "signed"
    block_number: int | None = None
    block_hash: str | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    error: str | None = None
    sent_at: datetime | None = None


@dataclass
class MemoryOutbox:
    """The shared state: what the database tables hold."""

    credentials: dict[str, MemCredential] = field(default_factory=dict)
    operations: dict[int, MemOperation] = field(default_factory=dict)
    transactions: dict[str, MemTransaction] = field(default_factory=dict)
    signers: dict[str, SignerState] = field(default_factory=dict)
    cursors: dict[str, tuple[int, str]] = field(default_factory=dict)
    institutions: set[int] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)
    signer_locks: dict[str, int] = field(default_factory=dict)

    def add_credential(self, credential: MemCredential) -> MemCredential:
        with self.lock:
            self.credentials[credential.id] = credential
            return credential

    def add_operation(
        self, kind: str, credential_id: str, payload: Mapping[str, Any] | None = None
    ) -> MemOperation:
        with self.lock:
            credential = self.credentials[credential_id]
            op = MemOperation(
                id=max(self.operations, default=0) + 1,
                kind=kind,
                institution_id=credential.institution_id,
                credential_id=credential_id,
                payload=dict(payload or {}),
            )
            self.operations[op.id] = op
            return op


class MemoryOutboxLedger:
    """Implements ``OutboxLedger`` over a :class:`MemoryOutbox`."""

    def __init__(self, outbox: MemoryOutbox | None = None) -> None:
        self.outbox = outbox or MemoryOutbox()
        self._token = id(self)

    @contextmanager
    def _write(self) -> Iterator[MemoryOutbox]:
        """All or nothing, like a database transaction: work on a copy, swap on success."""
        with self.outbox.lock:
            saved = deepcopy(
                (self.outbox.credentials, self.outbox.operations, self.outbox.transactions)
            )
            saved_signers = dict(self.outbox.signers)
            try:
                yield self.outbox
            except BaseException:
                credentials, operations, transactions = saved
                self.outbox.credentials, self.outbox.operations = credentials, operations
                self.outbox.transactions, self.outbox.signers = transactions, saved_signers
                raise

    # ------------------------------------------------------------------ the signing key

    def acquire_signer(self, address: str) -> bool:
        key = address.lower()
        with self.outbox.lock:
            holder = self.outbox.signer_locks.setdefault(key, self._token)
            return holder == self._token

    def release_signer(self, address: str) -> None:
        with self.outbox.lock:
            if self.outbox.signer_locks.get(address.lower()) == self._token:
                del self.outbox.signer_locks[address.lower()]

    def holds_signer(self, address: str) -> bool:
        return self.outbox.signer_locks.get(address.lower()) == self._token

    def ensure_signer(self, address: str, chain_nonce: int) -> SignerState:
        with self._write() as box:
            state = box.signers.get(address) or SignerState(address, chain_nonce)
            if state.next_nonce < chain_nonce:
                state = replace(state, next_nonce=chain_nonce)
            box.signers[address] = state
            return state

    def park(self, address: str, reason: str) -> None:
        with self._write() as box:
            if address in box.signers:
                box.signers[address] = replace(box.signers[address], parked_reason=reason)

    def unpark(self, address: str) -> None:
        with self._write() as box:
            if address in box.signers:
                box.signers[address] = replace(box.signers[address], parked_reason=None)

    # ------------------------------------------------------------------ the outbox

    def queued_mints(self, institutions: frozenset[int] | None, limit: int) -> list[PendingOp]:
        with self.outbox.lock:
            ops = self._queued(("mint",), institutions)[:limit]
            return [self._pending(op) for op in ops]

    def queued_changes(self, institutions: frozenset[int] | None, limit: int) -> list[PendingOp]:
        with self.outbox.lock:
            ops = self._queued(_CHANGES, institutions)[:limit]
            earliest: dict[str, int] = {}
            for other in sorted(self.outbox.operations.values(), key=lambda o: o.id):
                if other.kind == "mint" or other.state not in ("queued", "submitted"):
                    continue
                target = self._target(other)
                if target is not None:
                    earliest.setdefault(target.id, other.id)
            return [self._pending(op, earliest) for op in ops]

    def _queued(
        self, kinds: Sequence[str], institutions: frozenset[int] | None
    ) -> list[MemOperation]:
        return sorted(
            (
                op
                for op in self.outbox.operations.values()
                if op.state == "queued"
                and op.kind in kinds
                and (institutions is None or op.institution_id in institutions)
            ),
            key=lambda op: op.id,
        )

    def _target(self, op: MemOperation) -> MemCredential | None:
        credential = self.outbox.credentials[op.credential_id]
        if op.kind != "supersede":
            return credential
        if credential.supersedes_id is not None:
            return self.outbox.credentials.get(credential.supersedes_id)
        old = op.payload.get("old_token_id")
        return next(
            (c for c in self.outbox.credentials.values() if c.token_id == str(old).lower()), None
        )

    def _pending(self, op: MemOperation, earliest: dict[str, int] | None = None) -> PendingOp:
        credential = self.outbox.credentials[op.credential_id]
        target = self._target(op) if op.kind != "mint" else None
        blocked = (
            earliest is not None and target is not None and earliest.get(target.id, op.id) < op.id
        )
        return PendingOp(
            id=op.id,
            kind=op.kind,
            institution_id=op.institution_id,
            credential_id=op.credential_id,
            token_id=int(credential.token_id, 16),
            recipient=credential.recipient,
            payload=dict(op.payload),
            created_at=op.created_at,
            attempts=op.attempts,
            target_token_id=int(target.token_id, 16) if target is not None else None,
            target_state=target.state if target is not None else None,
            blocked=blocked,
        )

    def has_work(self, signer: str, institutions: frozenset[int] | None) -> bool:
        with self.outbox.lock:
            return bool(
                self._queued(("mint", *_CHANGES), institutions)
                or self._select(lambda tx: tx.signer == signer and tx.state in _OPEN)
            )

    def fail_operations(self, operation_ids: Sequence[int], error: str) -> None:
        with self._write() as box:
            ops = [box.operations[i] for i in operation_ids if box.operations[i].state == "queued"]
            self._fail(ops, error)

    def commit_signed(
        self,
        signer: str,
        operation_ids: Sequence[int],
        function: str,
        sign: Callable[[int], SignedTx],
    ) -> TxRecord:
        with self._write() as box:
            state = box.signers[signer]
            ops = [box.operations.get(i) for i in operation_ids]
            if any(op is None or op.state != "queued" for op in ops):
                raise ClaimConflict(operation_ids)
            signed = sign(state.next_nonce)
            tx = MemTransaction(
                id=uuid4().hex,
                signer=signer,
                nonce=state.next_nonce,
                function=function,
                raw=signed.raw,
                tx_hash=signed.tx_hash,
                max_fee_per_gas=signed.tx.max_fee_per_gas,
                max_priority_fee_per_gas=signed.tx.max_priority_fee_per_gas,
                gas_limit=signed.tx.gas,
            )
            box.transactions[tx.id] = tx
            for op in ops:
                assert op is not None
                op.state, op.tx_id, op.attempts = "submitted", tx.id, op.attempts + 1
                self._set_state(op, "submitted", ("queued",))
            box.signers[signer] = replace(state, next_nonce=state.next_nonce + 1)
            return self._record(tx)

    # ------------------------------------------------------------------ transactions

    def operations_of(self, tx_id: str) -> list[PendingOp]:
        with self.outbox.lock:
            ops = sorted(self._ops_of(tx_id, None), key=lambda op: op.id)
            return [self._pending(op) for op in ops]

    def open_transactions(self, signer: str) -> list[TxRecord]:
        return self._select(lambda tx: tx.signer == signer and tx.state in _OPEN)

    def settled_since(self, signer: str, block_number: int) -> list[TxRecord]:
        return self._select(
            lambda tx: (
                tx.signer == signer
                and tx.state in _SETTLED
                and (tx.block_number or -1) >= block_number
            )
        )

    def _select(self, keep: Callable[[MemTransaction], bool]) -> list[TxRecord]:
        with self.outbox.lock:
            txs = sorted(
                (tx for tx in self.outbox.transactions.values() if keep(tx)), key=lambda t: t.nonce
            )
            return [self._record(tx) for tx in txs]

    def mark_sent(self, tx_id: str, at: datetime) -> None:
        with self._write() as box:
            tx = box.transactions[tx_id]
            if tx.state == "signed":
                tx.state = "sent"
            tx.sent_at = at

    def replace_signed(self, tx_id: str, signed: SignedTx) -> TxRecord:
        with self._write() as box:
            tx = box.transactions[tx_id]
            tx.previous_hashes = [*tx.previous_hashes, tx.tx_hash]
            tx.raw, tx.tx_hash, tx.state = signed.raw, signed.tx_hash, "signed"
            tx.max_fee_per_gas = signed.tx.max_fee_per_gas
            tx.max_priority_fee_per_gas = signed.tx.max_priority_fee_per_gas
            return self._record(tx)

    def record_mined(self, tx_id: str, receipt: Receipt) -> None:
        with self._write() as box:
            tx = box.transactions[tx_id]
            _take_receipt(tx, receipt)
            tx.state = "mined"

    def confirm(self, tx_id: str) -> None:
        with self._write() as box:
            box.transactions[tx_id].state = "confirmed"
            for op in self._ops_of(tx_id, ("submitted",)):
                op.state = "confirmed"
                if op.kind != "mint":
                    self._apply_change(op)
                self._set_state(op, "confirmed", ("submitted",))

    def record_reverted(
        self,
        tx_id: str,
        receipt: Receipt,
        error: str,
        fail: Sequence[int],
        requeue: Sequence[int],
    ) -> None:
        with self._write() as box:
            tx = box.transactions[tx_id]
            _take_receipt(tx, receipt)
            tx.state, tx.error = "failed", error
            ops = self._ops_of(tx_id, ("submitted",))
            self._fail([op for op in ops if op.id in set(fail)], error)
            self._requeue([op for op in ops if op.id in set(requeue)])

    def unmine(self, tx_id: str) -> None:
        with self._write() as box:
            tx = box.transactions[tx_id]
            tx.state = "sent"
            tx.block_number = tx.gas_used = tx.effective_gas_price = None
            tx.block_hash = None
            for op in self._ops_of(tx_id, ("confirmed",)):
                op.state = "submitted"
                if op.kind != "mint":
                    self._undo_change(op)
                self._set_state(op, "submitted", ("confirmed",))

    def mark_lost(self, tx_id: str, error: str) -> None:
        with self._write() as box:
            tx = box.transactions[tx_id]
            tx.state, tx.error = "lost", error
            self._requeue(self._ops_of(tx_id, ("submitted",)))

    def replace_with_noop(self, tx_id: str, filler: SignedTx, error: str) -> TxRecord:
        with self._write() as box:
            self._fail(self._ops_of(tx_id, ("submitted",)), error)
            tx = box.transactions[tx_id]
            tx.previous_hashes = [*tx.previous_hashes, tx.tx_hash]
            tx.raw, tx.tx_hash, tx.function = filler.raw, filler.tx_hash, "noop"
            tx.max_fee_per_gas = filler.tx.max_fee_per_gas
            tx.max_priority_fee_per_gas = filler.tx.max_priority_fee_per_gas
            tx.gas_limit, tx.error, tx.state = filler.tx.gas, error or tx.error, "signed"
            tx.block_number = tx.gas_used = tx.effective_gas_price = None
            tx.block_hash = None
            return self._record(tx)

    # ------------------------------------------------------------------ helpers

    def _ops_of(self, tx_id: str, states: Sequence[str] | None) -> list[MemOperation]:
        return sorted(
            (
                op
                for op in self.outbox.operations.values()
                if op.tx_id == tx_id and (states is None or op.state in states)
            ),
            key=lambda op: op.id,
        )

    def _set_state(self, op: MemOperation, state: str, from_states: Sequence[str]) -> None:
        if op.kind in _ISSUING:
            credential = self.outbox.credentials[op.credential_id]
            if credential.state in from_states:
                credential.state, credential.failure = state, None

    def _fail(self, ops: Sequence[MemOperation], error: str) -> None:
        for op in ops:
            op.state, op.error = "failed", error
            if op.kind in _ISSUING:
                credential = self.outbox.credentials[op.credential_id]
                credential.state, credential.failure = "failed", error

    def _requeue(self, ops: Sequence[MemOperation]) -> None:
        for op in ops:
            op.state, op.tx_id = "queued", None
            if op.kind in _ISSUING:
                self.outbox.credentials[op.credential_id].state = "queued"

    def _apply_change(self, op: MemOperation) -> None:
        target = self._target(op)
        if target is None:
            return
        op.payload = {
            **op.payload,
            "prior": {"status": target.status, "status_reason": target.status_reason},
        }
        if op.kind == "reinstate":
            target.status, target.status_reason = "active", None
        elif op.kind == "supersede":
            target.status, target.status_reason = "superseded", "superseded"
        else:
            status = "revoked" if op.kind == "revoke" else "suspended"
            target.status, target.status_reason = status, op.payload.get("reason")

    def _undo_change(self, op: MemOperation) -> None:
        prior = op.payload.get("prior")
        target = self._target(op)
        if isinstance(prior, dict) and target is not None:
            target.status, target.status_reason = prior["status"], prior["status_reason"]
        op.payload = {k: v for k, v in op.payload.items() if k != "prior"}

    def _record(self, tx: MemTransaction) -> TxRecord:
        linked = tuple(sorted(op.id for op in self._ops_of(tx.id, None)))
        return TxRecord(
            id=tx.id,
            signer=tx.signer,
            nonce=tx.nonce,
            function=tx.function,
            raw=tx.raw,
            tx_hash=tx.tx_hash,
            previous_hashes=tuple(tx.previous_hashes),
            max_fee_per_gas=tx.max_fee_per_gas,
            max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
            gas_limit=tx.gas_limit,
            state=tx.state,
            operation_ids=linked,
            block_number=tx.block_number,
            block_hash=tx.block_hash,
            gas_used=tx.gas_used,
            effective_gas_price=tx.effective_gas_price,
            error=tx.error,
            sent_at=tx.sent_at,
        )


def _take_receipt(tx: MemTransaction, receipt: Receipt) -> None:
    if receipt.tx_hash != tx.tx_hash:
        others = [h for h in tx.previous_hashes if h != receipt.tx_hash]
        tx.previous_hashes = [*others, tx.tx_hash]
        tx.tx_hash = receipt.tx_hash
    tx.block_number, tx.block_hash = receipt.block_number, receipt.block_hash
    tx.gas_used, tx.effective_gas_price = receipt.gas_used, receipt.effective_gas_price
