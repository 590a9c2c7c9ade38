"""ChainCred.removeSigner: the registrar withdraws a signing account."""

from __future__ import annotations

import pytest
from web3.types import TxReceipt

from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, OTHER_INSTITUTION, Registry, new_digest
from tests.contracts.support import events, mint_one, reverts, send, view

pytestmark = pytest.mark.chain


def _remove(registry: Registry, institution_id: int, account: str) -> TxReceipt:
    return send(registry, registry.registrar, "removeSigner", institution_id, account)


def test_remove_signer_withdraws_the_account(registry: Registry, roles: Roles) -> None:
    receipt = _remove(registry, ISSUER_INSTITUTION, roles.second_issuer.address)
    assert events(registry, "SignerRemoved", receipt) == [
        {"institutionId": ISSUER_INSTITUTION, "account": roles.second_issuer.address}
    ]
    assert view(registry, "signersOf", ISSUER_INSTITUTION) == [roles.issuer.address]
    assert view(registry, "institutionOf", roles.second_issuer.address) == 0


def test_a_removed_signer_can_no_longer_act(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address, sender=registry.second_issuer)
    _remove(registry, ISSUER_INSTITUTION, roles.second_issuer.address)
    who = roles.second_issuer.address
    with reverts("ChainCredNotAnIssuer", who):
        registry.client.mint(registry.second_issuer, roles.learner.address, new_digest())
    with reverts("ChainCredNotAnIssuer", who):
        registry.client.revoke(registry.second_issuer, digest, Reason.OTHER)
    with reverts("ChainCredNotAnIssuer", who):
        send(registry, registry.second_issuer, "suspend", digest, int(Reason.OTHER))


def test_tokens_of_a_removed_signer_stay_with_the_institution(
    registry: Registry, roles: Roles
) -> None:
    digest = mint_one(registry, roles.learner.address, sender=registry.second_issuer)
    _remove(registry, ISSUER_INSTITUTION, roles.second_issuer.address)
    record = registry.client.credential(digest)
    assert (record.status, record.institution_id) == (Status.ACTIVE, ISSUER_INSTITUTION)
    registry.client.revoke(registry.issuer, digest, Reason.ISSUED_IN_ERROR)
    assert registry.client.credential(digest).status is Status.REVOKED


def test_a_removed_signer_may_join_another_institution(registry: Registry, roles: Roles) -> None:
    _remove(registry, ISSUER_INSTITUTION, roles.second_issuer.address)
    send(registry, registry.registrar, "addSigner", OTHER_INSTITUTION, roles.second_issuer.address)
    digest = mint_one(registry, roles.learner.address, sender=registry.second_issuer)
    assert registry.client.credential(digest).institution_id == OTHER_INSTITUTION


@pytest.mark.parametrize(
    ("institution_id", "role"),
    [
        (ISSUER_INSTITUTION, "stranger"),
        (ISSUER_INSTITUTION, "other_issuer"),
        (OTHER_INSTITUTION, "issuer"),
        (99, "issuer"),
    ],
)
def test_removing_an_account_that_does_not_sign_reverts(
    registry: Registry, roles: Roles, institution_id: int, role: str
) -> None:
    account = getattr(roles, role).address
    before = view(registry, "institutionOf", account)
    with reverts("ChainCredNotASigner", account, institution_id):
        _remove(registry, institution_id, account)
    assert view(registry, "institutionOf", account) == before


def test_removing_twice_reverts(registry: Registry, roles: Roles) -> None:
    _remove(registry, ISSUER_INSTITUTION, roles.second_issuer.address)
    with reverts("ChainCredNotASigner", roles.second_issuer.address, ISSUER_INSTITUTION):
        _remove(registry, ISSUER_INSTITUTION, roles.second_issuer.address)


@pytest.mark.parametrize("role", ["stranger", "issuer"])
def test_remove_signer_by_a_non_registrar_reverts(
    registry: Registry, roles: Roles, role: str
) -> None:
    with reverts("OwnableUnauthorizedAccount", getattr(roles, role).address):
        send(
            registry,
            getattr(registry, role),
            "removeSigner",
            ISSUER_INSTITUTION,
            roles.second_issuer.address,
        )
    assert view(registry, "institutionOf", roles.second_issuer.address) == ISSUER_INSTITUTION
