"""Domain scalars as distinct types (like web3's ``Wei``), so a digest is never passed where a
salt or a commitment is expected without the type checker noticing."""

from __future__ import annotations

from typing import NewType

__all__ = ["Cid", "Commitment", "Digest", "Salt", "TokenId", "TokenUri"]

Digest = NewType("Digest", bytes)
"""SHA-256 of the canonical bytes of a credential's public part: exactly 32 bytes."""

TokenId = NewType("TokenId", int)
"""The ERC-721 token id: the digest read as a big-endian uint256."""

Salt = NewType("Salt", bytes)
"""A fresh random salt for one personal claim: exactly 16 bytes (128 bits)."""

Commitment = NewType("Commitment", bytes)
"""SHA-256 of ``salt || canonical([name, value])``: exactly 32 bytes."""

Cid = NewType("Cid", str)
"""A CIDv1 (raw codec, sha2-256) in multibase base32 lower case: ``b`` + 58 characters."""

TokenUri = NewType("TokenUri", str)
"""``ipfs://`` + the CID of the digest."""
