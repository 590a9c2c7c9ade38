"""EIP-55 checksummed addresses, at the speed bulk verification needs.

Every document names its recipient and every on-chain record its owner, each a different
address, so nothing can be remembered: ``eth_utils``' checksum (the default pycryptodome
Keccak behind a Python loop over the 40 digits) was about a tenth of verifying a document.
Here the Keccak is safe-pysha3's C implementation and the case of the 40 digits is set with
integer arithmetic on their ASCII bytes. A property test holds both functions to
``eth_utils``.
"""

from __future__ import annotations

import functools
import re

from sha3 import keccak_256

__all__ = ["checksum_address", "is_checksum_address"]

_HEX40 = re.compile(r"[0-9a-fA-F]{40}", re.ASCII)

# A hash digit from 8 up asks for an upper-case letter at its position (EIP-55): 0x20 there,
# the bit that tells "a" (0x61) from "A" (0x41).
_CASE_BIT = bytes.maketrans(b"0123456789abcdef", b"\x00" * 8 + b"\x20" * 8)
_BIT_5 = int.from_bytes(b"\x20" * 40, "big")


@functools.lru_cache(maxsize=16_384)  # a bulk meets each recipient twice: document, chain
def checksum_address(address: int) -> str:
    """The EIP-55 form (``0x`` and 40 mixed-case hex digits) of a 160-bit address."""
    digits = f"{address:040x}".encode("ascii")
    wanted = int.from_bytes(keccak_256(digits).hexdigest()[:40].encode().translate(_CASE_BIT))
    text = int.from_bytes(digits, "big")
    # The letters a-f have bit 6 set (0x61-0x66) and the digits 0-9 do not (0x30-0x39):
    # shifted to bit 5, it limits the case change to letters.
    letters = (text >> 1) & _BIT_5
    return "0x" + (text ^ (wanted & letters)).to_bytes(40, "big").decode("ascii")


def is_checksum_address(value: str) -> bool:
    """Whether ``value`` is ``0x`` and 40 hex digits in exactly their EIP-55 case."""
    if len(value) != 42 or not value.startswith("0x") or not _HEX40.fullmatch(value, 2):
        return False
    return checksum_address(int(value, 16)) == value
