"""Revoke, suspend, reinstate and supersede over HTTP (each queues one operation: 202 with
the outbox row committed), the rules that refuse them (409/422), and the learner's document:
downloaded by the institution, or once through a claim link (then 410)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from chaincred.domain import digest_from_token_id, parse_document, token_uri_of
from tests.api.issuer.conftest import OTHER_LEARNER, Tenant, problem


@pytest.fixture
def credential(tenant: Tenant) -> dict[str, Any]:
    return tenant.issued(tenant.achievement())


def confirm(tenant: Tenant, credential_id: str, **fields: Any) -> None:
    """Play the pipeline: every pending operation on the credential confirmed, with ``fields``
    (``status``, ``status_reason``) written to the credential."""
    pending = [op.id or 0 for op in tenant.server.db.outbox(credential_id) if op.state == "queued"]
    tenant.server.db.settle(pending, state="confirmed", credential={"state": "confirmed", **fields})


def test_a_revocation_is_queued_with_its_reason(tenant: Tenant, credential: dict[str, Any]) -> None:
    response = tenant.http.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "academic_misconduct"}
    )

    assert response.status_code == 202
    operation = response.json()["operation"]
    assert (operation["kind"], operation["state"], operation["payload"]) == (
        "revoke",
        "queued",
        {"reason": "academic_misconduct"},
    )
    mint, revoke = tenant.server.db.outbox(credential["id"])
    assert (mint.kind, revoke.kind, revoke.id) == ("mint", "revoke", operation["id"])
    assert revoke.payload == {"reason": "academic_misconduct"} and revoke.state == "queued"


def test_a_second_request_waits_for_the_first(tenant: Tenant, credential: dict[str, Any]) -> None:
    path = f"/v1/credentials/{credential['id']}"
    first = tenant.http.post(f"{path}/suspend", json={"reason": "other"})
    second = tenant.http.post(f"{path}/revoke", json={"reason": "other"})

    assert first.status_code == 202
    details = problem(second, 409, "operation-pending")
    assert details["detail"].startswith(f"credential {credential['id']} has a suspend operation")
    assert len(tenant.server.db.outbox(credential["id"])) == 2


def test_suspend_then_reinstate_as_the_statuses_allow(
    tenant: Tenant, credential: dict[str, Any]
) -> None:
    path = f"/v1/credentials/{credential['id']}"
    problem(tenant.http.post(f"{path}/reinstate"), 409, "invalid-transition")

    assert tenant.http.post(f"{path}/suspend", json={"reason": "other"}).status_code == 202
    confirm(tenant, credential["id"], status="suspended", status_reason="other")
    refused = tenant.http.post(f"{path}/suspend", json={"reason": "other"})
    reinstated = tenant.http.post(f"{path}/reinstate")

    assert problem(refused, 409, "invalid-transition")["detail"] == (
        "cannot suspend a credential that is suspended"
    )
    assert reinstated.status_code == 202 and reinstated.json()["operation"]["payload"] == {}
    report = tenant.http.get(path).json()
    assert [op["kind"] for op in report["operations"]] == ["mint", "suspend", "reinstate"]
    assert (report["status"], report["status_reason"]) == ("suspended", "other")


def test_a_revoked_credential_stays_revoked(tenant: Tenant, credential: dict[str, Any]) -> None:
    path = f"/v1/credentials/{credential['id']}"
    tenant.http.post(f"{path}/revoke", json={"reason": "issued_in_error"})
    confirm(tenant, credential["id"], status="revoked", status_reason="issued_in_error")

    for action, body in (("revoke", {"reason": "other"}), ("reinstate", {}), ("supersede", {})):
        response = tenant.http.post(f"{path}/{action}", json=body)
        assert problem(response, 409, "invalid-transition")["detail"] == (
            f"cannot {action} a credential that is revoked"
        )


def test_a_failed_mint_cannot_be_revoked(tenant: Tenant, credential: dict[str, Any]) -> None:
    (mint,) = tenant.server.db.outbox(credential["id"])
    tenant.server.db.settle([mint.id or 0], state="failed", credential={"state": "failed"})
    response = tenant.http.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "other"}
    )
    assert problem(response, 409, "invalid-transition")["detail"] == (
        "cannot revoke a credential that is failed to be issued"
    )


@pytest.mark.parametrize(
    ("action", "body", "path", "message"),
    [
        ("revoke", {}, "reason", "is required"),
        ("revoke", {"reason": "superseded"}, "reason", "must be one of issued_in_error, "),
        ("suspend", {"reason": "none"}, "reason", "must be one of "),
        ("revoke", {"reason": "other", "note": "x"}, "note", "is not a known field"),
        ("reinstate", {"reason": "other"}, "reason", "is not a known field"),
        ("supersede", {"recipient": 5}, "recipient", "must be a string"),
        ("supersede", {"claims": {"name": 1}}, "claims.name", "must be a string"),
    ],
    ids=[
        "no-reason",
        "reserved-reason",
        "none-reason",
        "extra-field",
        "reinstate-reason",
        "bad-recipient",
        "bad-claim",
    ],
)
def test_lifecycle_input_errors_are_422(
    tenant: Tenant,
    credential: dict[str, Any],
    action: str,
    body: dict[str, Any],
    path: str,
    message: str,
) -> None:
    if action != "supersede":
        confirm(tenant, credential["id"], status="suspended" if action == "reinstate" else "active")
    response = tenant.http.post(f"/v1/credentials/{credential['id']}/{action}", json=body)
    (error,) = problem(response, 422, "invalid-input")["errors"]
    assert error["path"] == path and error["message"].startswith(message)
    assert len(tenant.server.db.outbox(credential["id"])) == 1


def test_lifecycle_needs_the_revoke_scope_and_the_own_institution(
    tenant: Tenant, other: Tenant, credential: dict[str, Any]
) -> None:
    path = f"/v1/credentials/{credential['id']}"
    issuer_only = tenant.key_with("issue", "read")
    problem(issuer_only.post(f"{path}/revoke", json={"reason": "other"}), 403, "missing-scope")
    problem(issuer_only.post(f"{path}/supersede", json={}), 403, "missing-scope")
    problem(other.http.post(f"{path}/revoke", json={"reason": "other"}), 404, "not-found")
    problem(other.http.post(f"{path}/supersede", json={}), 404, "not-found")
    assert len(tenant.server.db.outbox(credential["id"])) == 1


def test_a_supersede_queues_a_corrected_credential_naming_the_old_digest(
    tenant: Tenant, credential: dict[str, Any]
) -> None:
    confirm(tenant, credential["id"])
    response = tenant.http.post(
        f"/v1/credentials/{credential['id']}/supersede",
        json={
            "claims": {"name": "Augusta Ada King", "student_id": "s-1815"},
            "recipient": OTHER_LEARNER,
        },
    )

    assert response.status_code == 202, response.text
    body = response.json()
    successor = body["successor"]
    assert body["operation"]["kind"] == "supersede"
    assert body["operation"]["payload"] == {"old_token_id": credential["token_id"]}
    assert successor["token_uri"] == token_uri_of(
        digest_from_token_id(int(successor["token_id"], 16))
    )
    (operation,) = tenant.server.db.outbox(successor["id"])
    assert operation.kind == "supersede" and operation.credential_id == successor["id"]
    row = tenant.server.db.credential(successor["id"])
    assert (
        row is not None and row.supersedes_id == credential["id"] and row.recipient == OTHER_LEARNER
    )
    document = parse_document(row.document or {})
    assert document.public.supersedes == credential["token_id"]
    assert document.claims["name"].value == "Augusta Ada King"
    old = tenant.http.get(f"/v1/credentials/{credential['id']}").json()
    new = tenant.http.get(f"/v1/credentials/{successor['id']}").json()
    assert old["superseded_by"] == successor["id"]
    assert new["supersedes"]["id"] == credential["id"] and new["state"] == "queued"
    metadata = httpx.get(f"{tenant.server.url}/v1/tokens/{successor['token_id']}/metadata")
    assert metadata.status_code == 200 and b"Augusta" not in metadata.content


def test_a_supersede_without_changes_keeps_the_claims_with_fresh_salts(
    tenant: Tenant, credential: dict[str, Any]
) -> None:
    successor = tenant.http.post(f"/v1/credentials/{credential['id']}/supersede", json={}).json()[
        "successor"
    ]
    old = parse_document(tenant.server.db.credential(credential["id"]).document or {})  # type: ignore[union-attr]
    new = parse_document(tenant.server.db.credential(successor["id"]).document or {})  # type: ignore[union-attr]
    assert {n: c.value for n, c in new.claims.items()} == {
        n: c.value for n, c in old.claims.items()
    }
    assert all(new.claims[n].salt != old.claims[n].salt for n in old.claims)
    problem(
        tenant.http.post(f"/v1/credentials/{credential['id']}/supersede", json={}),
        409,
        "operation-pending",
    )


def test_the_institution_downloads_the_full_document(
    tenant: Tenant, credential: dict[str, Any]
) -> None:
    response = tenant.http.get(f"/v1/credentials/{credential['id']}/document")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    document = parse_document(response.json())
    assert f"0x{int(document.anchor.token_id):064x}" == credential["token_id"]
    assert document.claims["name"].salt.startswith("0x")
    problem(
        tenant.key_with("issue").get(f"/v1/credentials/{credential['id']}/document"),
        403,
        "missing-scope",
    )


def test_a_claim_link_gives_the_document_once(tenant: Tenant, credential: dict[str, Any]) -> None:
    link = tenant.http.post(f"/v1/credentials/{credential['id']}/claim-link")
    assert link.status_code == 201
    url = link.json()["url"]
    assert url.startswith(f"{tenant.server.url}/v1/claim/{credential['id']}.")

    with httpx.Client() as learner:
        first, second = learner.get(url), learner.get(url)
        forged = learner.get(url[:-3] + "xyz")
        unknown = learner.get(f"{tenant.server.url}/v1/claim/nothing-here")

    assert first.status_code == 200
    assert first.json() == tenant.http.get(f"/v1/credentials/{credential['id']}/document").json()
    assert problem(second, 410, "claim-link-used")["detail"].startswith(
        "this claim link has been used"
    )
    problem(forged, 404, "not-found")
    problem(unknown, 404, "not-found")
    assert tenant.http.get(f"/v1/credentials/{credential['id']}").json()["claimed_at"] is not None


def test_a_new_claim_link_replaces_the_old_one(tenant: Tenant, credential: dict[str, Any]) -> None:
    old = tenant.http.post(f"/v1/credentials/{credential['id']}/claim-link").json()["url"]
    new = tenant.http.post(f"/v1/credentials/{credential['id']}/claim-link").json()["url"]
    with httpx.Client() as learner:
        problem(learner.get(old), 404, "not-found")
        assert learner.get(new).status_code == 200


def test_an_erased_document_is_gone(tenant: Tenant, credential: dict[str, Any]) -> None:
    link = tenant.http.post(f"/v1/credentials/{credential['id']}/claim-link").json()["url"]
    (mint,) = tenant.server.db.outbox(credential["id"])
    # The learner burned the token: the indexer erases the personal document.
    tenant.server.db.settle(
        [mint.id or 0], state="confirmed", credential={"status": "burned", "document": None}
    )

    problem(tenant.http.get(f"/v1/credentials/{credential['id']}/document"), 410, "document-erased")
    problem(httpx.get(link), 410, "document-erased")
    problem(
        tenant.http.post(f"/v1/credentials/{credential['id']}/claim-link"), 410, "document-erased"
    )


def test_a_claim_or_key_id_that_cannot_exist_is_404(tenant: Tenant) -> None:
    problem(httpx.get(f"{tenant.server.url}/v1/claim/%00.x"), 404, "not-found")
    with tenant.server.client() as admin:
        problem(admin.delete(f"/v1/institutions/{tenant.id}/keys/%00"), 404, "not-found")
