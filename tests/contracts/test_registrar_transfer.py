"""The registrar role (Ownable2Step): transferOwnership, acceptOwnership, pendingOwner."""

from __future__ import annotations

import pytest

from tests.conftest import Roles
from tests.contracts.conftest import Registry, fresh_holder
from tests.contracts.support import ZERO_ADDRESS, events, reverts, send, view

pytestmark = pytest.mark.chain

METADATA = b"\x07" * 32


def _registrar(registry: Registry) -> tuple[str, str, str]:
    return view(registry, "registrar"), view(registry, "owner"), view(registry, "pendingOwner")


def test_the_deployer_is_the_registrar(registry: Registry, roles: Roles) -> None:
    assert _registrar(registry) == (roles.registrar.address, roles.registrar.address, ZERO_ADDRESS)


def test_transfer_only_nominates_the_new_registrar(registry: Registry, roles: Roles) -> None:
    receipt = send(registry, registry.registrar, "transferOwnership", roles.stranger.address)
    assert events(registry, "OwnershipTransferStarted", receipt) == [
        {"previousOwner": roles.registrar.address, "newOwner": roles.stranger.address}
    ]
    assert events(registry, "OwnershipTransferred", receipt) == []
    assert _registrar(registry) == (
        roles.registrar.address,
        roles.registrar.address,
        roles.stranger.address,
    )
    # Until the nominee accepts, the old registrar keeps the role and the nominee has none.
    registry.client.register_institution(registry.registrar, METADATA, [fresh_holder()])
    with reverts("OwnableUnauthorizedAccount", roles.stranger.address):
        send(registry, registry.stranger, "registerInstitution", METADATA, [fresh_holder()])


def test_accept_hands_the_role_over(registry: Registry, roles: Roles) -> None:
    send(registry, registry.registrar, "transferOwnership", roles.stranger.address)
    receipt = send(registry, registry.stranger, "acceptOwnership")
    assert events(registry, "OwnershipTransferred", receipt) == [
        {"previousOwner": roles.registrar.address, "newOwner": roles.stranger.address}
    ]
    assert _registrar(registry) == (roles.stranger.address, roles.stranger.address, ZERO_ADDRESS)
    institution_id = registry.client.register_institution(
        registry.stranger, METADATA, [fresh_holder()]
    )
    assert institution_id == 3
    with reverts("OwnableUnauthorizedAccount", roles.registrar.address):
        send(registry, registry.registrar, "registerInstitution", METADATA, [fresh_holder()])


@pytest.mark.parametrize("role", ["learner", "registrar", "issuer"])
def test_only_the_nominee_may_accept(registry: Registry, roles: Roles, role: str) -> None:
    send(registry, registry.registrar, "transferOwnership", roles.stranger.address)
    with reverts("OwnableUnauthorizedAccount", getattr(roles, role).address):
        send(registry, getattr(registry, role), "acceptOwnership")
    assert view(registry, "pendingOwner") == roles.stranger.address


def test_accept_without_a_nomination_reverts(registry: Registry, roles: Roles) -> None:
    with reverts("OwnableUnauthorizedAccount", roles.stranger.address):
        send(registry, registry.stranger, "acceptOwnership")


def test_a_new_nomination_replaces_the_pending_one(registry: Registry, roles: Roles) -> None:
    send(registry, registry.registrar, "transferOwnership", roles.learner.address)
    send(registry, registry.registrar, "transferOwnership", roles.stranger.address)
    with reverts("OwnableUnauthorizedAccount", roles.learner.address):
        send(registry, registry.learner, "acceptOwnership")
    send(registry, registry.stranger, "acceptOwnership")
    assert view(registry, "registrar") == roles.stranger.address


def test_a_nomination_can_be_cancelled(registry: Registry, roles: Roles) -> None:
    send(registry, registry.registrar, "transferOwnership", roles.stranger.address)
    send(registry, registry.registrar, "transferOwnership", ZERO_ADDRESS)
    assert view(registry, "pendingOwner") == ZERO_ADDRESS
    with reverts("OwnableUnauthorizedAccount", roles.stranger.address):
        send(registry, registry.stranger, "acceptOwnership")


@pytest.mark.parametrize("role", ["stranger", "issuer", "learner"])
def test_transfer_by_a_non_registrar_reverts(registry: Registry, roles: Roles, role: str) -> None:
    account = getattr(roles, role).address
    with reverts("OwnableUnauthorizedAccount", account):
        send(registry, getattr(registry, role), "transferOwnership", account)
    assert _registrar(registry) == (roles.registrar.address, roles.registrar.address, ZERO_ADDRESS)


def test_renounce_by_a_non_registrar_reverts(registry: Registry, roles: Roles) -> None:
    with reverts("OwnableUnauthorizedAccount", roles.stranger.address):
        send(registry, registry.stranger, "renounceOwnership")
    assert view(registry, "registrar") == roles.registrar.address


def test_the_registrar_cannot_renounce_the_role(registry: Registry, roles: Roles) -> None:
    with reverts("ChainCredRegistrarRequired"):
        send(registry, registry.registrar, "renounceOwnership")
    assert view(registry, "registrar") == roles.registrar.address
