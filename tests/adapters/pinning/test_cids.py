"""The CID checks the pinning adapters share."""

from __future__ import annotations

import pytest

from chaincred.adapters.pinning._cids import expect_cid, is_raw_cid
from chaincred.domain import cid_of_bytes
from chaincred.errors import PinningError

HELLO = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"  # raw CIDv1 of b"hello"


def test_the_raw_cid_of_some_bytes_is_accepted() -> None:
    assert cid_of_bytes(b"hello") == HELLO
    assert is_raw_cid(HELLO) is True


@pytest.mark.parametrize(
    "text",
    [
        "QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX",  # CIDv0 (dag-pb) of "hello"
        "bafybeidxx2qn5gxbrisuvqwpbftsqabsxhhgfqvtcrswt4zkbohn5sfvue",  # CIDv1 dag-pb
        HELLO.upper(),
        "B" + HELLO[1:],
        HELLO[:-1],
        HELLO + "a",
        HELLO[:-1] + "r",  # same length, non-zero unused trailing bits
        "bafkqaaa",  # identity hash
        "",
    ],
)
def test_other_cids_and_strings_are_refused(text: str) -> None:
    assert is_raw_cid(text) is False


def test_expect_cid_names_both_cids_on_a_mismatch() -> None:
    assert expect_cid(b"hello", HELLO, "the store") == HELLO
    with pytest.raises(PinningError, match=f"the store returned CID 'bafx' .* CID is {HELLO}"):
        expect_cid(b"hello", "bafx", "the store")
