"""The verifier's and the metadata store's ports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chaincred.domain.onchain import CredentialRecord, InstitutionRecord
from chaincred.domain.possession import NonceState
from chaincred.domain.verification import JudgedBlock

__all__ = ["MetadataStore", "NonceStore", "RegistryReader"]


class RegistryReader(Protocol):
    """Read-only access to one ChainCred registry, at a chosen block.

    Every method raises ``chaincred.errors.ChainUnavailable`` when the chain cannot be read
    (down, timing out, rate-limiting, answering garbage): never a made-up answer.
    """

    contract: str

    def chain_head(self) -> tuple[int, JudgedBlock]:
        """The chain id and the latest block."""
        ...

    def block(self, number: int) -> JudgedBlock | None:
        """The canonical block at ``number``, or None if the chain is not that long."""
        ...

    def has_code(self, block: JudgedBlock) -> bool:
        """Whether the registry address holds code at ``block``."""
        ...

    def credentials(self, token_ids: Sequence[int], block: JudgedBlock) -> list[CredentialRecord]:
        """The records of ``token_ids`` at ``block``, in order (never-issued ids read as NONE)."""
        ...

    def institutions(self, ids: Sequence[int], block: JudgedBlock) -> dict[int, InstitutionRecord]:
        """The registry records of the institutions ``ids`` at ``block``."""
        ...


class NonceStore(Protocol):
    """Single-use challenge nonces for holder-possession proofs."""

    def issue(self) -> str:
        """A new random nonce, fresh until it is consumed or expires."""
        ...

    def consume(self, nonce: str) -> NonceState:
        """What the nonce was (``FRESH`` only once); it is used up afterwards."""
        ...


class MetadataStore(Protocol):
    """Content-addressed storage of public, non-personal bytes (token metadata, badge images).

    Implementations: the built-in store (files under the data directory, served at
    ``/ipfs/{cid}``), Kubo's RPC API and the IPFS Pinning Service API. Every CID a store
    returns is recomputed locally; a mismatch raises ``chaincred.errors.PinningError``.
    Never given personal claims (DESIGN.md invariant 1).
    """

    def put(self, data: bytes) -> str:
        """Store and pin ``data``; return its CIDv1 (raw codec, sha2-256, base32 ``b…``)."""
        ...

    def get(self, cid: str) -> bytes:
        """The bytes of ``cid``; ``chaincred.errors.ContentNotFound`` if the store lacks them."""
        ...

    def has(self, cid: str) -> bool:
        """Whether the store holds (and pins) ``cid``."""
        ...

    def health(self) -> str:
        """A short description of the store's state; raises ``PinningError`` if unusable."""
        ...
