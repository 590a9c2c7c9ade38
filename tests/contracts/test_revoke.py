"""ChainCred.revoke: revoking a credential for good, keeping its record."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import BurnAuth, Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import (
    ISSUER_INSTITUTION,
    OTHER_INSTITUTION,
    Registry,
    new_digest,
)
from tests.contracts.support import (
    balance,
    block_time,
    bring_to,
    deactivate,
    event_names,
    events,
    mint_one,
    reverts,
    send,
    view,
)

pytestmark = pytest.mark.chain

VALID_REASONS = [r for r in Reason if r not in (Reason.NONE, Reason.SUPERSEDED)]


@pytest.mark.parametrize("reason", VALID_REASONS)
def test_revoke_records_status_reason_and_time(
    registry: Registry, roles: Roles, reason: Reason
) -> None:
    digest = mint_one(registry, roles.learner.address, auth=BurnAuth.BOTH)
    issued = registry.client.credential(digest)
    receipt = registry.client.revoke(registry.issuer, digest, reason)
    record = registry.client.credential(digest)
    assert record.status is Status.REVOKED
    assert record.reason is reason
    assert record.status_changed_at == block_time(registry, receipt)
    # Everything else in the record stays as issued.
    assert (record.owner, record.institution_id, record.issued_at, record.burn_auth) == (
        issued.owner,
        issued.institution_id,
        issued.issued_at,
        issued.burn_auth,
    )


def test_revoke_emits_revoked_and_metadata_update(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    receipt = registry.client.revoke(registry.issuer, digest, Reason.ACADEMIC_MISCONDUCT)
    assert event_names(registry, receipt) == ["MetadataUpdate", "CredentialRevoked"]
    assert events(registry, "MetadataUpdate", receipt) == [{"_tokenId": digest}]
    assert events(registry, "CredentialRevoked", receipt) == [
        {"tokenId": digest, "reason": Reason.ACADEMIC_MISCONDUCT}
    ]


def test_a_revoked_token_stays_with_its_holder(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    before = balance(registry, roles.learner.address)
    registry.client.revoke(registry.issuer, digest, Reason.OTHER)
    assert view(registry, "ownerOf", digest) == roles.learner.address
    assert balance(registry, roles.learner.address) == before
    assert view(registry, "tokenURI", digest).startswith("ipfs://b")


def test_a_second_signer_of_the_institution_may_revoke(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    registry.client.revoke(registry.second_issuer, digest, Reason.ISSUED_IN_ERROR)
    assert registry.client.credential(digest).status is Status.REVOKED


def test_a_suspended_token_may_be_revoked(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, "suspended")
    registry.client.revoke(registry.issuer, digest, Reason.ACADEMIC_MISCONDUCT)
    record = registry.client.credential(digest)
    assert (record.status, record.reason) == (Status.REVOKED, Reason.ACADEMIC_MISCONDUCT)


def test_a_deactivated_institution_may_still_revoke(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    deactivate(registry, ISSUER_INSTITUTION)
    registry.client.revoke(registry.issuer, digest, Reason.ACCREDITATION_WITHDRAWN)
    assert registry.client.credential(digest).status is Status.REVOKED


@pytest.mark.parametrize("reason", [Reason.NONE, Reason.SUPERSEDED])
def test_revoke_with_an_invalid_reason_reverts(
    registry: Registry, roles: Roles, reason: Reason
) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredInvalidReason", reason):
        registry.client.revoke(registry.issuer, digest, reason)
    assert registry.client.credential(digest).status is Status.ACTIVE


def test_another_institution_cannot_revoke(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredNotTokenIssuer", roles.other_issuer.address, digest):
        registry.client.revoke(registry.other_issuer, digest, Reason.OTHER)
    assert registry.client.credential(digest).status is Status.ACTIVE


def test_the_original_institution_alone_manages_its_tokens(
    registry: Registry, roles: Roles
) -> None:
    theirs = mint_one(registry, roles.learner.address, sender=registry.other_issuer)
    assert registry.client.credential(theirs).institution_id == OTHER_INSTITUTION
    with reverts("ChainCredNotTokenIssuer", roles.issuer.address, theirs):
        registry.client.revoke(registry.issuer, theirs, Reason.OTHER)
    registry.client.revoke(registry.other_issuer, theirs, Reason.OTHER)
    assert registry.client.credential(theirs).status is Status.REVOKED


@pytest.mark.parametrize("role", ["stranger", "learner", "registrar"])
def test_revoke_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        registry.client.revoke(getattr(registry, role), digest, Reason.OTHER)
    assert registry.client.credential(digest).status is Status.ACTIVE


def test_revoke_by_a_removed_signer_reverts(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address, sender=registry.second_issuer)
    send(
        registry,
        registry.registrar,
        "removeSigner",
        ISSUER_INSTITUTION,
        roles.second_issuer.address,
    )
    with reverts("ChainCredNotAnIssuer", roles.second_issuer.address):
        registry.client.revoke(registry.second_issuer, digest, Reason.OTHER)


def test_revoke_of_a_never_issued_token_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721NonexistentToken", digest):
        registry.client.revoke(registry.issuer, digest, Reason.OTHER)


@pytest.mark.parametrize(
    ("state", "status"),
    [("revoked", Status.REVOKED), ("superseded", Status.SUPERSEDED), ("burned", Status.BURNED)],
)
def test_revoke_of_a_finished_token_reverts(
    registry: Registry, roles: Roles, state: str, status: Status
) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    before = registry.client.credential(digest)
    with reverts("ChainCredInvalidStatus", digest, status):
        registry.client.revoke(registry.issuer, digest, Reason.ACADEMIC_MISCONDUCT)
    assert registry.client.credential(digest) == before
