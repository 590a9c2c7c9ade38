"""ERC-165 supportsInterface, with the ids derived here from the standards' function selectors."""

from __future__ import annotations

from functools import reduce

import pytest
from eth_utils import function_signature_to_4byte_selector

from tests.contracts.conftest import Registry
from tests.contracts.support import view

pytestmark = pytest.mark.chain


def interface_id(*signatures: str) -> bytes:
    """ERC-165: the XOR of the interface's function selectors."""
    selectors = [int.from_bytes(function_signature_to_4byte_selector(s), "big") for s in signatures]
    return reduce(lambda a, b: a ^ b, selectors).to_bytes(4, "big")


ERC721 = (
    "balanceOf(address)",
    "ownerOf(uint256)",
    "safeTransferFrom(address,address,uint256,bytes)",
    "safeTransferFrom(address,address,uint256)",
    "transferFrom(address,address,uint256)",
    "approve(address,uint256)",
    "setApprovalForAll(address,bool)",
    "getApproved(uint256)",
    "isApprovedForAll(address,address)",
)

SUPPORTED = {
    "ERC-165": ("01ffc9a7", ("supportsInterface(bytes4)",)),
    "ERC-721": ("80ac58cd", ERC721),
    "ERC-721 Metadata": ("5b5e139f", ("name()", "symbol()", "tokenURI(uint256)")),
    "ERC-5192": ("b45a3c0e", ("locked(uint256)",)),
    "ERC-5484": ("0489b56f", ("burnAuth(uint256)",)),
    # ERC-4906 declares only events; the standard fixes its id to 0x49064906.
    "ERC-4906": ("49064906", ()),
}


@pytest.mark.parametrize("standard", list(SUPPORTED))
def test_the_published_ids_match_their_selectors(standard: str) -> None:
    published, signatures = SUPPORTED[standard]
    if signatures:
        assert interface_id(*signatures).hex() == published


@pytest.mark.parametrize("standard", list(SUPPORTED))
def test_supported_interfaces(registry: Registry, standard: str) -> None:
    published, _ = SUPPORTED[standard]
    assert view(registry, "supportsInterface", bytes.fromhex(published)) is True


@pytest.mark.parametrize(
    "interface",
    [
        "ffffffff",  # ERC-165 requires false for the invalid id
        "00000000",
        "deadbeef",
        "780e9d63",  # ERC-721 Enumerable: not implemented
        "150b7a02",  # ERC-721 receiver: not implemented
        "7f5828d0",  # ERC-173 ownership: not claimed
        interface_id("transferOwnership(address)", "acceptOwnership()").hex(),
    ],
)
def test_unsupported_interfaces(registry: Registry, interface: str) -> None:
    assert view(registry, "supportsInterface", bytes.fromhex(interface)) is False
