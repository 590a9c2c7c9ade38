"""The transaction pipeline's ports: the outbox ledger (the database) and the chain sender.

The signer worker (``chaincred.services.pipeline``) drains the outbox through these two
Protocols only. The values they exchange are plain frozen dataclasses defined here.

States (DESIGN.md invariant 5, "nothing lost"):

- an operation: ``queued → submitted → confirmed | failed``; a submitted operation goes back
  to ``queued`` when its transaction is lost (its nonce was taken by another transaction) or
  when a reverted batch blames another item; a confirmed one goes back to ``submitted`` when a
  reorg removes its block.
- a transaction: ``signed → sent → mined → confirmed``, or ``failed`` (mined, reverted) or
  ``lost`` (its nonce was used by a transaction that is none of its versions); a reorg moves
  ``mined``/``confirmed`` back to ``sent``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from chaincred.errors import ChainCredError, ChainError

__all__ = [
    "BlockRef",
    "ChainSender",
    "ClaimConflict",
    "Fees",
    "LedgerUnavailable",
    "OutboxLedger",
    "PendingOp",
    "Receipt",
    "SendOutcome",
    "SignedTx",
    "SignerState",
    "TxRecord",
    "TxRejected",
    "UnsignedTx",
]

#: Operation kinds the API writes into the outbox.
MINT = "mint"
LIFECYCLE_KINDS = ("revoke", "suspend", "reinstate", "supersede")


class ClaimConflict(ChainCredError):
    """Some operations of a claim were no longer queued (another worker took them)."""

    def __init__(self, operation_ids: Sequence[int]) -> None:
        super().__init__(f"operations {list(operation_ids)} are no longer queued")
        self.operation_ids = tuple(operation_ids)


class LedgerUnavailable(ChainCredError, ConnectionError):
    """The database did not answer (down, locked for too long); retrying later is safe."""

    def __init__(self, cause: str) -> None:
        super().__init__(f"the database is unavailable: {cause}")
        self.cause = cause


class TxRejected(ChainError):
    """The node refused a transaction for a reason that resending will not cure."""

    def __init__(self, message: str) -> None:
        super().__init__(f"the node refused the transaction: {message}")
        self.message = message


@dataclass(frozen=True)
class PendingOp:
    """A queued operation with what the worker needs to encode it.

    ``target_state`` is the pipeline state of the credential a lifecycle operation acts on
    (for ``supersede``: the old credential), and ``blocked`` tells that an earlier operation
    on that credential is not final yet: lifecycle operations wait for both.
    """

    id: int
    kind: str
    institution_id: int
    credential_id: str
    token_id: int
    recipient: str
    payload: Mapping[str, Any]
    created_at: datetime
    attempts: int = 0
    target_token_id: int | None = None
    target_state: str | None = None
    blocked: bool = False


@dataclass(frozen=True)
class UnsignedTx:
    """An EIP-1559 transaction to sign (``to`` None would deploy; the pipeline never does)."""

    chain_id: int
    nonce: int
    to: str
    data: bytes
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    value: int = 0


@dataclass(frozen=True)
class SignedTx:
    tx: UnsignedTx
    raw: bytes
    tx_hash: str


@dataclass(frozen=True)
class TxRecord:
    """A row of ``transactions``: the latest signed version and the hashes of earlier ones."""

    id: str
    signer: str
    nonce: int
    function: str
    raw: bytes
    tx_hash: str
    previous_hashes: tuple[str, ...]
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    gas_limit: int
    state: str
    operation_ids: tuple[int, ...] = ()
    block_number: int | None = None
    block_hash: str | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    error: str | None = None
    sent_at: datetime | None = None

    @property
    def hashes(self) -> tuple[str, ...]:
        """Every version's hash, newest first: any of them may be the one that mines."""
        return (self.tx_hash, *reversed(self.previous_hashes))


@dataclass(frozen=True)
class SignerState:
    address: str
    next_nonce: int
    parked_reason: str | None = None


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    block_number: int
    block_hash: str
    succeeded: bool
    gas_used: int
    effective_gas_price: int


@dataclass(frozen=True)
class BlockRef:
    number: int
    hash: str


