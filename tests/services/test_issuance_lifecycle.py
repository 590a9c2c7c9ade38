"""Lifecycle requests, supersession, documents and claim links as use cases (memory fakes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chaincred.domain import InvalidCredential, parse_document
from chaincred.services.documents import claim, create_claim_secret, full_document
from chaincred.services.errors import (
    ClaimLinkUsed,
    DocumentErased,
    InvalidTransition,
    NotFound,
    OperationPending,
)
from chaincred.services.lifecycle import REASONS, Correction, change_status, supersede
from chaincred.services.tracking import credential_report
from tests.services.conftest import CHAIN, World

OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def confirm_all(world: World, credential_id: str, **fields: object) -> None:
    with world.repo.begin() as tx:
        pending = [op.id or 0 for op in tx.operations(credential_id) if op.state == "queued"]
    world.repo.settle(pending, state="confirmed", credential={"state": "confirmed", **fields})


def test_reasons_are_the_contracts_minus_none_and_superseded() -> None:
    assert REASONS == (
        "issued_in_error",
        "academic_misconduct",
        "requested_by_holder",
        "accreditation_withdrawn",
        "other",
    )


def test_a_queued_mint_may_be_revoked_the_pipeline_orders_them(world: World) -> None:
    credential_id = world.issue().body["id"]
    queued = change_status(
        1, credential_id, "revoke", "issued_in_error", repo=world.repo, clock=world.clock
    )
    assert queued.operation.kind == "revoke" and queued.operation.id is not None
    assert dict(queued.operation.payload) == {"reason": "issued_in_error"}
    with pytest.raises(OperationPending):
        change_status(1, credential_id, "suspend", "other", repo=world.repo, clock=world.clock)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("active", {"revoke", "suspend", "supersede"}),
        ("suspended", {"revoke", "reinstate", "supersede"}),
        ("revoked", set()),
        ("superseded", set()),
        ("burned", set()),
    ],
)
def test_the_status_decides_which_operations_are_accepted(
    world: World, status: str, allowed: set[str]
) -> None:
    for operation in ("revoke", "suspend", "reinstate", "supersede"):
        credential_id = world.issue(key=f"{status}-{operation}", claims={"name": operation}).body[
            "id"
        ]
        confirm_all(world, credential_id, status=status)
        try:
            if operation == "supersede":
                supersede(
                    1,
                    credential_id,
                    Correction(),
                    repo=world.repo,
                    store=world.store,
                    clock=world.clock,
                    chain=CHAIN,
                )
            else:
                reason = None if operation == "reinstate" else "other"
                change_status(
                    1, credential_id, operation, reason, repo=world.repo, clock=world.clock
                )  # type: ignore[arg-type]
            accepted = True
        except InvalidTransition as exc:
            assert exc.status == status
            accepted = False
        assert accepted == (operation in allowed), (status, operation)


def test_an_unknown_reason_is_refused(world: World) -> None:
    credential_id = world.issue().body["id"]
    with pytest.raises(InvalidCredential, match="reason: must be one of"):
        change_status(1, credential_id, "suspend", "superseded", repo=world.repo, clock=world.clock)


def test_another_institutions_credential_is_not_found(world: World) -> None:
    credential_id = world.issue().body["id"]
    with pytest.raises(NotFound):
        change_status(2, credential_id, "revoke", "other", repo=world.repo, clock=world.clock)
    with pytest.raises(NotFound):
        full_document(2, credential_id, repo=world.repo)
    with pytest.raises(NotFound):
        create_claim_secret(2, credential_id, repo=world.repo)


def test_a_supersession_corrects_what_is_given_and_keeps_the_rest(world: World) -> None:
    until = datetime(2030, 1, 1, tzinfo=UTC)
    old_id = world.issue(claims={"name": "Ada", "grade": "B"}, valid_until=until.isoformat()).body[
        "id"
    ]
    confirm_all(world, old_id)
    world.clock.tick(3600)

    queued = supersede(
        1,
        old_id,
        Correction(claims={"name": "Ada", "grade": "A"}),
        repo=world.repo,
        store=world.store,
        clock=world.clock,
        chain=CHAIN,
    )

    assert queued.successor is not None
    old = parse_document(world.credential(old_id).document or {})
    new = parse_document(world.credential(queued.successor.id).document or {})
    assert new.public.supersedes == world.credential(old_id).token_id
    assert new.public.recipient == old.public.recipient
    assert new.public.valid_until == "2030-01-01T00:00:00Z"
    assert new.public.issued_at == "2026-06-30T13:00:00Z"
    assert new.claims["grade"].value == "A"
    assert dict(queued.operation.payload) == {"old_token_id": world.credential(old_id).token_id}
    report = credential_report(1, old_id, repo=world.repo)
    assert report.successor_id == queued.successor.id
    assert [op.kind for op in report.operations] == ["mint", "supersede"]


def test_a_supersession_may_drop_the_end_of_validity_and_move_the_recipient(world: World) -> None:
    old_id = world.issue(valid_until="2030-01-01T00:00:00Z").body["id"]
    correction = Correction.model_validate({"valid_until": None, "recipient": OTHER})
    queued = supersede(
        1, old_id, correction, repo=world.repo, store=world.store, clock=world.clock, chain=CHAIN
    )
    assert queued.successor is not None
    new = parse_document(world.credential(queued.successor.id).document or {})
    assert new.public.valid_until is None and new.public.recipient == OTHER


def test_a_failed_supersession_frees_the_credential_for_another(world: World) -> None:
    old_id = world.issue().body["id"]
    first = supersede(
        1, old_id, Correction(), repo=world.repo, store=world.store, clock=world.clock, chain=CHAIN
    )
    world.repo.settle(
        [first.operation.id or 0], state="failed", error="reverted", credential={"state": "failed"}
    )
    world.clock.tick()
    second = supersede(
        1, old_id, Correction(), repo=world.repo, store=world.store, clock=world.clock, chain=CHAIN
    )
    assert second.successor is not None
    assert credential_report(1, old_id, repo=world.repo).successor_id == second.successor.id


def test_a_claim_link_works_once_and_a_new_one_replaces_it(world: World) -> None:
    credential_id = world.issue(claims={"name": "Ada"}).body["id"]
    first = create_claim_secret(1, credential_id, repo=world.repo)
    second = create_claim_secret(1, credential_id, repo=world.repo)

    with pytest.raises(NotFound):
        claim(first, repo=world.repo, clock=world.clock)
    document = claim(second, repo=world.repo, clock=world.clock)
    assert document == full_document(1, credential_id, repo=world.repo)
    with pytest.raises(ClaimLinkUsed):
        claim(second, repo=world.repo, clock=world.clock)
    assert world.credential(credential_id).claimed_at == world.clock.now
    assert world.credential(credential_id).claim_secret_hash not in (first, second)


@pytest.mark.parametrize("secret", ["", ".", "no-dot", "unknown-id.secret"])
def test_a_claim_with_a_made_up_secret_is_not_found(world: World, secret: str) -> None:
    world.issue()
    with pytest.raises(NotFound):
        claim(secret, repo=world.repo, clock=world.clock)


def test_an_erased_document_is_gone_everywhere(world: World) -> None:
    credential_id = world.issue().body["id"]
    secret = create_claim_secret(1, credential_id, repo=world.repo)
    world.repo.update_credential(credential_id, document=None, status="burned")
    with pytest.raises(DocumentErased):
        full_document(1, credential_id, repo=world.repo)
    with pytest.raises(DocumentErased):
        claim(secret, repo=world.repo, clock=world.clock)
    with pytest.raises(InvalidTransition):
        supersede(
            1,
            credential_id,
            Correction(),
            repo=world.repo,
            store=world.store,
            clock=world.clock,
            chain=CHAIN,
        )
