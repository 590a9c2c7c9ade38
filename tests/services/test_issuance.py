"""Issuance as a use case, on the in-memory fakes: what one accepted request stores (and what
it never stores), idempotency including two requests racing with one key, all-or-nothing
batches, and a metadata store that fails or lies."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from chaincred.domain import (
    InvalidCredential,
    badge_of,
    cid_of_bytes,
    erc721_metadata,
    parse_document,
)
from chaincred.errors import InputTooLarge, PinningError
from chaincred.services.achievements import archive_achievement, get_achievement
from chaincred.services.errors import IdempotencyKeyRequired, IdempotencyKeyReused
from chaincred.services.issuance import BATCH_LIMIT, Row, issue_batch
from tests.services.conftest import CHAIN, LEARNER, World

EMPTY = {"credentials": 0, "operations": 0, "jobs": 0, "answers": 0}


def batch(world: World, rows: list[Any], key: str = "batch-1") -> Any:
    return issue_batch(
        [r if isinstance(r, Row) else Row((i,), r) for i, r in enumerate(rows)],
        institution_id=1,
        idempotency_key=key,
        repo=world.repo,
        store=world.store,
        clock=world.clock,
        chain=CHAIN,
    )


def stored(world: World) -> dict[str, int]:
    counts = world.repo.counts()
    return {k: counts[k] for k in EMPTY}


def test_an_accepted_request_is_a_credential_a_mint_and_the_answer(world: World) -> None:
    answer = world.issue(claims={"name": "Ada Lovelace", "grade": "A"}, burn_auth="both")

    assert answer.status_code == 202 and not answer.replayed
    credential = world.credential(answer.body["id"])
    document = parse_document(credential.document or {})
    assert (
        credential.token_id == answer.body["token_id"] == f"0x{int(document.anchor.token_id):064x}"
    )
    assert (document.anchor.chain_id, document.anchor.contract) == (CHAIN.chain_id, CHAIN.contract)
    assert document.public.institution.name == "Universiteit Utrecht"
    assert document.public.issued_at == "2026-06-30T12:00:00Z"
    with world.repo.begin() as tx:
        (operation,) = tx.operations(credential.id)
        assert tx.answer(1, "key-1").response == answer.body  # type: ignore[union-attr]
    assert (operation.kind, operation.payload) == ("mint", {"burn_auth": "both"})
    assert get_achievement(1, world.achievement_id, repo=world.repo).used is True
    assert stored(world) == {"credentials": 1, "operations": 1, "jobs": 0, "answers": 1}


def test_only_the_public_part_and_the_badge_are_pinned(world: World) -> None:
    answer = world.issue(claims={"name": "Ada Lovelace", "date_of_birth": "1815-12-10"})
    document = parse_document(world.credential(answer.body["id"]).document or {})

    metadata, badge = erc721_metadata(document), badge_of(document)
    assert world.store.get(cid_of_bytes(metadata)) == metadata
    assert world.store.get(cid_of_bytes(badge)) == badge
    assert answer.body["token_uri"] == f"ipfs://{cid_of_bytes(metadata)}"
    assert world.store.puts == 2
    assert b"Ada Lovelace" not in metadata and b"1815-12-10" not in metadata


def test_a_lower_case_address_is_taken_in_its_checksummed_form(world: World) -> None:
    answer = world.issue(recipient=LEARNER.lower())
    assert answer.body["recipient"] == LEARNER


def test_a_replay_answers_the_first_answer_without_storing_anything(world: World) -> None:
    first = world.issue(claims={"name": "Ada"})
    world.clock.tick(60)
    again = world.issue(claims={"name": "Ada"})

    assert again.replayed and again.body == first.body and again.status_code == 202
    assert stored(world)["credentials"] == 1 and world.store.puts == 2


def test_a_replay_holds_even_after_the_achievement_is_archived(world: World) -> None:
    first = world.issue()
    archive_achievement(1, world.achievement_id, repo=world.repo)
    assert world.issue().body == first.body
    with pytest.raises(InvalidCredential):
        world.issue(key="key-2")


def test_another_request_under_a_used_key_is_refused(world: World) -> None:
    world.issue(claims={"name": "Ada"})
    with pytest.raises(IdempotencyKeyReused):
        world.issue(claims={"name": "Bob"})
    with pytest.raises(IdempotencyKeyReused):
        batch(world, [{"achievement_id": world.achievement_id, "recipient": LEARNER}], key="key-1")
    assert stored(world)["credentials"] == 1


@pytest.mark.parametrize("key", [None, "", "with space", "x" * 256, "naïve"])
def test_a_missing_or_malformed_key_is_refused(world: World, key: str | None) -> None:
    with pytest.raises(IdempotencyKeyRequired):
        world.issue(key=key)  # type: ignore[arg-type]
    assert stored(world) == EMPTY


def test_two_requests_racing_with_one_key_issue_once(world: World) -> None:
    answers: list[Any] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        answers.append(world.issue(key="race", claims={"name": "Ada"}))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({a.body["id"] for a in answers}) == 1
    assert sorted(a.replayed for a in answers) == [False, True, True, True]
    assert stored(world) == {"credentials": 1, "operations": 1, "jobs": 0, "answers": 1}


def test_a_batch_is_a_job_of_credentials_each_with_its_mint(world: World) -> None:
    rows = [
        {
            "achievement_id": world.achievement_id,
            "recipient": LEARNER,
            "claims": {"student_id": str(i)},
        }
        for i in range(5)
    ]
    answer = batch(world, rows)

    assert answer.body == {"job_id": answer.body["job_id"], "total": 5, "state": "queued"}
    with world.repo.begin() as tx:
        items = tx.job_items(answer.body["job_id"], offset=0, limit=10)
        assert [i.index for i in items] == [0, 1, 2, 3, 4]
        assert all(len(tx.operations(i.credential_id)) == 1 for i in items)
    # Five metadata documents, one badge shared by all.
    assert world.store.puts == 6


def test_a_batch_reports_every_bad_row_and_stores_nothing(world: World) -> None:
    good = {"achievement_id": world.achievement_id, "recipient": LEARNER}
    rows = [
        good,
        good | {"recipient": "0xabc"},
        Row((2,), {}, unreadable="could not be read"),
        good | {"achievement_id": "someone-elses"},
        good | {"claims": {"favourite_colour": "blue"}},
        "not an object",
        good | {"claims": {"name": "Ada"}},
    ]
    with pytest.raises(InvalidCredential) as raised:
        batch(world, rows)

    assert [p.location for p in raised.value.problems] == [
        "[1].recipient",
        "[2]",
        "[3].achievement_id",
        "[4].claims.favourite_colour",
        "[5]",
    ]
    assert stored(world) == EMPTY and world.store.puts == 0
    assert get_achievement(1, world.achievement_id, repo=world.repo).used is False


def test_batch_limits(world: World) -> None:
    with pytest.raises(InputTooLarge):
        batch(world, [{}] * (BATCH_LIMIT + 1))
    with pytest.raises(InvalidCredential, match="the batch has no rows"):
        batch(world, [])


def test_rows_that_would_be_the_same_token_are_refused(world: World) -> None:
    row = {"achievement_id": world.achievement_id, "recipient": LEARNER}
    with pytest.raises(InvalidCredential) as raised:
        batch(world, [row, row, row])
    assert [str(p) for p in raised.value.problems] == ["[1]: repeats [0]", "[2]: repeats [0]"]


def test_another_institutions_achievement_is_unknown(world: World) -> None:
    with pytest.raises(InvalidCredential) as raised:
        world.issue(institution_id=2)
    assert str(raised.value) == "achievement_id: is not one of this institution's achievements"


class FailingStore:
    def __init__(self, wrong_cid: bool = False) -> None:
        self.wrong_cid = wrong_cid

    def put(self, data: bytes) -> str:
        if self.wrong_cid:
            return cid_of_bytes(data + b"tampered")
        raise PinningError("the pinning service answered 502")

    def get(self, cid: str) -> bytes:
        raise AssertionError("not read")

    def has(self, cid: str) -> bool:
        return False

    def health(self) -> str:
        return "failing"


@pytest.mark.parametrize("wrong_cid", [False, True], ids=["store-down", "store-lies"])
def test_nothing_is_queued_when_the_metadata_cannot_be_pinned(
    world: World, wrong_cid: bool
) -> None:
    world.store = FailingStore(wrong_cid)  # type: ignore[assignment]
    with pytest.raises(PinningError, match=r"502|returned CID"):
        world.issue()
    assert stored(world) == EMPTY