@dataclass(frozen=True)
class Fees:
    """What a new transaction should offer now: base fee of the head block and a tip."""

    base_fee: int
    priority_fee: int

    @property
    def max_fee(self) -> int:
        # Twice the base fee survives six full blocks of +12.5% before the offer falls short.
        return 2 * self.base_fee + self.priority_fee


class SendOutcome(Enum):
    """How a node answered ``eth_sendRawTransaction``; anything else raises."""

    ACCEPTED = "accepted"
    KNOWN = "known"  # the node already has these bytes
    NONCE_TOO_LOW = "nonce_too_low"  # the nonce is used: mined, by this or another version
    UNDERPRICED = "underpriced"  # below the base fee, or not enough above a pending version
    INSUFFICIENT_FUNDS = "insufficient_funds"


class OutboxLedger(Protocol):
    """The outbox and the signer's ledger in the database.

    Every method is one database transaction. Implementations: ``SqlOutboxLedger`` (SQLite,
    PostgreSQL) and ``MemoryOutboxLedger``; tests/adapters/db/test_ledger_conformance.py holds
    them to the same behaviour.
    """

    # ---- the signing key

    def acquire_signer(self, address: str) -> bool:
        """Try to become the only worker signing for ``address`` (PostgreSQL: an advisory
        lock held by a connection of this ledger; SQLite: a lock file next to the database).
        False if another worker holds it. Released by :meth:`release_signer` or by the
        process dying."""
        ...

    def release_signer(self, address: str) -> None: ...

    def holds_signer(self, address: str) -> bool:
        """Whether the lock taken by :meth:`acquire_signer` is still held (its connection
        may have died)."""
        ...

    def ensure_signer(self, address: str, chain_nonce: int) -> SignerState:
        """The signer's row, created at ``chain_nonce``; a counter below ``chain_nonce`` (the
        key was used elsewhere, or the database was restored) is raised to it."""
        ...

    def park(self, address: str, reason: str) -> None:
        """Stop issuing new transactions for ``address`` until :meth:`unpark`."""
        ...

    def unpark(self, address: str) -> None: ...

    # ---- the outbox

    def queued_mints(self, institutions: frozenset[int] | None, limit: int) -> list[PendingOp]:
        """Queued mints, oldest first (of ``institutions`` only, unless None)."""
        ...

    def queued_changes(self, institutions: frozenset[int] | None, limit: int) -> list[PendingOp]:
        """Queued lifecycle operations, oldest first, with ``target_state`` and ``blocked``."""
        ...

    def has_work(self, signer: str, institutions: frozenset[int] | None) -> bool:
        """Whether ``signer`` has open transactions or ``institutions`` queued operations,
        read in one snapshot (two reads could each miss an operation moving between them)."""
        ...

    def fail_operations(self, operation_ids: Sequence[int], error: str) -> None:
        """Queued operations become ``failed`` with ``error``; the credential of a mint or a
        supersede becomes ``failed`` with ``failure``. Never retried."""
        ...

    def commit_signed(
        self,
        signer: str,
        operation_ids: Sequence[int],
        function: str,
        sign: Callable[[int], SignedTx],
    ) -> TxRecord:
        """Atomically: take the signer's next nonce, call ``sign(nonce)``, store the signed
        transaction (state ``signed``), move the operations to ``submitted`` linked to it
        (their credentials too, for mints and supersedes) and advance the counter.

        Raises :class:`ClaimConflict` (and changes nothing) if an operation is not queued.
        """
        ...

    # ---- transactions

    def operations_of(self, tx_id: str) -> list[PendingOp]:
        """The operations linked to a transaction, by id (for blaming a reverted batch)."""
        ...

    def open_transactions(self, signer: str) -> list[TxRecord]:
        """``signed``, ``sent`` and ``mined`` transactions of ``signer``, by nonce."""
        ...

    def settled_since(self, signer: str, block_number: int) -> list[TxRecord]:
        """``confirmed`` and ``failed`` transactions mined at or after ``block_number``: the
        ones a reorg could still undo."""
        ...

    def mark_sent(self, tx_id: str, at: datetime) -> None: ...

    def replace_signed(self, tx_id: str, signed: SignedTx) -> TxRecord:
        """A new version of the transaction (same nonce: a fee bump or a re-sign after a
        reorg) replaces the stored one, whose hash joins ``previous_hashes``; state
        ``signed`` until sent."""
        ...

    def record_mined(self, tx_id: str, receipt: Receipt) -> None:
        """The receipt of a successful version: block, gas, price; state ``mined`` and the
        mined version's hash becomes ``tx_hash``."""
        ...

    def confirm(self, tx_id: str) -> None:
        """A mined transaction reached the confirmation depth: it and its operations become
        ``confirmed``; mints' and supersedes' credentials become ``confirmed``; lifecycle
        operations set the credential's ``status`` and ``status_reason``."""
        ...

    def record_reverted(
        self,
        tx_id: str,
        receipt: Receipt,
        error: str,
        fail: Sequence[int],
        requeue: Sequence[int],
    ) -> None:
        """A version mined and reverted: the transaction is ``failed`` with ``error``; the
        operations in ``fail`` fail with it, those in ``requeue`` go back to the queue."""
        ...

    def unmine(self, tx_id: str) -> None:
        """A reorg removed the block of a mined, confirmed or failed transaction: back to
        ``sent``, block fields cleared; confirmed operations go back to ``submitted`` (and
        what confirming wrote to their credentials is undone)."""
        ...

    def mark_lost(self, tx_id: str, error: str) -> None:
        """The nonce was used by a transaction that is none of this one's versions: the
        transaction is ``lost``; its operations go back to the queue."""
        ...

    def replace_with_noop(self, tx_id: str, filler: SignedTx, error: str) -> TxRecord:
        """Keep the transaction's nonce with ``filler`` (a 0-value transfer to oneself signed
        at the same nonce; function ``noop``, state ``signed``) when its call must not go out:
        the node refused it for good, or a reorg undid a reverted one. Operations still
        ``submitted`` fail with ``error``."""
        ...


