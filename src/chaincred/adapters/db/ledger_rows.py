"""Rows of the outbox tables as the pipeline port's values, and the small rules that write
them (a receipt into a transaction row, what a lifecycle operation makes of a status)."""

from __future__ import annotations

from datetime import UTC, datetime

from chaincred.adapters.db.models import CredentialRow, OperationRow, TransactionRow, utcnow
from chaincred.ports.pipeline import PendingOp, Receipt, TxRecord

__all__ = ["aware", "pending_of", "record_of", "status_after", "take_receipt", "token_int"]


def aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_int(token_id: str) -> int:
    return int(token_id, 16)


def status_after(op: OperationRow) -> tuple[str, str | None]:
    if op.kind == "reinstate":
        return "active", None
    if op.kind == "supersede":
        return "superseded", "superseded"
    return ("revoked" if op.kind == "revoke" else "suspended"), op.payload.get("reason")


def take_receipt(tx: TransactionRow, receipt: Receipt) -> None:
    if receipt.tx_hash != tx.tx_hash:
        # An earlier version mined: it becomes the hash of record, the newest joins the rest.
        others = [h for h in tx.previous_hashes if h != receipt.tx_hash]
        tx.previous_hashes = [*others, tx.tx_hash]
        tx.tx_hash = receipt.tx_hash
    tx.block_number, tx.block_hash = receipt.block_number, receipt.block_hash
    tx.gas_used, tx.effective_gas_price = receipt.gas_used, receipt.effective_gas_price
    tx.updated_at = utcnow()


def pending_of(
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
        created_at=aware(op.created_at),
        attempts=op.attempts,
        target_token_id=token_int(target.token_id) if target is not None else None,
        target_state=target.state if target is not None else None,
        blocked=blocked,
    )


def record_of(tx: TransactionRow, operation_ids: tuple[int, ...]) -> TxRecord:
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
        sent_at=aware(tx.sent_at) if tx.sent_at else None,
    )
