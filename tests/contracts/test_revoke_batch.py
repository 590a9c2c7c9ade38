"""ChainCred.revokeBatch: revoking many credentials of one institution, all or nothing."""

from __future__ import annotations

import pytest
from web3.types import TxReceipt

from chaincred.adapters.chain import Transactor
from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, fresh_holder, new_digest
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


def _minted(registry: Registry, count: int) -> list[int]:
    digests = [new_digest() for _ in range(count)]
    registry.client.mint_batch(registry.issuer, [fresh_holder() for _ in digests], digests)
    return digests


def _revoke_batch(
    registry: Registry, sender: Transactor, ids: list[int], reason: Reason
) -> TxReceipt:
    return send(registry, sender, "revokeBatch", ids, int(reason))


def _statuses(registry: Registry, ids: list[int]) -> list[Status]:
    return [r.status for r in registry.client.credentials(ids)]


def test_revoke_batch_revokes_every_token(registry: Registry) -> None:
    ids = _minted(registry, 4)
    receipt = _revoke_batch(registry, registry.issuer, ids, Reason.ISSUED_IN_ERROR)
    now = block_time(registry, receipt)
    for record in registry.client.credentials(ids):
        assert (record.status, record.reason) == (Status.REVOKED, Reason.ISSUED_IN_ERROR)
        assert record.status_changed_at == now
        assert record.owner != "0x0000000000000000000000000000000000000000"


def test_revoke_batch_emits_events_per_token(registry: Registry) -> None:
    ids = _minted(registry, 3)
    receipt = _revoke_batch(registry, registry.second_issuer, ids, Reason.OTHER)
    assert event_names(registry, receipt) == ["MetadataUpdate", "CredentialRevoked"] * 3
    assert events(registry, "MetadataUpdate", receipt) == [{"_tokenId": i} for i in ids]
    assert events(registry, "CredentialRevoked", receipt) == [
        {"tokenId": i, "reason": Reason.OTHER} for i in ids
    ]


def test_revoke_batch_takes_suspended_tokens(registry: Registry) -> None:
    ids = _minted(registry, 2)
    bring_to(registry, ids[1], "suspended")
    _revoke_batch(registry, registry.issuer, ids, Reason.ACADEMIC_MISCONDUCT)
    assert _statuses(registry, ids) == [Status.REVOKED, Status.REVOKED]


def test_an_empty_batch_reverts(registry: Registry) -> None:
    with reverts("ChainCredBadBatch", 0, 0):
        _revoke_batch(registry, registry.issuer, [], Reason.OTHER)


@pytest.mark.parametrize("reason", [Reason.NONE, Reason.SUPERSEDED])
def test_an_invalid_reason_reverts(registry: Registry, reason: Reason) -> None:
    ids = _minted(registry, 2)
    with reverts("ChainCredInvalidReason", reason):
        _revoke_batch(registry, registry.issuer, ids, reason)
    assert _statuses(registry, ids) == [Status.ACTIVE, Status.ACTIVE]


def test_a_token_of_another_institution_reverts_the_whole_batch(
    registry: Registry, roles: Roles
) -> None:
    ids = _minted(registry, 3)
    theirs = mint_one(registry, roles.learner.address, sender=registry.other_issuer)
    with reverts("ChainCredNotTokenIssuer", roles.issuer.address, theirs):
        _revoke_batch(registry, registry.issuer, [*ids[:2], theirs, ids[2]], Reason.OTHER)
    assert _statuses(registry, [*ids, theirs]) == [Status.ACTIVE] * 4


def test_another_institution_cannot_revoke_in_batch(registry: Registry, roles: Roles) -> None:
    ids = _minted(registry, 2)
    with reverts("ChainCredNotTokenIssuer", roles.other_issuer.address, ids[0]):
        _revoke_batch(registry, registry.other_issuer, ids, Reason.OTHER)
    assert _statuses(registry, ids) == [Status.ACTIVE, Status.ACTIVE]


def test_a_revoked_token_reverts_the_whole_batch(registry: Registry) -> None:
    ids = _minted(registry, 3)
    bring_to(registry, ids[1], "revoked")
    with reverts("ChainCredInvalidStatus", ids[1], Status.REVOKED):
        _revoke_batch(registry, registry.issuer, ids, Reason.OTHER)
    assert _statuses(registry, ids) == [Status.ACTIVE, Status.REVOKED, Status.ACTIVE]


def test_a_token_twice_in_one_batch_reverts(registry: Registry) -> None:
    ids = _minted(registry, 2)
    with reverts("ChainCredInvalidStatus", ids[0], Status.REVOKED):
        _revoke_batch(registry, registry.issuer, [ids[0], ids[1], ids[0]], Reason.OTHER)
    assert _statuses(registry, ids) == [Status.ACTIVE, Status.ACTIVE]


def test_a_never_issued_token_reverts_the_whole_batch(registry: Registry) -> None:
    ids = _minted(registry, 2)
    missing = new_digest()
    with reverts("ERC721NonexistentToken", missing):
        _revoke_batch(registry, registry.issuer, [*ids, missing], Reason.OTHER)
    assert _statuses(registry, ids) == [Status.ACTIVE, Status.ACTIVE]


@pytest.mark.parametrize("role", ["stranger", "learner"])
def test_revoke_batch_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    ids = _minted(registry, 2)
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        _revoke_batch(registry, getattr(registry, role), ids, Reason.OTHER)
    assert _statuses(registry, ids) == [Status.ACTIVE, Status.ACTIVE]


def test_a_deactivated_institution_may_still_revoke_in_batch(registry: Registry) -> None:
    ids = _minted(registry, 2)
    deactivate(registry, ISSUER_INSTITUTION)
    _revoke_batch(registry, registry.issuer, ids, Reason.ACCREDITATION_WITHDRAWN)
    assert _statuses(registry, ids) == [Status.REVOKED, Status.REVOKED]
