"""The hand-written decoder of ``credentials(uint256[])`` agrees with eth_abi and refuses junk."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from chaincred.adapters.chain.rows import credential_from_row, decode_credentials

_TUPLE = "(address,uint24,uint32,uint32,uint8,uint8,uint8,uint256)"

_rows = st.lists(
    st.tuples(
        st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b)),
        st.integers(0, 2**24 - 1),
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**32 - 1),
        st.integers(0, 5),
        st.integers(0, 6),
        st.integers(0, 3),
        st.integers(0, 2**256 - 1),
    ),
    max_size=5,
)


@given(_rows)
def test_decoder_matches_eth_abi(rows: list[tuple[object, ...]]) -> None:
    data = encode([f"{_TUPLE}[]"], [rows])
    ids = list(range(1, len(rows) + 1))
    assert decode_credentials(ids, data) == [
        credential_from_row(t, r) for t, r in zip(ids, rows, strict=True)
    ]


def test_wrong_length_wider_fields_and_bad_enums_are_refused() -> None:
    row = ("0x" + "11" * 20, 1, 2, 3, 1, 0, 1, 5)
    good = encode([f"{_TUPLE}[]"], [[row]])
    with pytest.raises(ValueError, match="bytes for 2 credentials"):
        decode_credentials([1, 2], good)
    wide = bytearray(good)
    wide[2 * 32 + 32 + 3] = 1  # a bit above the uint24 institution id
    with pytest.raises(ValueError, match="wider than its type"):
        decode_credentials([1], bytes(wide))
    with pytest.raises(ValueError, match="is not a valid Status"):
        decode_credentials([1], encode([f"{_TUPLE}[]"], [[(*row[:4], 7, *row[5:])]]))
