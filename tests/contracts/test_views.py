"""The read-only views: credential(s), the institution registry, ERC-721 and ERC-5192/5484."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import BurnAuth, CredentialRecord, Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import (
    ISSUER_INSTITUTION,
    OTHER_INSTITUTION,
    Registry,
    fresh_holder,
    new_digest,
)
from tests.contracts.support import ZERO_ADDRESS, balance, bring_to, mint_one, reverts, view

pytestmark = pytest.mark.chain


def _never_issued(token_id: int) -> CredentialRecord:
    return CredentialRecord(
        token_id=token_id,
        owner=ZERO_ADDRESS,
        institution_id=0,
        issued_at=0,
        status_changed_at=0,
        status=Status.NONE,
        reason=Reason.NONE,
        burn_auth=BurnAuth.ISSUER_ONLY,
        superseded_by=0,
    )


# ---------------------------------------------------------------- credential, credentials


@pytest.mark.parametrize("token_id", [0, 1, 2**256 - 1])
def test_credential_of_a_never_issued_id_is_all_zero(registry: Registry, token_id: int) -> None:
    assert registry.client.credential(token_id) == _never_issued(token_id)


def test_credentials_matches_credential_one_by_one(registry: Registry, roles: Roles) -> None:
    active = mint_one(registry, roles.learner.address, auth=BurnAuth.BOTH)
    revoked = mint_one(registry, roles.learner.address)
    bring_to(registry, revoked, "revoked")
    superseded = mint_one(registry, roles.learner.address)
    bring_to(registry, superseded, "superseded")
    burned = mint_one(registry, roles.learner.address)
    bring_to(registry, burned, "burned")
    theirs = mint_one(registry, roles.stranger.address, sender=registry.other_issuer)
    ids = [active, new_digest(), revoked, superseded, burned, theirs, 0, active]
    batch = registry.client.credentials(ids)
    assert batch == [registry.client.credential(i) for i in ids]
    assert [r.status for r in batch] == [
        Status.ACTIVE,
        Status.NONE,
        Status.REVOKED,
        Status.SUPERSEDED,
        Status.BURNED,
        Status.ACTIVE,
        Status.NONE,
        Status.ACTIVE,
    ]
    assert batch[5].institution_id == OTHER_INSTITUTION


def test_credentials_of_no_ids_is_empty(registry: Registry) -> None:
    assert registry.client.credentials([]) == []


def test_credential_row_has_every_field_a_verifier_needs(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address, auth=BurnAuth.NEITHER)
    row = view(registry, "credential", digest)
    assert len(row) == 8
    owner, institution_id, issued_at, changed_at, status, reason, auth, successor = row
    assert (owner, institution_id, status, reason, auth, successor) == (
        roles.learner.address,
        ISSUER_INSTITUTION,
        Status.ACTIVE,
        Reason.NONE,
        BurnAuth.NEITHER,
        0,
    )
    assert issued_at > 0
    assert changed_at == 0


# ---------------------------------------------------------------- institution registry


def test_institution_of_the_fixture_institutions(registry: Registry) -> None:
    first = registry.client.institution(ISSUER_INSTITUTION)
    second = registry.client.institution(OTHER_INSTITUTION)
    assert (first.active, first.metadata_digest) == (True, b"\x01" * 32)
    assert (second.active, second.metadata_digest) == (True, b"\x02" * 32)
    assert first.registered and second.registered
    assert first.registered_at <= second.registered_at


@pytest.mark.parametrize("institution_id", [0, 3, 2**24 - 1])
def test_institution_of_an_unknown_id_is_all_zero(registry: Registry, institution_id: int) -> None:
    record = registry.client.institution(institution_id)
    assert not record.registered
    assert (record.active, record.accredited, record.quality_assurance_body) == (False, False, 0)
    assert (record.deactivated_at, record.accreditation_valid_until) == (0, 0)
    assert record.metadata_digest == b"\x00" * 32


def test_institution_of_each_account(registry: Registry, roles: Roles) -> None:
    expected = {
        "issuer": ISSUER_INSTITUTION,
        "second_issuer": ISSUER_INSTITUTION,
        "other_issuer": OTHER_INSTITUTION,
        "registrar": 0,
        "learner": 0,
        "stranger": 0,
    }
    actual = {
        role: view(registry, "institutionOf", getattr(roles, role).address) for role in expected
    }
    assert actual == expected
    assert view(registry, "institutionOf", ZERO_ADDRESS) == 0


def test_signers_of_each_institution(registry: Registry, roles: Roles) -> None:
    assert view(registry, "signersOf", ISSUER_INSTITUTION) == [
        roles.issuer.address,
        roles.second_issuer.address,
    ]
    assert view(registry, "signersOf", OTHER_INSTITUTION) == [roles.other_issuer.address]
    assert view(registry, "signersOf", 0) == []
    assert view(registry, "signersOf", 99) == []


def test_institution_count(registry: Registry) -> None:
    assert view(registry, "institutionCount") == 2


# ---------------------------------------------------------------- ERC-721 views


def test_balance_of_counts_live_tokens(registry: Registry) -> None:
    holder = fresh_holder()
    assert balance(registry, holder) == 0
    first = mint_one(registry, holder)
    mint_one(registry, holder, sender=registry.other_issuer)
    assert balance(registry, holder) == 2
    registry.client.revoke(registry.issuer, first, Reason.OTHER)
    assert balance(registry, holder) == 2  # a revoked token is still held


def test_balance_of_the_zero_address_reverts(registry: Registry) -> None:
    with reverts("ERC721InvalidOwner", ZERO_ADDRESS):
        view(registry, "balanceOf", ZERO_ADDRESS)


def test_owner_of(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    assert view(registry, "ownerOf", digest) == roles.learner.address


@pytest.mark.parametrize("function", ["ownerOf", "locked", "burnAuth", "tokenURI", "getApproved"])
@pytest.mark.parametrize("token_id", [0, 12345])
def test_token_views_of_a_never_issued_id_revert(
    registry: Registry, function: str, token_id: int
) -> None:
    with reverts("ERC721NonexistentToken", token_id):
        view(registry, function, token_id)


@pytest.mark.parametrize("state", ["active", "suspended", "revoked", "superseded"])
def test_locked_is_true_while_the_token_exists(
    registry: Registry, roles: Roles, state: str
) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    assert view(registry, "locked", digest) is True


@pytest.mark.parametrize("auth", list(BurnAuth))
def test_burn_auth(registry: Registry, roles: Roles, auth: BurnAuth) -> None:
    digest = mint_one(registry, roles.learner.address, auth=auth)
    assert view(registry, "burnAuth", digest) == auth


def test_name_and_symbol(registry: Registry) -> None:
    assert view(registry, "name") == "chaincred micro-credential"
    assert view(registry, "symbol") == "CRED"
