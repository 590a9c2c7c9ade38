"""ChainCred.burn: erasing a token as its ERC-5484 burn authority allows, keeping the record."""

from __future__ import annotations

import pytest

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

# Who may burn under each authority (ERC-5484): "owner" is the holder (the learner), "issuer"
# and "second_issuer" sign for the issuing institution, "other_issuer" for another one.
BURNERS = ["learner", "issuer", "second_issuer", "other_issuer", "stranger", "registrar"]
ALLOWED = {
    BurnAuth.ISSUER_ONLY: {"issuer", "second_issuer"},
    BurnAuth.OWNER_ONLY: {"learner"},
    BurnAuth.BOTH: {"learner", "issuer", "second_issuer"},
    BurnAuth.NEITHER: set(),
}
MATRIX = [(auth, burner) for auth in BurnAuth for burner in BURNERS]


@pytest.mark.parametrize(("auth", "burner"), MATRIX, ids=[f"{a.name}-{b}" for a, b in MATRIX])
def test_burn_authority_matrix(
    registry: Registry, roles: Roles, auth: BurnAuth, burner: str
) -> None:
    digest = mint_one(registry, roles.learner.address, auth=auth)
    sender = getattr(registry, burner)
    if burner in ALLOWED[auth]:
        send(registry, sender, "burn", digest)
        assert registry.client.credential(digest).status is Status.BURNED
    else:
        with reverts("ChainCredBurnNotAllowed", getattr(roles, burner).address, digest):
            send(registry, sender, "burn", digest)
        assert registry.client.credential(digest).status is Status.ACTIVE
        assert view(registry, "ownerOf", digest) == roles.learner.address


def test_burn_keeps_the_record_without_owner(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address, auth=BurnAuth.OWNER_ONLY)
    issued = registry.client.credential(digest)
    receipt = send(registry, registry.learner, "burn", digest)
    record = registry.client.credential(digest)
    assert record.owner == ZERO_ADDRESS
    assert (record.status, record.reason) == (Status.BURNED, Reason.NONE)
    assert record.status_changed_at == block_time(registry, receipt)
    assert (record.institution_id, record.issued_at, record.burn_auth) == (
        ISSUER_INSTITUTION,
        issued.issued_at,
        BurnAuth.OWNER_ONLY,
    )


def test_burn_decrements_the_balance(registry: Registry, roles: Roles) -> None:
    kept = mint_one(registry, roles.learner.address)
    burned = mint_one(registry, roles.learner.address)
    before = balance(registry, roles.learner.address)
    send(registry, registry.learner, "burn", burned)
    assert balance(registry, roles.learner.address) == before - 1
    assert view(registry, "ownerOf", kept) == roles.learner.address


def test_burn_emits_transfer_to_zero_and_metadata_update(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    receipt = send(registry, registry.learner, "burn", digest)
    assert event_names(registry, receipt) == ["Transfer", "MetadataUpdate"]
    assert events(registry, "Transfer", receipt) == [
        {"from": roles.learner.address, "to": ZERO_ADDRESS, "tokenId": digest}
    ]
    assert events(registry, "MetadataUpdate", receipt) == [{"_tokenId": digest}]


@pytest.mark.parametrize("function", ["ownerOf", "tokenURI", "locked", "burnAuth", "getApproved"])
def test_a_burned_token_no_longer_exists_for_erc721(
    registry: Registry, roles: Roles, function: str
) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, "burned")
    with reverts("ERC721NonexistentToken", digest):
        view(registry, function, digest)


def test_a_burned_token_cannot_be_burned_again(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address, auth=BurnAuth.BOTH)
    bring_to(registry, digest, "burned")
    for sender in (registry.learner, registry.issuer):
        with reverts("ERC721NonexistentToken", digest):
            send(registry, sender, "burn", digest)


def test_burning_a_never_issued_token_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721NonexistentToken", digest):
        send(registry, registry.learner, "burn", digest)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("revoked", Reason.ISSUED_IN_ERROR),
        ("suspended", Reason.OTHER),
        ("superseded", Reason.SUPERSEDED),
    ],
)
def test_burn_keeps_the_earlier_reason(
    registry: Registry, roles: Roles, state: str, reason: Reason
) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    superseded_by = registry.client.credential(digest).superseded_by
    send(registry, registry.learner, "burn", digest)
    record = registry.client.credential(digest)
    assert (record.status, record.reason, record.owner) == (Status.BURNED, reason, ZERO_ADDRESS)
    assert record.superseded_by == superseded_by


def test_a_removed_signer_may_not_burn_for_the_institution(
    registry: Registry, roles: Roles
) -> None:
    digest = mint_one(registry, roles.learner.address, auth=BurnAuth.ISSUER_ONLY)
    send(
        registry,
        registry.registrar,
        "removeSigner",
        ISSUER_INSTITUTION,
        roles.second_issuer.address,
    )
    with reverts("ChainCredBurnNotAllowed", roles.second_issuer.address, digest):
        send(registry, registry.second_issuer, "burn", digest)


def test_the_holder_may_burn_after_the_institution_was_deactivated(
    registry: Registry, roles: Roles
) -> None:
    digest = mint_one(registry, roles.learner.address, auth=BurnAuth.OWNER_ONLY)
    deactivate(registry, ISSUER_INSTITUTION)
    send(registry, registry.learner, "burn", digest)
    assert registry.client.credential(digest).status is Status.BURNED
