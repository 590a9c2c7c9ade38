"""The EIP-7825 per-transaction gas cap (2^24), which our Transactor enforces and Anvil does not.

Also measures the largest ``mintBatch`` of fresh, distinct holders that fits under the cap.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from web3 import Web3
from web3.exceptions import Web3RPCError

from chaincred.adapters.chain import GAS_CAP
from chaincred.domain.onchain import BurnAuth, Status
from chaincred.errors import ContractReverted, GasCapExceeded
from tests.contracts.conftest import Registry, new_digest
from tests.contracts.support import balance, reverts

pytestmark = pytest.mark.chain


def test_the_cap_is_two_to_the_24() -> None:
    assert GAS_CAP == 2**24 == 16_777_216


def _cohort(size: int) -> tuple[list[str], list[int]]:
    holders = [Web3.to_checksum_address(secrets.token_bytes(20)) for _ in range(size)]
    return holders, [new_digest() for _ in range(size)]


def _estimate(registry: Registry, holders: list[str], digests: list[int]) -> int | None:
    """Gas that ``mintBatch`` needs, or None when Anvil cannot even run it (block gas limit)."""
    data = registry.client.encode("mintBatch", holders, digests, int(BurnAuth.OWNER_ONLY))
    try:
        return registry.issuer.estimate(registry.client.address, data)
    except (Web3RPCError, ContractReverted):
        return None


def _largest_batch_under_the_cap(registry: Registry, holders: list[str], digests: list[int]) -> int:
    def fits(n: int) -> bool:
        needed = _estimate(registry, holders[:n], digests[:n])
        return needed is not None and needed <= GAS_CAP

    low, high = 1, 64
    assert fits(low)
    while fits(high):
        low, high = high, high * 2
        assert high <= len(holders), "the cohort is too small for the search"
    while high - low > 1:  # invariant: fits(low) and not fits(high)
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def _nonce(registry: Registry) -> int:
    return int(registry.w3.eth.get_transaction_count(registry.issuer.address, "pending"))


@pytest.mark.slow
def test_largest_mint_batch_under_the_cap(
    registry: Registry, record_property: Callable[[str, object], None]
) -> None:
    holders, digests = _cohort(1024)
    largest = _largest_batch_under_the_cap(registry, holders, digests)

    # One more does not fit: the transactor refuses before sending, and nothing is minted.
    nonce = _nonce(registry)
    with pytest.raises(GasCapExceeded) as caught:
        registry.client.mint_batch(registry.issuer, holders[: largest + 1], digests[: largest + 1])
    assert caught.value.needed > GAS_CAP == caught.value.cap
    assert _nonce(registry) == nonce
    assert registry.client.credential(digests[0]).status is Status.NONE
    assert balance(registry, holders[0]) == 0

    # The largest batch mints in one transaction, under the cap.
    receipt = registry.client.mint_batch(registry.issuer, holders[:largest], digests[:largest])
    assert receipt["status"] == 1
    assert receipt["gasUsed"] <= GAS_CAP
    assert _nonce(registry) == nonce + 1
    records = registry.client.credentials(digests[:largest])
    assert all(r.status is Status.ACTIVE for r in records)
    assert [r.owner for r in records] == holders[:largest]
    assert registry.client.credential(digests[largest]).status is Status.NONE
    record_property("largest_mint_batch_under_gas_cap", largest)
    print(
        f"\nlargest mintBatch of fresh distinct holders under the 2^24 gas cap: {largest} "
        f"credentials, {receipt['gasUsed']} gas used "
        f"({receipt['gasUsed'] / largest:,.0f} per credential)"
    )


def test_an_explicit_gas_limit_above_the_cap_is_refused(registry: Registry) -> None:
    holders, digests = _cohort(2)
    data = registry.client.encode("mintBatch", holders, digests, int(BurnAuth.OWNER_ONLY))
    nonce = _nonce(registry)
    with pytest.raises(GasCapExceeded) as caught:
        registry.issuer.send(registry.client.address, data, gas=GAS_CAP + 1)
    assert (caught.value.needed, caught.value.cap) == (GAS_CAP + 1, GAS_CAP)
    assert _nonce(registry) == nonce
    assert registry.client.credential(digests[0]).status is Status.NONE


def test_a_reverting_batch_reports_its_error_not_the_cap(registry: Registry) -> None:
    # Estimation runs first, so a batch that would revert says why rather than "too big".
    holders, digests = _cohort(400)
    digests[-1] = 0
    with reverts("ChainCredZeroDigest"):
        registry.client.mint_batch(registry.issuer, holders, digests)
