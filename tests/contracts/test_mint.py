"""ChainCred.mint: issuing one credential."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import BurnAuth, Reason, Status
from chaincred.errors import ContractReverted
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, fresh_holder, new_digest
from tests.contracts.support import (
    ZERO_ADDRESS,
    balance,
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


def test_mint_records_the_credential(registry: Registry, roles: Roles) -> None:
    digest = new_digest()
    receipt = registry.client.mint(registry.issuer, roles.learner.address, digest, BurnAuth.BOTH)
    record = registry.client.credential(digest)
    block = registry.w3.eth.get_block(receipt["blockNumber"])
    assert record.owner == roles.learner.address
    assert record.institution_id == ISSUER_INSTITUTION
    assert record.status is Status.ACTIVE
    assert record.burn_auth is BurnAuth.BOTH
    assert record.issued_at == block["timestamp"]
    assert record.status_changed_at == 0
    assert record.reason is Reason.NONE
    assert record.superseded_by == 0


def test_mint_of_an_issued_digest_reverts(registry: Registry) -> None:
    digest = new_digest()
    registry.client.mint(registry.issuer, fresh_holder(), digest)
    with pytest.raises(ContractReverted) as caught:
        registry.client.mint(registry.issuer, fresh_holder(), digest)
    assert (caught.value.error, caught.value.args_) == ("ChainCredAlreadyIssued", (digest,))


def test_mint_emits_transfer_locked_and_issued(registry: Registry, roles: Roles) -> None:
    digest = new_digest()
    receipt = registry.client.mint(registry.issuer, roles.learner.address, digest, BurnAuth.BOTH)
    assert event_names(registry, receipt) == ["Transfer", "Locked", "Issued"]
    assert events(registry, "Transfer", receipt) == [
        {"from": ZERO_ADDRESS, "to": roles.learner.address, "tokenId": digest}
    ]
    assert events(registry, "Locked", receipt) == [{"tokenId": digest}]
    assert events(registry, "Issued", receipt) == [
        {
            "from": roles.issuer.address,
            "to": roles.learner.address,
            "tokenId": digest,
            "burnAuth": BurnAuth.BOTH,
        }
    ]


def test_issued_names_the_signing_account(registry: Registry, roles: Roles) -> None:
    digest = new_digest()
    receipt = registry.client.mint(registry.second_issuer, roles.learner.address, digest)
    (issued,) = events(registry, "Issued", receipt)
    assert issued["from"] == roles.second_issuer.address
    assert registry.client.credential(digest).institution_id == ISSUER_INSTITUTION


def test_mint_gives_the_holder_the_token(registry: Registry, roles: Roles) -> None:
    before = balance(registry, roles.learner.address)
    digest = mint_one(registry, roles.learner.address)
    assert balance(registry, roles.learner.address) == before + 1
    assert view(registry, "ownerOf", digest) == roles.learner.address
    assert view(registry, "locked", digest) is True


@pytest.mark.parametrize("auth", list(BurnAuth))
def test_mint_fixes_the_burn_authority(registry: Registry, roles: Roles, auth: BurnAuth) -> None:
    digest = mint_one(registry, roles.learner.address, auth=auth)
    assert view(registry, "burnAuth", digest) == auth
    assert registry.client.credential(digest).burn_auth is auth


def test_mint_of_the_zero_digest_reverts(registry: Registry, roles: Roles) -> None:
    with reverts("ChainCredZeroDigest"):
        registry.client.mint(registry.issuer, roles.learner.address, 0)


def test_mint_to_the_zero_address_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721InvalidReceiver", ZERO_ADDRESS):
        registry.client.mint(registry.issuer, ZERO_ADDRESS, digest)
    assert registry.client.credential(digest).status is Status.NONE


@pytest.mark.parametrize("role", ["stranger", "learner", "registrar"])
def test_mint_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    digest = new_digest()
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        registry.client.mint(getattr(registry, role), roles.learner.address, digest)
    assert registry.client.credential(digest).status is Status.NONE


def test_mint_by_a_deactivated_institution_reverts(registry: Registry, roles: Roles) -> None:
    deactivate(registry, ISSUER_INSTITUTION)
    digest = new_digest()
    with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
        registry.client.mint(registry.issuer, roles.learner.address, digest)
    assert registry.client.credential(digest).status is Status.NONE


def test_mint_by_a_removed_signer_reverts(registry: Registry, roles: Roles) -> None:
    send(
        registry,
        registry.registrar,
        "removeSigner",
        ISSUER_INSTITUTION,
        roles.second_issuer.address,
    )
    with reverts("ChainCredNotAnIssuer", roles.second_issuer.address):
        registry.client.mint(registry.second_issuer, roles.learner.address, new_digest())


def test_another_institution_cannot_mint_an_issued_digest(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    with reverts("ChainCredAlreadyIssued", digest):
        registry.client.mint(registry.other_issuer, roles.stranger.address, digest)
    assert registry.client.credential(digest).owner == roles.learner.address


@pytest.mark.parametrize("state", ["suspended", "revoked", "superseded", "burned"])
def test_a_digest_is_issued_once_ever(registry: Registry, roles: Roles, state: str) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    for minter in (registry.issuer, registry.other_issuer):
        with reverts("ChainCredAlreadyIssued", digest):
            registry.client.mint(minter, roles.learner.address, digest)
    assert registry.client.credential(digest).status is Status[state.upper()]


def test_mint_with_an_undefined_burn_authority_reverts(registry: Registry, roles: Roles) -> None:
    # BurnAuth has four values; the ABI decoder rejects a fifth without revert data.
    digest = new_digest()
    with reverts("UnknownRevert", ""):
        send(registry, registry.issuer, "mint", roles.learner.address, digest, 4)
    assert registry.client.credential(digest).status is Status.NONE
