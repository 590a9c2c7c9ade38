"""The ports: what the services need from the outside world, as Protocols.

Adapters implement them; services take them as keyword-only arguments. Each port's
conformance suite runs against the fake and the real adapter (tests/adapters/). One module per
area; this package re-exports them all.
"""

from chaincred.ports.indexing import (
    CredentialChange,
    CredentialIndex,
    EventSource,
    RegistryEvent,
)
from chaincred.ports.issuer import (
    BalanceReader,
    IssuerRepository,
    IssuerTransaction,
    StorageConflict,
    StorageUnavailable,
)
from chaincred.ports.pipeline import (
    BlockRef,
    ChainSender,
    ClaimConflict,
    Fees,
    LedgerUnavailable,
    OutboxLedger,
    PendingOp,
    Receipt,
    SendOutcome,
    SignedTx,
    SignerState,
    TxRecord,
    TxRejected,
    UnsignedTx,
)
from chaincred.ports.verification import MetadataStore, NonceStore, RegistryReader

__all__ = [
    "BalanceReader",
    "BlockRef",
    "ChainSender",
    "ClaimConflict",
    "CredentialChange",
    "CredentialIndex",
    "EventSource",
    "Fees",
    "IssuerRepository",
    "IssuerTransaction",
    "LedgerUnavailable",
    "MetadataStore",
    "NonceStore",
    "OutboxLedger",
    "PendingOp",
    "Receipt",
    "RegistryEvent",
    "RegistryReader",
    "SendOutcome",
    "SignedTx",
    "SignerState",
    "StorageConflict",
    "StorageUnavailable",
    "TxRecord",
    "TxRejected",
    "UnsignedTx",
]
