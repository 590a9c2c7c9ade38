"""ChainCred.setInstitutionMetadata: the registrar replaces an institution's metadata digest."""

from __future__ import annotations

import pytest

from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, OTHER_INSTITUTION, Registry
from tests.contracts.support import events, reverts, send

pytestmark = pytest.mark.chain

NEW_METADATA = bytes.fromhex("cd" * 32)


def test_set_metadata_replaces_the_digest(registry: Registry) -> None:
    before = registry.client.institution(ISSUER_INSTITUTION)
    receipt = send(
        registry, registry.registrar, "setInstitutionMetadata", ISSUER_INSTITUTION, NEW_METADATA
    )
    after = registry.client.institution(ISSUER_INSTITUTION)
    assert before.metadata_digest == b"\x01" * 32
    assert after.metadata_digest == NEW_METADATA
    assert (after.active, after.registered_at) == (before.active, before.registered_at)
    assert registry.client.institution(OTHER_INSTITUTION).metadata_digest == b"\x02" * 32
    assert events(registry, "InstitutionMetadataUpdated", receipt) == [
        {"institutionId": ISSUER_INSTITUTION, "metadataDigest": NEW_METADATA}
    ]


@pytest.mark.parametrize("institution_id", [0, 3])
def test_set_metadata_of_an_unknown_institution_reverts(
    registry: Registry, institution_id: int
) -> None:
    with reverts("ChainCredUnknownInstitution", institution_id):
        send(registry, registry.registrar, "setInstitutionMetadata", institution_id, NEW_METADATA)


@pytest.mark.parametrize("role", ["stranger", "issuer"])
def test_set_metadata_by_a_non_registrar_reverts(
    registry: Registry, roles: Roles, role: str
) -> None:
    with reverts("OwnableUnauthorizedAccount", getattr(roles, role).address):
        send(
            registry,
            getattr(registry, role),
            "setInstitutionMetadata",
            ISSUER_INSTITUTION,
            NEW_METADATA,
        )
    assert registry.client.institution(ISSUER_INSTITUTION).metadata_digest == b"\x01" * 32