class ChainSender(Protocol):
    """The chain as the signer worker sees it: one signing account and one registry.

    Every method raises ``chaincred.errors.ChainUnavailable`` when the node does not answer
    usefully; the worker retries those with backoff.
    """

    @property
    def address(self) -> str:
        """The signing account."""
        ...

    @property
    def contract(self) -> str:
        """The registry the calls go to."""
        ...

    @property
    def chain_id(self) -> int: ...

    @property
    def gas_cap(self) -> int:
        """Most gas one transaction may use (EIP-7825: 2^24)."""
        ...

    def encode(self, function: str, *args: Any) -> bytes:
        """Calldata of the registry's ``function(*args)``."""
        ...

    def institution(self) -> int:
        """The institution the account signs for in the registry now (0: none)."""
        ...

    def estimate(self, data: bytes) -> int:
        """Gas the registry call needs now; a revert raises the decoded ``ContractReverted``."""
        ...

    def replay(self, data: bytes, block_number: int) -> Exception | None:
        """Why ``data`` reverted in ``block_number``: the decoded ``ContractReverted`` of a
        call at the state before it, or None when it no longer reverts there."""
        ...

    def sign(self, tx: UnsignedTx) -> SignedTx: ...

    def decode(self, raw: bytes) -> UnsignedTx:
        """The fields of a signed transaction (to sign a new version of it)."""
        ...

    def send(self, raw: bytes) -> SendOutcome:
        """Broadcast; a refusal that is none of ``SendOutcome`` raises ``TxRejected``."""
        ...

    def receipt(self, tx_hash: str) -> Receipt | None: ...

    def is_known(self, tx_hash: str) -> bool:
        """Whether the node has the transaction (pending or mined)."""
        ...

    def head(self) -> BlockRef: ...

    def block_hash(self, number: int) -> str | None:
        """The canonical block hash at ``number``, None beyond the head."""
        ...

    def nonce(self) -> int:
        """Transactions of the account in the latest block (its next mined nonce)."""
        ...

    def balance(self) -> int: ...

    def fees(self) -> Fees: ...
