"""Share links carry the document itself, deflated and base64url-encoded."""

from __future__ import annotations

import base64
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaincred.web.sharing import MAX_SHARED_BYTES, ShareLinkError, decode_share, encode_share


@given(st.binary(max_size=4096))
def test_a_document_round_trips_through_its_link_text(document: bytes) -> None:
    text = encode_share(document)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_share(text) == document


def test_damaged_links_say_what_is_wrong() -> None:
    with pytest.raises(ShareLinkError, match="not base64url"):
        decode_share("a")
    with pytest.raises(ShareLinkError, match="does not inflate"):
        decode_share(base64.urlsafe_b64encode(b"not deflate").decode())
    with pytest.raises(ShareLinkError, match="cut short"):
        decode_share(encode_share(b"{" + b'"k": "v", ' * 50 + b"}")[:-8])


def test_a_deflate_bomb_is_refused_before_it_inflates() -> None:
    bomb = base64.urlsafe_b64encode(zlib.compress(b"\0" * (MAX_SHARED_BYTES + 1))).decode()
    with pytest.raises(ShareLinkError, match="larger than"):
        decode_share(bomb)
    assert len(decode_share(encode_share(b"\0" * MAX_SHARED_BYTES))) == MAX_SHARED_BYTES
