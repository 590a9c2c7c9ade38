"""ChainCred.addSigner: the registrar gives an institution another signing account."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, OTHER_INSTITUTION, Registry, new_digest
from tests.contracts.support import deactivate, events, reverts, send, spare_signer, view

pytestmark = pytest.mark.chain


def test_add_signer_lets_the_account_sign(registry: Registry, roles: Roles) -> None:
    signer = spare_signer(registry)
    receipt = send(registry, registry.registrar, "addSigner", OTHER_INSTITUTION, signer.address)
    assert events(registry, "SignerAdded", receipt) == [
        {"institutionId": OTHER_INSTITUTION, "account": signer.address}
    ]
    assert view(registry, "institutionOf", signer.address) == OTHER_INSTITUTION
    assert view(registry, "signersOf", OTHER_INSTITUTION) == [
        roles.other_issuer.address,
        signer.address,
    ]
    digest = new_digest()
    registry.client.mint(signer, roles.learner.address, digest)
    assert registry.client.credential(digest).institution_id == OTHER_INSTITUTION


def test_a_new_signer_manages_the_institutions_earlier_tokens(
    registry: Registry, roles: Roles
) -> None:
    digest = new_digest()
    registry.client.mint(registry.other_issuer, roles.learner.address, digest)
    signer = spare_signer(registry)
    send(registry, registry.registrar, "addSigner", OTHER_INSTITUTION, signer.address)
    send(registry, signer, "suspend", digest, int(Reason.OTHER))
    assert registry.client.credential(digest).status is Status.SUSPENDED


@pytest.mark.parametrize("institution_id", [0, 3, 2**24 - 1])
def test_add_signer_to_an_unknown_institution_reverts(
    registry: Registry, institution_id: int
) -> None:
    signer = spare_signer(registry)
    with reverts("ChainCredUnknownInstitution", institution_id):
        send(registry, registry.registrar, "addSigner", institution_id, signer.address)
    assert view(registry, "institutionOf", signer.address) == 0


@pytest.mark.parametrize("institution_id", [ISSUER_INSTITUTION, OTHER_INSTITUTION])
def test_an_account_signs_for_one_institution_only(
    registry: Registry, roles: Roles, institution_id: int
) -> None:
    with reverts("ChainCredSignerTaken", roles.issuer.address, ISSUER_INSTITUTION):
        send(registry, registry.registrar, "addSigner", institution_id, roles.issuer.address)
    assert view(registry, "signersOf", OTHER_INSTITUTION) == [roles.other_issuer.address]


@pytest.mark.parametrize("role", ["stranger", "issuer"])
def test_add_signer_by_a_non_registrar_reverts(registry: Registry, roles: Roles, role: str) -> None:
    account = getattr(roles, role).address
    with reverts("OwnableUnauthorizedAccount", account):
        send(registry, getattr(registry, role), "addSigner", ISSUER_INSTITUTION, account)


def test_a_signer_added_to_a_deactivated_institution_cannot_mint(
    registry: Registry, roles: Roles
) -> None:
    deactivate(registry, OTHER_INSTITUTION)
    signer = spare_signer(registry)
    send(registry, registry.registrar, "addSigner", OTHER_INSTITUTION, signer.address)
    assert view(registry, "institutionOf", signer.address) == OTHER_INSTITUTION
    with reverts("ChainCredInstitutionInactive", OTHER_INSTITUTION):
        registry.client.mint(signer, roles.learner.address, new_digest())
