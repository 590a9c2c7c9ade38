"""ERC-721 transfers and approvals: every one reverts, the tokens are soulbound (ERC-5192)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Roles
from tests.contracts.conftest import Registry, new_digest
from tests.contracts.support import ZERO_ADDRESS, balance, mint_one, reverts, send, view

pytestmark = pytest.mark.chain

# Each attempt gets (holder, receiver, token id) and returns the arguments of the call.
ATTEMPTS: dict[str, tuple[str, Callable[[str, str, int], tuple[Any, ...]]]] = {
    "transferFrom": ("transferFrom", lambda h, r, t: (h, r, t)),
    "safeTransferFrom": ("safeTransferFrom", lambda h, r, t: (h, r, t)),
    "safeTransferFrom+data": ("safeTransferFrom", lambda h, r, t: (h, r, t, b"\x01\x02")),
    "approve": ("approve", lambda h, r, t: (r, t)),
    "setApprovalForAll": ("setApprovalForAll", lambda h, r, t: (r, True)),
    "setApprovalForAll-false": ("setApprovalForAll", lambda h, r, t: (r, False)),
}


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
@pytest.mark.parametrize("role", ["learner", "stranger", "issuer", "registrar"])
def test_transfers_and_approvals_revert(
    registry: Registry, roles: Roles, attempt: str, role: str
) -> None:
    digest = mint_one(registry, roles.learner.address)
    function, arguments = ATTEMPTS[attempt]
    args = arguments(roles.learner.address, roles.stranger.address, digest)
    with reverts("ChainCredSoulbound"):
        send(registry, getattr(registry, role), function, *args)
    assert view(registry, "ownerOf", digest) == roles.learner.address
    assert view(registry, "getApproved", digest) == ZERO_ADDRESS
    assert (
        view(registry, "isApprovedForAll", roles.learner.address, roles.stranger.address) is False
    )


@pytest.mark.parametrize("attempt", ["transferFrom", "safeTransferFrom", "approve"])
def test_transfers_of_a_never_issued_token_revert_soulbound(
    registry: Registry, roles: Roles, attempt: str
) -> None:
    function, arguments = ATTEMPTS[attempt]
    args = arguments(roles.learner.address, roles.stranger.address, new_digest())
    with reverts("ChainCredSoulbound"):
        send(registry, registry.learner, function, *args)


def test_a_transfer_moves_no_balance(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    before = (balance(registry, roles.learner.address), balance(registry, roles.stranger.address))
    with reverts("ChainCredSoulbound"):
        send(
            registry,
            registry.learner,
            "transferFrom",
            roles.learner.address,
            roles.stranger.address,
            digest,
        )
    after = (balance(registry, roles.learner.address), balance(registry, roles.stranger.address))
    assert after == before


def test_get_approved_is_zero_for_a_token(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    assert view(registry, "getApproved", digest) == ZERO_ADDRESS


def test_get_approved_of_a_never_issued_token_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721NonexistentToken", digest):
        view(registry, "getApproved", digest)


def test_is_approved_for_all_is_always_false(registry: Registry, roles: Roles) -> None:
    assert view(registry, "isApprovedForAll", roles.learner.address, roles.learner.address) is False
    assert view(registry, "isApprovedForAll", roles.learner.address, roles.issuer.address) is False
    assert view(registry, "isApprovedForAll", ZERO_ADDRESS, ZERO_ADDRESS) is False


def test_tokens_are_locked(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    assert view(registry, "locked", digest) is True
