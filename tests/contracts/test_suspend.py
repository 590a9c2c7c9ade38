"""ChainCred.suspend: putting an active credential on hold."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, new_digest
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

ALLOWED_REASONS = [r for r in Reason if r is not Reason.SUPERSEDED]


@pytest.mark.parametrize("reason", ALLOWED_REASONS)
def test_suspend_records_status_reason_and_time(
    registry: Registry, roles: Roles, reason: Reason
) -> None:
    digest = mint_one(registry, roles.learner.address)
    receipt = send(registry, registry.issuer, "suspend", digest, int(reason))
    record = registry.client.credential(digest)
    assert (record.status, record.reason) == (Status.SUSPENDED, reason)
    assert record.status_changed_at == block_time(registry, receipt)
    assert record.owner == roles.learner.address


def test_suspend_emits_suspended_and_metadata_update(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    receipt = send(registry, registry.second_issuer, "suspend", digest, int(Reason.OTHER))
    assert event_names(registry, receipt) == ["MetadataUpdate", "CredentialSuspended"]
    assert events(registry, "MetadataUpdate", receipt) == [{"_tokenId": digest}]
    assert events(registry, "CredentialSuspended", receipt) == [
        {"tokenId": digest, "reason": Reason.OTHER}
    ]


def test_a_suspended_token_stays_with_its_holder(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    before = balance(registry, roles.learner.address)
    bring_to(registry, digest, "suspended")
    assert view(registry, "ownerOf", digest) == roles.learner.address
    assert balance(registry, roles.learner.address) == before


def test_suspend_with_the_superseded_reason_reverts(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredInvalidReason", Reason.SUPERSEDED):
        send(registry, registry.issuer, "suspend", digest, int(Reason.SUPERSEDED))
    assert registry.client.credential(digest).status is Status.ACTIVE


def test_a_deactivated_institution_may_still_suspend(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    deactivate(registry, ISSUER_INSTITUTION)
    send(registry, registry.issuer, "suspend", digest, int(Reason.ACCREDITATION_WITHDRAWN))
    assert registry.client.credential(digest).status is Status.SUSPENDED


def test_another_institution_cannot_suspend(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredNotTokenIssuer", roles.other_issuer.address, digest):
        send(registry, registry.other_issuer, "suspend", digest, int(Reason.OTHER))
    assert registry.client.credential(digest).status is Status.ACTIVE


@pytest.mark.parametrize("role", ["stranger", "learner", "registrar"])
def test_suspend_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        send(registry, getattr(registry, role), "suspend", digest, int(Reason.OTHER))
    assert registry.client.credential(digest).status is Status.ACTIVE


def test_suspend_of_a_never_issued_token_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721NonexistentToken", digest):
        send(registry, registry.issuer, "suspend", digest, int(Reason.OTHER))


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("suspended", Status.SUSPENDED),
        ("revoked", Status.REVOKED),
        ("superseded", Status.SUPERSEDED),
        ("burned", Status.BURNED),
    ],
)
def test_suspend_of_a_token_that_is_not_active_reverts(
    registry: Registry, roles: Roles, state: str, status: Status
) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    before = registry.client.credential(digest)
    with reverts("ChainCredInvalidStatus", digest, status):
        send(registry, registry.issuer, "suspend", digest, int(Reason.ACADEMIC_MISCONDUCT))
    assert registry.client.credential(digest) == before
