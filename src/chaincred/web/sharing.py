"""Share links: a credential document carried in the verifier page's URL.

A learner's share link is ``/verify?doc=<text>`` where ``text`` is the document's JSON bytes,
deflated (zlib) and base64url-encoded without padding. The link holds the document itself
(the public part and only the claims the learner chose to disclose), so nothing is stored on
any server and the link works on any chaincred verifier. Pages send ``Referrer-Policy:
no-referrer`` so the link does not leak to other sites.
"""

from __future__ import annotations

import base64
import binascii
import zlib

__all__ = ["MAX_SHARED_BYTES", "ShareLinkError", "decode_share", "encode_share"]

#: A shared document inflates to at most this many bytes (a guard against deflate bombs).
MAX_SHARED_BYTES = 256 * 1024


class ShareLinkError(ValueError):
    """The ``doc`` parameter is not a chaincred share link (says what is wrong with it)."""


def encode_share(document: bytes) -> str:
    """The URL-safe text of ``document`` (its JSON bytes)."""
    packed = zlib.compress(document, level=9)
    return base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_share(text: str) -> bytes:
    """The document bytes of a share link's ``doc`` text."""
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ShareLinkError("the share link is damaged: its text is not base64url") from exc
    inflater = zlib.decompressobj()
    try:
        document = inflater.decompress(packed, MAX_SHARED_BYTES)
    except zlib.error as exc:
        raise ShareLinkError("the share link is damaged: its data does not inflate") from exc
    if inflater.unconsumed_tail:
        raise ShareLinkError(f"the shared document is larger than {MAX_SHARED_BYTES:,} bytes")
    if not inflater.eof:
        raise ShareLinkError("the share link is cut short: copy the whole link")
    return document
