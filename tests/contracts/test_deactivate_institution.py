"""ChainCred.deactivateInstitution: an institution stops issuing for good, its record stays."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import (
    ISSUER_INSTITUTION,
    OTHER_INSTITUTION,
    Registry,
    fresh_holder,
    new_digest,
)
from tests.contracts.support import block_time, deactivate, events, mint_one, reverts, send, view

pytestmark = pytest.mark.chain


def test_deactivate_records_the_time_and_keeps_the_rest(registry: Registry, roles: Roles) -> None:
    before = registry.client.institution(ISSUER_INSTITUTION)
    receipt = deactivate(registry, ISSUER_INSTITUTION)
    after = registry.client.institution(ISSUER_INSTITUTION)
    assert after.active is False
    assert after.deactivated_at == block_time(registry, receipt)
    assert (after.registered_at, after.metadata_digest) == (
        before.registered_at,
        before.metadata_digest,
    )
    assert events(registry, "InstitutionDeactivated", receipt) == [
        {"institutionId": ISSUER_INSTITUTION}
    ]
    # The signing accounts stay on record, so that tokens still resolve to their signers.
    assert view(registry, "signersOf", ISSUER_INSTITUTION) == [
        roles.issuer.address,
        roles.second_issuer.address,
    ]
    assert view(registry, "institutionOf", roles.second_issuer.address) == ISSUER_INSTITUTION


def test_credentials_issued_while_active_keep_their_record(
    registry: Registry, roles: Roles
) -> None:
    digest = mint_one(registry, roles.learner.address)
    issued = registry.client.credential(digest)
    deactivate(registry, ISSUER_INSTITUTION)
    assert registry.client.credential(digest) == issued
    assert view(registry, "ownerOf", digest) == roles.learner.address


def test_no_signer_of_a_deactivated_institution_can_issue(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    suspended = mint_one(registry, roles.learner.address)
    send(registry, registry.issuer, "suspend", suspended, int(Reason.OTHER))
    deactivate(registry, ISSUER_INSTITUTION)
    for signer in (registry.issuer, registry.second_issuer):
        with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
            registry.client.mint(signer, roles.learner.address, new_digest())
        with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
            registry.client.mint_batch(signer, [fresh_holder()], [new_digest()])
        with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
            send(registry, signer, "supersede", digest, new_digest(), roles.learner.address)
        with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
            send(registry, signer, "reinstate", suspended)


def test_a_deactivated_institution_can_still_revoke_and_suspend(
    registry: Registry, roles: Roles
) -> None:
    revoked = mint_one(registry, roles.learner.address)
    suspended = mint_one(registry, roles.learner.address)
    deactivate(registry, ISSUER_INSTITUTION)
    registry.client.revoke(registry.issuer, revoked, Reason.ACCREDITATION_WITHDRAWN)
    send(registry, registry.second_issuer, "suspend", suspended, int(Reason.OTHER))
    records = registry.client.credentials([revoked, suspended])
    assert [r.status for r in records] == [Status.REVOKED, Status.SUSPENDED]


def test_other_institutions_are_unaffected(registry: Registry, roles: Roles) -> None:
    deactivate(registry, ISSUER_INSTITUTION)
    assert registry.client.institution(OTHER_INSTITUTION).active
    digest = mint_one(registry, roles.learner.address, sender=registry.other_issuer)
    assert registry.client.credential(digest).institution_id == OTHER_INSTITUTION


def test_deactivating_twice_reverts(registry: Registry) -> None:
    first = deactivate(registry, ISSUER_INSTITUTION)
    with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
        deactivate(registry, ISSUER_INSTITUTION)
    record = registry.client.institution(ISSUER_INSTITUTION)
    assert record.deactivated_at == block_time(registry, first)


@pytest.mark.parametrize("institution_id", [0, 3])
def test_deactivating_an_unknown_institution_reverts(
    registry: Registry, institution_id: int
) -> None:
    with reverts("ChainCredUnknownInstitution", institution_id):
        deactivate(registry, institution_id)


@pytest.mark.parametrize("role", ["stranger", "issuer"])
def test_deactivate_by_a_non_registrar_reverts(registry: Registry, roles: Roles, role: str) -> None:
    with reverts("OwnableUnauthorizedAccount", getattr(roles, role).address):
        send(registry, getattr(registry, role), "deactivateInstitution", ISSUER_INSTITUTION)
    assert registry.client.institution(ISSUER_INSTITUTION).active
