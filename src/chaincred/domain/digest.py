"""The one digest that ties a credential together (DESIGN invariant 2), and its other faces:
the ERC-721 token id, the IPFS CID and the token URI.

The contract derives the token URI from the id alone (contracts/lib/CidV1.sol), so these
functions must agree with it byte for byte; the golden vectors in tests/data pin both.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from chaincred.domain.canonical import canonical_bytes
from chaincred.domain.errors import InvalidDigest
from chaincred.domain.types import Cid, Digest, TokenId, TokenUri

__all__ = [
    "cid_of",
    "cid_of_bytes",
    "digest_from_hex",
    "digest_from_token_id",
    "digest_hex",
    "digest_of",
    "sha256_digest",
    "token_id_of",
    "token_uri_of",
]

# CIDv1 = <version 1><multicodec raw 0x55><multihash sha2-256 0x12><length 32> || digest
# (https://github.com/multiformats/cid); the string form is multibase "b" + RFC 4648 base32,
# lower case, unpadded.
_CID_PREFIX = bytes((0x01, 0x55, 0x12, 0x20))
_UINT256_MAX = 2**256 - 1


def digest_of(public_part: Mapping[str, object]) -> Digest:
    """SHA-256 of the RFC 8785 canonical bytes of a credential's public part (32 bytes).

    Raises :class:`~chaincred.domain.errors.NotCanonicalizable` for input that has no
    canonical form (see :mod:`chaincred.domain.canonical`).
    """
    return sha256_digest(canonical_bytes(public_part))


def sha256_digest(data: bytes) -> Digest:
    """SHA-256 of raw bytes, typed as a :data:`Digest`."""
    return Digest(hashlib.sha256(data).digest())


def token_id_of(digest: Digest) -> TokenId:
    """The ERC-721 token id of ``digest``: the digest as a big-endian uint256."""
    return TokenId(int.from_bytes(_checked(digest), "big"))


def digest_from_token_id(token_id: int) -> Digest:
    """The inverse of :func:`token_id_of`."""
    if isinstance(token_id, bool) or not 0 <= token_id <= _UINT256_MAX:
        raise InvalidDigest(f"token id {token_id!r} is not a uint256")
    return Digest(token_id.to_bytes(32, "big"))


def cid_of(digest: Digest) -> Cid:
    """The CIDv1 (raw, sha2-256, base32 lower case, ``b`` prefix; 59 characters) of the block
    whose SHA-256 is ``digest``."""
    encoded = base64.b32encode(_CID_PREFIX + _checked(digest)).decode("ascii")
    return Cid("b" + encoded.lower().rstrip("="))


def cid_of_bytes(data: bytes) -> Cid:
    """The CIDv1 of a raw block (for instance the SVG badge)."""
    return cid_of(sha256_digest(data))


def token_uri_of(digest: Digest) -> TokenUri:
    """``ipfs://<cid>``: what the contract's ``tokenURI`` returns for this digest."""
    return TokenUri("ipfs://" + cid_of(digest))


def digest_hex(digest: Digest) -> str:
    """``0x`` + 64 lower-case hex digits (the form used in documents and vectors)."""
    return "0x" + _checked(digest).hex()


def digest_from_hex(text: str) -> Digest:
    """Parse ``0x`` + 64 hex digits (either case) into a digest."""
    body = text[2:] if text[:2] in ("0x", "0X") else None
    if body is None or len(body) != 64:
        raise InvalidDigest(f"{text!r} is not 0x followed by 64 hex digits")
    try:
        return Digest(bytes.fromhex(body))
    except ValueError:
        raise InvalidDigest(f"{text!r} is not 0x followed by 64 hex digits") from None


def _checked(digest: bytes) -> bytes:
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise InvalidDigest(f"a digest is 32 bytes, got {digest!r}")
    return digest
