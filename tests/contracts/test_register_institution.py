"""ChainCred.registerInstitution: the registrar adds an institution and its signing accounts."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, fresh_holder, new_digest
from tests.contracts.support import block_time, events, reverts, send, spare_signer, view

pytestmark = pytest.mark.chain

METADATA = bytes.fromhex("ab" * 32)


def test_register_records_an_active_institution(registry: Registry) -> None:
    signers = [fresh_holder(), fresh_holder()]
    receipt = send(registry, registry.registrar, "registerInstitution", METADATA, signers)
    record = registry.client.institution(3)
    assert record.registered
    assert (record.active, record.accredited, record.quality_assurance_body) == (True, False, 0)
    assert record.registered_at == block_time(registry, receipt)
    assert (record.deactivated_at, record.accreditation_valid_until) == (0, 0)
    assert record.metadata_digest == METADATA
    assert view(registry, "institutionCount") == 3
    assert view(registry, "signersOf", 3) == signers
    assert [view(registry, "institutionOf", s) for s in signers] == [3, 3]


def test_register_emits_registered_then_one_signer_added_each(registry: Registry) -> None:
    signers = [fresh_holder(), fresh_holder()]
    receipt = send(registry, registry.registrar, "registerInstitution", METADATA, signers)
    assert events(registry, "InstitutionRegistered", receipt) == [
        {"institutionId": 3, "metadataDigest": METADATA}
    ]
    assert events(registry, "SignerAdded", receipt) == [
        {"institutionId": 3, "account": s} for s in signers
    ]


def test_ids_count_up(registry: Registry) -> None:
    ids = [
        registry.client.register_institution(registry.registrar, METADATA, [fresh_holder()])
        for _ in range(3)
    ]
    assert ids == [3, 4, 5]
    assert view(registry, "institutionCount") == 5


def test_an_institution_without_signers_may_be_registered(registry: Registry) -> None:
    institution_id = registry.client.register_institution(registry.registrar, METADATA, [])
    assert view(registry, "signersOf", institution_id) == []
    assert registry.client.institution(institution_id).active


def test_a_new_signer_can_mint_at_once(registry: Registry, roles: Roles) -> None:
    signer = spare_signer(registry)
    institution_id = registry.client.register_institution(
        registry.registrar, METADATA, [signer.address]
    )
    digest = new_digest()
    registry.client.mint(signer, roles.learner.address, digest)
    record = registry.client.credential(digest)
    assert (record.institution_id, record.status) == (institution_id, Status.ACTIVE)


@pytest.mark.parametrize("role", ["stranger", "issuer", "learner"])
def test_register_by_a_non_registrar_reverts(registry: Registry, roles: Roles, role: str) -> None:
    with reverts("OwnableUnauthorizedAccount", getattr(roles, role).address):
        send(registry, getattr(registry, role), "registerInstitution", METADATA, [fresh_holder()])
    assert view(registry, "institutionCount") == 2


def test_a_signer_of_another_institution_is_refused(registry: Registry, roles: Roles) -> None:
    with reverts("ChainCredSignerTaken", roles.issuer.address, ISSUER_INSTITUTION):
        send(
            registry,
            registry.registrar,
            "registerInstitution",
            METADATA,
            [fresh_holder(), roles.issuer.address],
        )
    assert view(registry, "institutionCount") == 2
    assert view(registry, "institutionOf", roles.issuer.address) == ISSUER_INSTITUTION


def test_a_signer_listed_twice_is_refused(registry: Registry) -> None:
    signer = fresh_holder()
    with reverts("ChainCredSignerTaken", signer, 3):
        send(registry, registry.registrar, "registerInstitution", METADATA, [signer, signer])
    assert view(registry, "institutionCount") == 2
    assert view(registry, "institutionOf", signer) == 0
