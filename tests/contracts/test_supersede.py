"""ChainCred.supersede: replacing a credential by a corrected one."""

from __future__ import annotations

import pytest
from web3.types import TxReceipt

from chaincred.adapters.chain import Transactor
from chaincred.domain.onchain import BurnAuth, Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, new_digest
from tests.contracts.support import (
    ZERO_ADDRESS,
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


def _supersede(registry: Registry, sender: Transactor, old: int, new: int, to: str) -> TxReceipt:
    return send(registry, sender, "supersede", old, new, to)


@pytest.mark.parametrize("auth", list(BurnAuth))
def test_supersede_links_the_old_token_to_a_new_one(
    registry: Registry, roles: Roles, auth: BurnAuth
) -> None:
    old = mint_one(registry, roles.learner.address, auth=auth)
    new = new_digest()
    receipt = _supersede(registry, registry.issuer, old, new, roles.learner.address)
    now = block_time(registry, receipt)
    before, after = registry.client.credentials([old, new])
    assert (before.status, before.reason) == (Status.SUPERSEDED, Reason.SUPERSEDED)
    assert (before.superseded_by, before.status_changed_at) == (new, now)
    assert before.owner == roles.learner.address
    assert (after.status, after.owner, after.institution_id) == (
        Status.ACTIVE,
        roles.learner.address,
        ISSUER_INSTITUTION,
    )
    assert (after.issued_at, after.burn_auth, after.superseded_by) == (now, auth, 0)


def test_supersede_emits_update_issuance_and_superseded(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address, auth=BurnAuth.BOTH)
    new = new_digest()
    receipt = _supersede(registry, registry.second_issuer, old, new, roles.stranger.address)
    assert event_names(registry, receipt) == [
        "MetadataUpdate",
        "Transfer",
        "Locked",
        "Issued",
        "CredentialSuperseded",
    ]
    assert events(registry, "MetadataUpdate", receipt) == [{"_tokenId": old}]
    assert events(registry, "Transfer", receipt) == [
        {"from": ZERO_ADDRESS, "to": roles.stranger.address, "tokenId": new}
    ]
    assert events(registry, "Locked", receipt) == [{"tokenId": new}]
    assert events(registry, "Issued", receipt) == [
        {
            "from": roles.second_issuer.address,
            "to": roles.stranger.address,
            "tokenId": new,
            "burnAuth": BurnAuth.BOTH,
        }
    ]
    assert events(registry, "CredentialSuperseded", receipt) == [
        {"tokenId": old, "successorId": new}
    ]


def test_the_old_token_stays_with_its_holder(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    learner_before = balance(registry, roles.learner.address)
    stranger_before = balance(registry, roles.stranger.address)
    new = new_digest()
    _supersede(registry, registry.issuer, old, new, roles.stranger.address)
    assert view(registry, "ownerOf", old) == roles.learner.address
    assert view(registry, "ownerOf", new) == roles.stranger.address
    assert balance(registry, roles.learner.address) == learner_before
    assert balance(registry, roles.stranger.address) == stranger_before + 1


def test_a_suspended_token_may_be_superseded(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    bring_to(registry, old, "suspended")
    new = new_digest()
    _supersede(registry, registry.issuer, old, new, roles.learner.address)
    assert registry.client.credential(old).status is Status.SUPERSEDED
    assert registry.client.credential(new).status is Status.ACTIVE


def test_corrections_chain(registry: Registry, roles: Roles) -> None:
    first = mint_one(registry, roles.learner.address)
    second, third = new_digest(), new_digest()
    _supersede(registry, registry.issuer, first, second, roles.learner.address)
    _supersede(registry, registry.issuer, second, third, roles.learner.address)
    records = registry.client.credentials([first, second, third])
    assert [r.superseded_by for r in records] == [second, third, 0]
    assert [r.status for r in records] == [Status.SUPERSEDED, Status.SUPERSEDED, Status.ACTIVE]


def test_superseding_to_an_issued_digest_reverts(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    taken = mint_one(registry, roles.stranger.address, sender=registry.other_issuer)
    with reverts("ChainCredAlreadyIssued", taken):
        _supersede(registry, registry.issuer, old, taken, roles.learner.address)
    record = registry.client.credential(old)
    assert (record.status, record.superseded_by) == (Status.ACTIVE, 0)


def test_superseding_a_token_by_itself_reverts(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    with reverts("ChainCredAlreadyIssued", old):
        _supersede(registry, registry.issuer, old, old, roles.learner.address)
    assert registry.client.credential(old).status is Status.ACTIVE


def test_superseding_by_the_zero_digest_reverts(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    with reverts("ChainCredZeroDigest"):
        _supersede(registry, registry.issuer, old, 0, roles.learner.address)
    assert registry.client.credential(old).status is Status.ACTIVE


def test_superseding_to_the_zero_address_reverts(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    new = new_digest()
    with reverts("ERC721InvalidReceiver", ZERO_ADDRESS):
        _supersede(registry, registry.issuer, old, new, ZERO_ADDRESS)
    assert registry.client.credential(old).status is Status.ACTIVE
    assert registry.client.credential(new).status is Status.NONE


def test_a_deactivated_institution_cannot_supersede(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    deactivate(registry, ISSUER_INSTITUTION)
    new = new_digest()
    with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
        _supersede(registry, registry.issuer, old, new, roles.learner.address)
    assert registry.client.credential(new).status is Status.NONE


def test_another_institution_cannot_supersede(registry: Registry, roles: Roles) -> None:
    old = mint_one(registry, roles.learner.address)
    new = new_digest()
    with reverts("ChainCredNotTokenIssuer", roles.other_issuer.address, old):
        _supersede(registry, registry.other_issuer, old, new, roles.learner.address)
    assert registry.client.credential(old).status is Status.ACTIVE
    assert registry.client.credential(new).status is Status.NONE


@pytest.mark.parametrize("role", ["stranger", "learner", "registrar"])
def test_supersede_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    old = mint_one(registry, roles.learner.address)
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        _supersede(registry, getattr(registry, role), old, new_digest(), roles.learner.address)


def test_superseding_a_never_issued_token_reverts(registry: Registry, roles: Roles) -> None:
    missing, new = new_digest(), new_digest()
    with reverts("ERC721NonexistentToken", missing):
        _supersede(registry, registry.issuer, missing, new, roles.learner.address)
    assert registry.client.credential(new).status is Status.NONE


@pytest.mark.parametrize(
    ("state", "status"),
    [("revoked", Status.REVOKED), ("superseded", Status.SUPERSEDED), ("burned", Status.BURNED)],
)
def test_superseding_a_finished_token_reverts(
    registry: Registry, roles: Roles, state: str, status: Status
) -> None:
    old = mint_one(registry, roles.learner.address)
    bring_to(registry, old, state)
    before = registry.client.credential(old)
    new = new_digest()
    with reverts("ChainCredInvalidStatus", old, status):
        _supersede(registry, registry.issuer, old, new, roles.learner.address)
    assert registry.client.credential(old) == before
    assert registry.client.credential(new).status is Status.NONE
