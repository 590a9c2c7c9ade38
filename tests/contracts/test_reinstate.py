"""ChainCred.reinstate: lifting a suspension."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, new_digest
from tests.contracts.support import (
    block_time,
    bring_to,
    deactivate,
    event_names,
    events,
    mint_one,
    reverts,
    send,
)

pytestmark = pytest.mark.chain


def _suspended(registry: Registry, roles: Roles) -> int:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, "suspended")
    return digest


def test_reinstate_makes_the_token_active_again(registry: Registry, roles: Roles) -> None:
    digest = _suspended(registry, roles)
    issued = registry.client.credential(digest)
    receipt = send(registry, registry.issuer, "reinstate", digest)
    record = registry.client.credential(digest)
    assert (record.status, record.reason) == (Status.ACTIVE, Reason.NONE)
    assert record.status_changed_at == block_time(registry, receipt)
    assert (record.owner, record.issued_at) == (issued.owner, issued.issued_at)


def test_reinstate_emits_reinstated_and_metadata_update(registry: Registry, roles: Roles) -> None:
    digest = _suspended(registry, roles)
    receipt = send(registry, registry.second_issuer, "reinstate", digest)
    assert event_names(registry, receipt) == ["MetadataUpdate", "CredentialReinstated"]
    assert events(registry, "MetadataUpdate", receipt) == [{"_tokenId": digest}]
    assert events(registry, "CredentialReinstated", receipt) == [{"tokenId": digest}]


def test_a_reinstated_token_can_be_suspended_again(registry: Registry, roles: Roles) -> None:
    digest = _suspended(registry, roles)
    send(registry, registry.issuer, "reinstate", digest)
    send(registry, registry.issuer, "suspend", digest, int(Reason.REQUESTED_BY_HOLDER))
    record = registry.client.credential(digest)
    assert (record.status, record.reason) == (Status.SUSPENDED, Reason.REQUESTED_BY_HOLDER)


def test_a_deactivated_institution_cannot_reinstate(registry: Registry, roles: Roles) -> None:
    digest = _suspended(registry, roles)
    deactivate(registry, ISSUER_INSTITUTION)
    with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
        send(registry, registry.issuer, "reinstate", digest)
    assert registry.client.credential(digest).status is Status.SUSPENDED


def test_another_institution_cannot_reinstate(registry: Registry, roles: Roles) -> None:
    digest = _suspended(registry, roles)
    with reverts("ChainCredNotTokenIssuer", roles.other_issuer.address, digest):
        send(registry, registry.other_issuer, "reinstate", digest)
    assert registry.client.credential(digest).status is Status.SUSPENDED


@pytest.mark.parametrize("role", ["stranger", "learner", "registrar"])
def test_reinstate_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    digest = _suspended(registry, roles)
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        send(registry, getattr(registry, role), "reinstate", digest)
    assert registry.client.credential(digest).status is Status.SUSPENDED


def test_reinstate_of_a_never_issued_token_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721NonexistentToken", digest):
        send(registry, registry.issuer, "reinstate", digest)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("active", Status.ACTIVE),
        ("revoked", Status.REVOKED),
        ("superseded", Status.SUPERSEDED),
        ("burned", Status.BURNED),
    ],
)
def test_reinstate_of_a_token_that_is_not_suspended_reverts(
    registry: Registry, roles: Roles, state: str, status: Status
) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    before = registry.client.credential(digest)
    with reverts("ChainCredInvalidStatus", digest, status):
        send(registry, registry.issuer, "reinstate", digest)
    assert registry.client.credential(digest) == before


def test_a_revoked_suspension_cannot_be_reinstated(registry: Registry, roles: Roles) -> None:
    digest = _suspended(registry, roles)
    registry.client.revoke(registry.issuer, digest, Reason.ACADEMIC_MISCONDUCT)
    with reverts("ChainCredInvalidStatus", digest, Status.REVOKED):
        send(registry, registry.issuer, "reinstate", digest)
