"""Keys and callers, institutions and their registry view, achievements, cost shares and health,
as use cases on the in-memory fakes (the chain and the balances are small fakes here)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chaincred.domain import InvalidCredential
from chaincred.domain.onchain import CredentialRecord, InstitutionRecord
from chaincred.domain.verification import JudgedBlock
from chaincred.errors import ChainUnavailable, PinningError
from chaincred.ports.issuer import TransactionFacts
from chaincred.services.achievements import (
    archive_achievement,
    create_achievement,
    edit_achievement,
    list_achievements,
)
from chaincred.services.errors import (
    AchievementInUse,
    AlreadyExists,
    Forbidden,
    MissingScope,
    NotFound,
    Unauthenticated,
)
from chaincred.services.health import check_health
from chaincred.services.institutions import create_institution, registry_view
from chaincred.services.keys import authenticate, create_key, key_hash, list_keys, revoke_key
from chaincred.services.tracking import fee_share, gas_share
from tests.services.conftest import ACHIEVEMENT, World

ADMIN = "the-admin-key"


def test_the_admin_key_and_institution_keys_authenticate(world: World) -> None:
    issued = create_key(1, ["read", "issue"], repo=world.repo, clock=world.clock)

    admin = authenticate(ADMIN, repo=world.repo, admin_key=ADMIN)
    caller = authenticate(issued.key, repo=world.repo, admin_key=ADMIN)

    assert admin.is_admin and not caller.is_admin
    assert (caller.institution_id, caller.scopes, caller.key_id) == (
        1,
        {"read", "issue"},
        issued.entry.id,
    )
    assert issued.entry.scopes == ("issue", "read")  # the vocabulary's order
    assert issued.entry.key_hash == key_hash(issued.key) and issued.key not in issued.entry.key_hash
    assert caller.acting_for("issue", "read") == 1
    with pytest.raises(MissingScope, match="'revoke'"):
        caller.acting_for("revoke")
    with pytest.raises(Forbidden):
        admin.acting_for("read")
    with pytest.raises(Forbidden):
        caller.require_admin()
    admin.require_admin()


@pytest.mark.parametrize(
    "token",
    [None, "", "admin", "cc_short_secret", "cc_0123456789ab_" + "A" * 43, "Bearer x"],
)
def test_anything_else_is_unauthenticated(world: World, token: str | None) -> None:
    with pytest.raises(Unauthenticated):
        authenticate(token, repo=world.repo, admin_key=ADMIN)


def test_without_an_admin_key_configured_nobody_is_admin(world: World) -> None:
    with pytest.raises(Unauthenticated):
        authenticate("", repo=world.repo, admin_key=None)
    with pytest.raises(Unauthenticated):
        authenticate("anything", repo=world.repo, admin_key="")


def test_a_revoked_or_altered_key_fails(world: World) -> None:
    issued = create_key(1, ["read"], repo=world.repo, clock=world.clock)
    altered = issued.key[:-1] + ("a" if issued.key[-1] != "a" else "b")
    with pytest.raises(Unauthenticated):
        authenticate(altered, repo=world.repo, admin_key=ADMIN)

    revoke_key(1, issued.entry.id, repo=world.repo, clock=world.clock)
    with pytest.raises(Unauthenticated):
        authenticate(issued.key, repo=world.repo, admin_key=ADMIN)
    with pytest.raises(NotFound):
        revoke_key(2, issued.entry.id, repo=world.repo, clock=world.clock)
    assert list_keys(1, repo=world.repo)[0].revoked_at == world.clock.now


def test_keys_need_an_institution_and_known_scopes(world: World) -> None:
    with pytest.raises(NotFound):
        create_key(9, ["read"], repo=world.repo, clock=world.clock)
    with pytest.raises(InvalidCredential, match="scopes"):
        create_key(1, ["read", "write"], repo=world.repo, clock=world.clock)
    with pytest.raises(NotFound):
        list_keys(9, repo=world.repo)


def test_institutions_are_validated_and_unique(world: World) -> None:
    with pytest.raises(AlreadyExists):
        create_institution(1, "Again", None, repo=world.repo, clock=world.clock)
    with pytest.raises(InvalidCredential) as raised:
        create_institution(0, "", "Nederland", repo=world.repo, clock=world.clock)
    assert [p.location for p in raised.value.problems] == ["id", "name", "country"]


class FakeChain:
    contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

    def __init__(
        self, registered: Sequence[int] = (), down: bool = False, code: bool = True
    ) -> None:
        self.registered, self.down, self.code = set(registered), down, code

    def chain_head(self) -> tuple[int, JudgedBlock]:
        if self.down:
            raise ChainUnavailable("http://chain", "connection refused")
        return 31337, JudgedBlock(7, "0x" + "00" * 32, 1_700_000_000)

    def block(self, number: int) -> JudgedBlock | None:
        return None

    def has_code(self, block: JudgedBlock) -> bool:
        return self.code

    def credentials(self, token_ids: Sequence[int], block: JudgedBlock) -> list[CredentialRecord]:
        return []

    def institutions(self, ids: Sequence[int], block: JudgedBlock) -> dict[int, InstitutionRecord]:
        return {
            i: InstitutionRecord(
                i, True, False, 0, 1_600_000_000 if i in self.registered else 0, 0, 0, b"\x00" * 32
            )
            for i in ids
        }


def test_the_registry_view_joins_this_service_and_the_chain(world: World) -> None:
    both = registry_view(1, repo=world.repo, chain=FakeChain(registered=[1, 5]))
    chain_only = registry_view(5, repo=world.repo, chain=FakeChain(registered=[1, 5]))
    chain_down = registry_view(1, repo=world.repo, chain=FakeChain(down=True))

    assert both.entry is not None and both.chain is not None and both.chain.registered
    assert chain_only.entry is None and chain_only.chain is not None
    assert chain_down.chain is None and chain_down.chain_error == "connection refused"
    with pytest.raises(NotFound):
        registry_view(6, repo=world.repo, chain=FakeChain(registered=[1]))
    with pytest.raises(ChainUnavailable):
        registry_view(6, repo=world.repo, chain=FakeChain(down=True))


def test_achievements_are_edited_until_used_and_archived_not_deleted(world: World) -> None:
    entry = create_achievement(1, ACHIEVEMENT | {"ects": 5}, repo=world.repo, clock=world.clock)
    edited = edit_achievement(1, entry.id, ACHIEVEMENT | {"ects": 6}, repo=world.repo)
    assert edited.data["ects"] == 6 and "prerequisites" not in edited.data  # defaults omitted

    world.achievement_id = entry.id
    world.issue()
    with pytest.raises(AchievementInUse):
        edit_achievement(1, entry.id, ACHIEVEMENT, repo=world.repo)
    archive_achievement(1, entry.id, repo=world.repo)
    assert entry.id not in [a.id for a in list_achievements(1, archived=False, repo=world.repo)]
    assert entry.id in [a.id for a in list_achievements(1, archived=True, repo=world.repo)]
    with pytest.raises(NotFound):
        archive_achievement(2, entry.id, repo=world.repo)


def test_cost_shares_divide_a_batch_transaction() -> None:
    batch = TransactionFacts("0x01", "confirmed", 3, 10, 100_000, 7)
    assert (gas_share(batch), fee_share(batch)) == (33_333, 33_333 * 7)
    pending = TransactionFacts("0x02", "sent", 1)
    assert (gas_share(pending), fee_share(pending)) == (None, None)


class Balances:
    def __init__(self, wei: int | None) -> None:
        self.wei = wei

    def balance(self, address: str) -> int:
        if self.wei is None:
            raise ChainUnavailable("http://chain", "timeout")
        return self.wei


class BrokenStore:
    def put(self, data: bytes) -> str:
        raise PinningError("no")

    def get(self, cid: str) -> bytes:
        raise PinningError("no")

    def has(self, cid: str) -> bool:
        return False

    def health(self) -> str:
        raise PinningError("the built-in store cannot write to /data/ipfs")


def test_health_checks_each_component_without_raising(world: World) -> None:
    signer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    healthy = check_health(
        chain=FakeChain(),
        repo=world.repo,
        store=world.store,
        balances=Balances(10**18),
        signer=signer,
    )
    broken = check_health(
        chain=FakeChain(code=False),
        repo=world.repo,
        store=BrokenStore(),
        balances=Balances(0),
        signer=signer,
    )
    down = check_health(
        chain=FakeChain(down=True),
        repo=world.repo,
        store=world.store,
        balances=Balances(None),
        signer=None,
    )

    assert [(c.name, c.ok) for c in healthy] == [
        ("chain", True),
        ("database", True),
        ("pinning", True),
        ("signer", True),
    ]
    assert healthy[3].details == {"address": signer, "balance_wei": str(10**18), "low": False}
    assert {c.name: c.details.get("error") for c in broken if not c.ok} == {
        "chain": f"no contract code at {FakeChain.contract} (chain 31337)",
        "pinning": "the built-in store cannot write to /data/ipfs",
        "signer": f"the signer {signer} has no funds",
    }
    assert [c.ok for c in down] == [False, True, True, False]
    assert down[3].details == {"error": "no signing key is configured"}
