"""CID checks shared by the pinning adapters: every CID a store hands back is recomputed here."""

from __future__ import annotations

import base64
import binascii
import re

from chaincred.domain import Cid, Digest, cid_of, cid_of_bytes
from chaincred.errors import PinningError

__all__ = ["MAX_RAW_BLOCK", "expect_cid", "is_raw_cid"]

#: The most bytes Kubo's default chunker (size-262144) keeps in one raw leaf; more becomes a
#: dag-pb root whose CID is not the SHA-256 of the bytes (and so not the token's CID).
MAX_RAW_BLOCK = 262_144

_RAW_SHA256_PREFIX = bytes((0x01, 0x55, 0x12, 0x20))
_CID_TEXT = re.compile(r"b[a-z2-7]{58}")


def is_raw_cid(text: str) -> bool:
    """Whether ``text`` is a CIDv1 (raw, sha2-256) in the one string form chaincred uses."""
    if not isinstance(text, str) or _CID_TEXT.fullmatch(text) is None:
        return False
    try:
        raw = base64.b32decode(text[1:].upper() + "======")
    except binascii.Error:
        return False
    # Re-encoding rejects the strings whose unused trailing bits are not zero.
    return raw[:4] == _RAW_SHA256_PREFIX and cid_of(Digest(raw[4:])) == text


def expect_cid(data: bytes, returned: object, source: str) -> Cid:
    """The locally computed CID of ``data``; ``PinningError`` if ``source`` returned another."""
    expected = cid_of_bytes(data)
    if returned != expected:
        raise PinningError(
            f"{source} returned CID {returned!r} for bytes whose CID is {expected} "
            "(CIDv1, raw, sha2-256): refusing a content address that does not match the content"
        )
    return expected
