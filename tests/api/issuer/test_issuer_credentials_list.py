"""GET /v1/credentials over HTTP: an institution's credentials, newest first, a page at a time,
by pipeline state; never another institution's; bad parameters are 422 problems."""

from __future__ import annotations

from typing import Any

import pytest

from chaincred.ports.issuer import TransactionFacts
from tests.api.issuer.conftest import LEARNER, OTHER_LEARNER, Tenant, problem

pytestmark = pytest.mark.chain


def _issue(tenant: Tenant, achievement_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` credentials, issued one after the other (the last is the newest)."""
    return [tenant.issued(achievement_id, claims={"student_id": f"s-{n}"}) for n in range(count)]


def _ids(answer: dict[str, Any]) -> list[str]:
    return [item["id"] for item in answer["items"]]


def test_the_list_shows_the_institutions_credentials_newest_first(
    tenant: Tenant, other: Tenant
) -> None:
    mine = _issue(tenant, tenant.achievement(), 3)
    theirs = other.issued(other.achievement(), recipient=OTHER_LEARNER)

    response = tenant.http.get("/v1/credentials")

    assert response.status_code == 200, response.text
    answer = response.json()
    assert _ids(answer) == [c["id"] for c in reversed(mine)]
    assert theirs["id"] not in _ids(answer)
    assert [c["id"] for c in other.http.get("/v1/credentials").json()["items"]] == [theirs["id"]]
    assert (answer["offset"], answer["limit"], answer["state"], answer["next_offset"]) == (
        0,
        100,
        None,
        None,
    )


def test_an_item_has_the_shape_of_the_single_view_less_its_operations(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    issued = tenant.issued(achievement_id)

    (item,) = tenant.http.get("/v1/credentials").json()["items"]
    single = tenant.http.get(f"/v1/credentials/{issued['id']}").json()

    assert item == {
        "id": issued["id"],
        "token_id": issued["token_id"],
        "token_uri": issued["token_uri"],
        "recipient": LEARNER,
        "state": "queued",
        "achievement_id": achievement_id,
        "job_id": None,
        "failure": None,
        "status": "active",
        "status_reason": None,
        "supersedes_id": None,
        "document_available": True,
        "claimed_at": None,
        "created_at": single["created_at"],
    }
    shared = set(item) - {"supersedes_id"}
    assert {k: single[k] for k in shared} == {k: item[k] for k in shared}
    assert "claims" not in str(item) and "Ada Lovelace" not in str(item)


def test_pages_follow_each_other_without_gaps_or_repeats(tenant: Tenant) -> None:
    issued = _issue(tenant, tenant.achievement(), 5)
    newest_first = [c["id"] for c in reversed(issued)]

    first = tenant.http.get("/v1/credentials", params={"limit": 2}).json()
    second = tenant.http.get("/v1/credentials", params={"limit": 2, "offset": 2}).json()
    last = tenant.http.get("/v1/credentials", params={"limit": 2, "offset": 4}).json()
    beyond = tenant.http.get("/v1/credentials", params={"offset": 50}).json()

    assert _ids(first) + _ids(second) + _ids(last) == newest_first
    assert (first["next_offset"], second["next_offset"], last["next_offset"]) == (2, 4, None)
    assert beyond["items"] == [] and beyond["next_offset"] is None


def test_the_state_filter_lists_only_credentials_in_that_state(tenant: Tenant) -> None:
    confirmed, failed, queued = _issue(tenant, tenant.achievement(), 3)
    db = tenant.server.db
    facts = TransactionFacts("0x" + "cd" * 32, "confirmed", 1, 77, 80_000, 10**9)
    db.settle(
        [db.outbox(confirmed["id"])[0].id or 0],
        state="confirmed",
        transaction=facts,
        credential={"state": "confirmed"},
    )
    db.settle(
        [db.outbox(failed["id"])[0].id or 0],
        state="failed",
        error="ChainCredAlreadyIssued(0x01)",
        credential={"state": "failed", "failure": "ChainCredAlreadyIssued(0x01)"},
    )

    def listed(state: str) -> list[str]:
        answer = tenant.http.get("/v1/credentials", params={"state": state}).json()
        assert answer["state"] == state
        return _ids(answer)

    assert listed("confirmed") == [confirmed["id"]]
    assert listed("queued") == [queued["id"]]
    assert listed("submitted") == []
    (failure,) = tenant.http.get("/v1/credentials", params={"state": "failed"}).json()["items"]
    assert (failure["id"], failure["failure"]) == (failed["id"], "ChainCredAlreadyIssued(0x01)")


@pytest.mark.parametrize(
    ("params", "path", "message"),
    [
        ({"limit": 0}, "query.limit", "Input should be greater than or equal to 1"),
        ({"limit": 501}, "query.limit", "Input should be less than or equal to 500"),
        (
            {"limit": "ten"},
            "query.limit",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        ({"offset": -1}, "query.offset", "Input should be greater than or equal to 0"),
        ({"offset": 2**63}, "query.offset", "Input should be less than or equal to 2147483647"),
        (
            {"state": "mined"},
            "query.state",
            "Input should be 'queued', 'submitted', 'confirmed' or 'failed'",
        ),
    ],
    ids=["limit-zero", "limit-too-big", "limit-text", "offset-negative", "offset-huge", "state"],
)
def test_bad_parameters_are_422_problems(
    tenant: Tenant, params: dict[str, object], path: str, message: str
) -> None:
    response = tenant.http.get("/v1/credentials", params=params)

    (error,) = problem(response, 422, "invalid-input")["errors"]
    assert error == {"path": path, "message": message}


def test_the_list_needs_a_key_with_the_read_scope(tenant: Tenant) -> None:
    issuer_only = tenant.key_with("issue")
    with tenant.server.client(None) as anonymous:
        problem(anonymous.get("/v1/credentials"), 401, "unauthenticated")
    assert problem(issuer_only.get("/v1/credentials"), 403, "missing-scope")["detail"] == (
        "this API key lacks the 'read' scope"
    )
    with tenant.server.client() as admin:
        problem(admin.get("/v1/credentials"), 403, "forbidden")
