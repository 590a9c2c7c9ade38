"""Digest, token id, CID and token URI: the faces of the one digest."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaincred.domain import (
    Digest,
    InvalidDigest,
    cid_of,
    cid_of_bytes,
    digest_from_hex,
    digest_from_token_id,
    digest_hex,
    digest_of,
    token_id_of,
    token_uri_of,
)

_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def solidity_style_cid(digest: bytes) -> str:
    """A transcription of contracts/lib/CidV1.sol's loop: an independent second encoder."""
    data = bytes((0x01, 0x55, 0x12, 0x20)) + digest
    out = "b"
    for i in range(58):
        bit = i * 5
        index = bit >> 3
        window = data[index] << 8
        if index + 1 < 36:
            window |= data[index + 1]
        out += _ALPHABET[(window >> (11 - (bit & 7))) & 31]
    return out


def test_cid_of_the_empty_block_is_the_well_known_one() -> None:
    # The raw-leaf CIDv1 of zero bytes, as `ipfs add --cid-version 1 --raw-leaves` prints it.
    assert cid_of_bytes(b"") == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def test_digest_of_hashes_the_canonical_bytes() -> None:
    expected = hashlib.sha256(b'{"a":[1,"x"],"b":null}').digest()
    assert digest_of({"b": None, "a": [1, "x"]}) == expected


@given(st.binary(min_size=32, max_size=32))
def test_cid_matches_the_contracts_encoder(raw: bytes) -> None:
    digest = Digest(raw)
    cid = cid_of(digest)
    assert cid == solidity_style_cid(raw)
    assert len(cid) == 59 and cid.startswith("bafkrei")
    assert set(cid[1:]) <= set(_ALPHABET)
    assert token_uri_of(digest) == "ipfs://" + cid


@given(st.binary(min_size=32, max_size=32))
def test_token_id_is_the_big_endian_digest_and_round_trips(raw: bytes) -> None:
    token_id = token_id_of(Digest(raw))
    assert token_id == int(raw.hex(), 16)
    assert digest_from_token_id(token_id) == raw
    assert digest_from_hex(digest_hex(Digest(raw))) == raw


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33])
def test_digests_must_be_32_bytes(bad: bytes) -> None:
    with pytest.raises(InvalidDigest, match="a digest is 32 bytes"):
        cid_of(Digest(bad))
    with pytest.raises(InvalidDigest):
        token_id_of(Digest(bad))


@pytest.mark.parametrize("bad", [-1, 2**256, True])
def test_token_ids_must_be_uint256(bad: int) -> None:
    with pytest.raises(InvalidDigest, match="is not a uint256"):
        digest_from_token_id(bad)


@pytest.mark.parametrize("bad", ["", "0x", "ab" * 32, "0x" + "ab" * 31, "0x" + "zz" * 32])
def test_digest_hex_must_be_0x_and_64_digits(bad: str) -> None:
    with pytest.raises(InvalidDigest, match="is not 0x followed by 64 hex digits"):
        digest_from_hex(bad)


def test_digest_from_hex_accepts_upper_case() -> None:
    assert digest_from_hex("0X" + "AB" * 32) == b"\xab" * 32
