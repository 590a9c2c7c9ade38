"""What anyone may read without a key: the metadata and badge a token URI resolves to, and
any block of the metadata store by its CID. Everything comes from the store, whose content
is public by construction (only public parts and badges are ever put into it)."""

from __future__ import annotations

import json
import re

from chaincred.domain import InvalidDigest, cid_of, cid_of_bytes, digest_from_token_id
from chaincred.errors import ContentNotFound, PinningError
from chaincred.ports import MetadataStore
from chaincred.services.errors import InvalidIdentifier

__all__ = ["block", "parse_token_id", "token_image", "token_metadata"]

_CID = re.compile(r"^b[a-z2-7]{58}$")


def parse_token_id(text: str) -> int:
    """A token id written as ``0x`` + hex digits or in decimal."""
    try:
        value = int(text, 16) if text[:2] in ("0x", "0X") else int(text, 10)
        digest_from_token_id(value)
    except (ValueError, InvalidDigest):
        raise InvalidIdentifier(
            f"{text[:80]!r} is not a token id (0x-hex or decimal uint256)"
        ) from None
    return value


def token_metadata(token_id: int, *, store: MetadataStore) -> bytes:
    """The ERC-721 metadata of a token: the canonical bytes of its public part."""
    return store.get(cid_of(digest_from_token_id(token_id)))


def token_image(token_id: int, *, store: MetadataStore) -> bytes:
    """The badge image the token's metadata names."""
    metadata = token_metadata(token_id, store=store)
    try:
        parsed = json.loads(metadata)
    except ValueError:
        parsed = None
    image = parsed.get("image") if isinstance(parsed, dict) else None
    cid = image.removeprefix("ipfs://") if isinstance(image, str) else ""
    if not _CID.match(cid):
        raise ContentNotFound(f"{cid_of(digest_from_token_id(token_id))} (image)")
    return block(cid, store=store)


def block(cid: str, *, store: MetadataStore) -> bytes:
    """The bytes of a CIDv1 (raw, sha2-256) block, checked against the CID."""
    if not _CID.match(cid):
        raise InvalidIdentifier(f"{cid[:80]!r} is not a CIDv1 (raw codec, sha2-256, base32)")
    data = store.get(cid)
    if cid_of_bytes(data) != cid:
        raise PinningError(f"the metadata store answered other content for {cid}")
    return data
