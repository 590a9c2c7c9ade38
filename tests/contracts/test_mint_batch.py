"""ChainCred.mintBatch: issuing a cohort in one transaction, all or nothing."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import BurnAuth, Status
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, fresh_holder, new_digest
from tests.contracts.support import (
    ZERO_ADDRESS,
    balance,
    block_time,
    deactivate,
    event_names,
    events,
    mint_one,
    reverts,
)

pytestmark = pytest.mark.chain


def _cohort(size: int) -> tuple[list[str], list[int]]:
    return [fresh_holder() for _ in range(size)], [new_digest() for _ in range(size)]


def _nothing_minted(registry: Registry, holders: list[str], digests: list[int]) -> None:
    assert all(r.status is Status.NONE for r in registry.client.credentials(digests))
    assert all(balance(registry, h) == 0 for h in holders if h != ZERO_ADDRESS)


def test_mint_batch_issues_each_digest_to_its_recipient(registry: Registry) -> None:
    holders, digests = _cohort(5)
    receipt = registry.client.mint_batch(registry.issuer, holders, digests, BurnAuth.BOTH)
    now = block_time(registry, receipt)
    records = registry.client.credentials(digests)
    for holder, record in zip(holders, records, strict=True):
        assert record.owner == holder
        assert record.institution_id == ISSUER_INSTITUTION
        assert record.status is Status.ACTIVE
        assert record.burn_auth is BurnAuth.BOTH
        assert record.issued_at == now
        assert balance(registry, holder) == 1


def test_mint_batch_emits_the_standard_events_per_token(registry: Registry, roles: Roles) -> None:
    holders, digests = _cohort(3)
    receipt = registry.client.mint_batch(
        registry.second_issuer, holders, digests, BurnAuth.ISSUER_ONLY
    )
    assert event_names(registry, receipt) == ["Transfer", "Locked", "Issued"] * 3
    assert events(registry, "Transfer", receipt) == [
        {"from": ZERO_ADDRESS, "to": h, "tokenId": d} for h, d in zip(holders, digests, strict=True)
    ]
    assert events(registry, "Locked", receipt) == [{"tokenId": d} for d in digests]
    assert events(registry, "Issued", receipt) == [
        {
            "from": roles.second_issuer.address,
            "to": h,
            "tokenId": d,
            "burnAuth": BurnAuth.ISSUER_ONLY,
        }
        for h, d in zip(holders, digests, strict=True)
    ]


def test_mint_batch_of_one(registry: Registry) -> None:
    holders, digests = _cohort(1)
    registry.client.mint_batch(registry.issuer, holders, digests)
    assert registry.client.credential(digests[0]).owner == holders[0]


def test_a_holder_may_appear_twice_in_a_batch(registry: Registry, roles: Roles) -> None:
    holder = fresh_holder()
    digests = [new_digest(), new_digest()]
    registry.client.mint_batch(registry.issuer, [holder, holder], digests)
    assert balance(registry, holder) == 2


@pytest.mark.parametrize(("recipients", "digests"), [(0, 0), (2, 1), (1, 2), (0, 1), (1, 0)])
def test_an_empty_or_mismatched_batch_reverts(
    registry: Registry, recipients: int, digests: int
) -> None:
    holders = [fresh_holder() for _ in range(recipients)]
    tokens = [new_digest() for _ in range(digests)]
    with reverts("ChainCredBadBatch", recipients, digests):
        registry.client.mint_batch(registry.issuer, holders, tokens)
    _nothing_minted(registry, holders, tokens)


def test_one_issued_digest_reverts_the_whole_batch(registry: Registry, roles: Roles) -> None:
    taken = mint_one(registry, roles.learner.address)
    holders, digests = _cohort(4)
    digests[2] = taken
    with reverts("ChainCredAlreadyIssued", taken):
        registry.client.mint_batch(registry.issuer, holders, digests)
    _nothing_minted(registry, holders, digests[:2] + digests[3:])
    assert registry.client.credential(taken).owner == roles.learner.address


def test_a_digest_twice_in_one_batch_reverts(registry: Registry) -> None:
    holders, digests = _cohort(3)
    digests[2] = digests[0]
    with reverts("ChainCredAlreadyIssued", digests[0]):
        registry.client.mint_batch(registry.issuer, holders, digests)
    _nothing_minted(registry, holders, digests)


def test_a_zero_digest_reverts_the_whole_batch(registry: Registry) -> None:
    holders, digests = _cohort(3)
    digests[1] = 0
    with reverts("ChainCredZeroDigest"):
        registry.client.mint_batch(registry.issuer, holders, digests)
    _nothing_minted(registry, holders, [digests[0], digests[2]])


def test_a_zero_recipient_reverts_the_whole_batch(registry: Registry) -> None:
    holders, digests = _cohort(3)
    holders[2] = ZERO_ADDRESS
    with reverts("ERC721InvalidReceiver", ZERO_ADDRESS):
        registry.client.mint_batch(registry.issuer, holders, digests)
    _nothing_minted(registry, holders, digests)


@pytest.mark.parametrize("role", ["stranger", "learner", "registrar"])
def test_mint_batch_by_a_non_signer_reverts(registry: Registry, roles: Roles, role: str) -> None:
    holders, digests = _cohort(2)
    with reverts("ChainCredNotAnIssuer", getattr(roles, role).address):
        registry.client.mint_batch(getattr(registry, role), holders, digests)
    _nothing_minted(registry, holders, digests)


def test_mint_batch_by_a_deactivated_institution_reverts(registry: Registry) -> None:
    deactivate(registry, ISSUER_INSTITUTION)
    holders, digests = _cohort(2)
    with reverts("ChainCredInstitutionInactive", ISSUER_INSTITUTION):
        registry.client.mint_batch(registry.issuer, holders, digests)
    _nothing_minted(registry, holders, digests)
