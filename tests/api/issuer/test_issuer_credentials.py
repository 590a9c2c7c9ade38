"""Issuing over HTTP: one credential or a batch (JSON, CSV body, CSV upload), Idempotency-Key
replays and conflicts, every row checked before anything is queued, the outbox row committed
before the answer, and what GET /v1/credentials and /v1/jobs then report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chaincred.adapters.db.models import CredentialRow, IdempotencyRow, JobRow, OperationRow
from chaincred.domain import digest_from_token_id, parse_document, token_uri_of
from chaincred.ports.issuer import TransactionFacts
from tests.api.issuer.conftest import LEARNER, OTHER_LEARNER, Tenant, problem

ROSTER = (
    "recipient,name,student_id,grade\n"
    f"{LEARNER.lower()},Ada Lovelace,s-1815,A\n"
    f"{OTHER_LEARNER},Charles Babbage,s-1791,B\n"
)


def test_one_credential_is_accepted_with_its_outbox_row_committed(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    response = tenant.issue(achievement_id)

    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "queued" and body["recipient"] == LEARNER
    assert body["token_uri"] == token_uri_of(digest_from_token_id(int(body["token_id"], 16)))
    assert response.headers["location"] == f"/v1/credentials/{body['id']}"
    (operation,) = tenant.server.db.outbox(body["id"])
    assert (operation.kind, operation.state, operation.payload) == (
        "mint",
        "queued",
        {"burn_auth": "owner_only"},
    )
    row = tenant.server.db.credential(body["id"])
    assert row is not None and row.token_id == body["token_id"] and row.state == "queued"
    document = parse_document(row.document or {})
    assert f"0x{int(document.anchor.token_id):064x}" == body["token_id"]
    assert {n: c.value for n, c in document.claims.items()} == {
        "name": "Ada Lovelace",
        "student_id": "s-1815",
    }


def test_the_same_key_and_body_get_the_same_answer_and_nothing_more(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    first = tenant.issue(achievement_id, key="enrol-2026-ada")
    reordered = tenant.http.post(
        "/v1/credentials",
        content=json.dumps(
            {
                "claims": {"student_id": "s-1815", "name": "Ada Lovelace"},
                "recipient": LEARNER,
                "achievement_id": achievement_id,
            }
        ),
        headers={"Idempotency-Key": "enrol-2026-ada"},
    )

    assert (first.status_code, reordered.status_code) == (202, 202)
    assert reordered.json() == first.json()
    assert reordered.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    db = tenant.server.db
    assert len(db.outbox(first.json()["id"])) == 1


def test_the_same_key_with_another_body_is_409(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    tenant.issue(achievement_id, key="k-409")
    other = tenant.issue(achievement_id, key="k-409", claims={"name": "Someone Else"})
    batch = tenant.http.post(
        "/v1/credentials/batch",
        json=[{"achievement_id": achievement_id, "recipient": LEARNER}],
        headers={"Idempotency-Key": "k-409"},
    )

    details = problem(other, 409, "idempotency-key-reused")
    assert details["detail"] == (
        "Idempotency-Key 'k-409' was used for a different request; use a new key for a new request"
    )
    problem(batch, 409, "idempotency-key-reused")


def test_keys_are_per_institution(tenant: Tenant, other: Tenant) -> None:
    mine, theirs = tenant.achievement(), other.achievement()
    assert tenant.issue(mine, key="shared-key").status_code == 202
    assert other.issue(theirs, key="shared-key").status_code == 202


def test_an_idempotency_key_is_required(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    body = {"achievement_id": achievement_id, "recipient": LEARNER}
    missing = tenant.http.post("/v1/credentials", json=body)
    spaced = tenant.http.post("/v1/credentials", json=body, headers={"Idempotency-Key": "a b"})

    assert problem(missing, 400, "idempotency-key-required")["detail"] == (
        "this request needs an Idempotency-Key header"
    )
    problem(spaced, 400, "idempotency-key-required")


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"recipient": "0x1234"},
            [("recipient", "must be an Ethereum address: 0x followed by 40 hex digits")],
        ),
        (
            {"recipient": "0x70997970C51812dc3A010C7d01b50e0d17dc79c8"},
            [
                (
                    "recipient",
                    "must be an EIP-55 checksummed address (did you mean "
                    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8?)",
                )
            ],
        ),
        (
            {"claims": {"nickname": "Ada"}},
            [
                (
                    "claims.nickname",
                    "is not a known field (unknown fields are rejected, not ignored)",
                )
            ],
        ),
        (
            {"claims": {"date_of_birth": "1815-13-10"}},
            [("claims.date_of_birth", "must be a calendar date written YYYY-MM-DD")],
        ),
        (
            {"grade": "A"},
            [("grade", "is not a known field (unknown fields are rejected, not ignored)")],
        ),
        (
            {"burn_auth": "anyone"},
            [("burn_auth", "Input should be 'owner_only', 'issuer_only', 'both' or 'neither'")],
        ),
        (
            {"valid_until": "2030-01-01T00:00:00"},
            [("valid_until", "Input should have timezone info")],
        ),
        (
            {"valid_until": "2001-01-01T00:00:00Z"},
            [("valid_until", "must be later than issued_at")],
        ),
        ({"achievement_id": 7}, [("achievement_id", "must be a string")]),
    ],
    ids=[
        "bad-address",
        "bad-checksum",
        "unknown-claim",
        "bad-date",
        "unknown-field",
        "bad-burn-auth",
        "naive-time",
        "expired",
        "id-type",
    ],
)
def test_invalid_requests_are_422_and_queue_nothing(
    tenant: Tenant, change: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    achievement_id = tenant.achievement()
    details = problem(tenant.issue(achievement_id, **change), 422, "invalid-input")

    got = [(e["path"], e["message"]) for e in details["errors"]]
    assert [p for p, _ in got] == [p for p, _ in errors]
    for (_, message), (_, expected) in zip(got, errors, strict=True):
        assert message.startswith(expected)
    assert tenant.http.get(f"/v1/achievements/{achievement_id}").json()["used"] is False


def test_malformed_json_is_400_and_a_non_object_422(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "k"}
    broken = tenant.http.post("/v1/credentials", content=b'{"recipient": "0x', headers=headers)
    dupe = tenant.http.post(
        "/v1/credentials", content=b'{"recipient": "a", "recipient": "b"}', headers=headers
    )
    listed = tenant.http.post("/v1/credentials", json=[1], headers=headers)

    problem(broken, 400, "malformed-json")
    assert "duplicate key 'recipient'" in problem(dupe, 400, "malformed-json")["detail"]
    assert problem(listed, 422, "invalid-input")["errors"] == [
        {"path": "$", "message": "must be a JSON object"}
    ]


def test_a_json_batch_is_one_job_with_every_row_queued(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    rows = [
        {"achievement_id": achievement_id, "recipient": LEARNER, "claims": {"student_id": f"s-{i}"}}
        for i in range(25)
    ]
    response = tenant.http.post(
        "/v1/credentials/batch", json=rows, headers={"Idempotency-Key": "b-json"}
    )

    assert response.status_code == 202
    job_id = response.json()["job_id"]
    assert response.json() == {"job_id": job_id, "total": 25, "state": "queued"}
    assert response.headers["location"] == f"/v1/jobs/{job_id}"
    progress = tenant.http.get(f"/v1/jobs/{job_id}").json()
    assert progress["counts"] == {"queued": 25} and progress["finished"] is False
    assert [i["index"] for i in progress["items"]] == list(range(25))
    for item in progress["items"][:3]:
        (operation,) = tenant.server.db.outbox(item["credential_id"])
        assert operation.kind == "mint" and operation.state == "queued"
    page = tenant.http.get(f"/v1/jobs/{job_id}", params={"offset": 20, "limit": 3}).json()
    assert [i["index"] for i in page["items"]] == [20, 21, 22] and page["offset"] == 20


def test_a_csv_roster_is_issued_as_a_job(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    response = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": achievement_id},
        content=ROSTER.encode(),
        headers={"Idempotency-Key": "b-csv", "Content-Type": "text/csv; charset=utf-8"},
    )

    assert response.status_code == 202, response.text
    items = tenant.http.get(f"/v1/jobs/{response.json()['job_id']}").json()["items"]
    assert [i["recipient"] for i in items] == [LEARNER, OTHER_LEARNER]
    second = parse_document(tenant.server.db.credential(items[1]["credential_id"]).document or {})  # type: ignore[union-attr]
    assert {n: c.value for n, c in second.claims.items()} == {
        "name": "Charles Babbage",
        "student_id": "s-1791",
        "grade": "B",
    }


def test_a_csv_upload_is_the_same_request_as_the_csv_body(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    upload = tenant.http.post(
        "/v1/credentials/batch",
        data={"achievement_id": achievement_id},
        files={"roster": ("roster.csv", ROSTER.encode(), "text/csv")},
        headers={"Idempotency-Key": "b-upload"},
    )
    body = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": achievement_id},
        content=ROSTER.encode(),
        headers={"Idempotency-Key": "b-upload", "Content-Type": "text/csv"},
    )

    assert upload.status_code == 202 and body.status_code == 202
    assert body.json() == upload.json() and body.headers["idempotent-replayed"] == "true"


def test_a_csv_with_bad_rows_lists_them_all_and_queues_nothing(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    db = tenant.server.db
    before = (
        db.count(CredentialRow),
        db.count(OperationRow),
        db.count(JobRow),
        db.count(IdempotencyRow),
    )
    roster = (
        "recipient,name,date_of_birth\n"
        f"{LEARNER},Ada Lovelace,1815-12-10\n"
        "0xnot-an-address,Charles Babbage,1791-12-26\n"
        f"{OTHER_LEARNER},Mary Somerville,1780-02-30\n"
        f"{OTHER_LEARNER},Short Row\n"
    )
    response = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": achievement_id},
        content=roster.encode(),
        headers={"Idempotency-Key": "b-bad", "Content-Type": "text/csv"},
    )

    details = problem(response, 422, "invalid-input")
    assert [e["path"] for e in details["errors"]] == [
        "line[3].recipient",
        "line[4].claims.date_of_birth",
        "line[5]",
    ]
    assert details["errors"][2]["message"] == "has 2 cells, the header has 3"
    after = (
        db.count(CredentialRow),
        db.count(OperationRow),
        db.count(JobRow),
        db.count(IdempotencyRow),
    )
    assert after == before
    fixed = roster.replace("0xnot-an-address", LEARNER).replace("02-30", "02-26")
    fixed = fixed.replace("Short Row\n", "Short Row,1800-01-01\n")
    retried = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": achievement_id},
        content=fixed.encode(),
        headers={"Idempotency-Key": "b-bad", "Content-Type": "text/csv"},
    )
    assert retried.status_code == 202 and retried.json()["total"] == 4


@pytest.mark.parametrize(
    ("roster", "query", "path", "message"),
    [
        ("recipient,name,shoe_size\n", True, "columns.shoe_size", "is not a known column"),
        ("name,student_id\n", True, "columns", "the header row needs a recipient column"),
        (
            "recipient,name\n",
            False,
            "achievement_id",
            "give ?achievement_id=… or an achievement_id column",
        ),
    ],
    ids=["unknown-column", "no-recipient", "no-achievement"],
)
def test_a_csv_header_is_checked(
    tenant: Tenant, roster: str, query: bool, path: str, message: str
) -> None:
    achievement_id = tenant.achievement()
    response = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": achievement_id} if query else {},
        content=(roster + f"{LEARNER},Ada\n").encode(),
        headers={"Idempotency-Key": "b-header", "Content-Type": "text/csv"},
    )
    (error,) = problem(response, 422, "invalid-input")["errors"]
    assert error["path"] == path and error["message"].startswith(message)


def test_batch_shapes_that_are_refused(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "b-shapes"}
    empty = tenant.http.post("/v1/credentials/batch", json=[], headers=headers)
    an_object = tenant.http.post("/v1/credentials/batch", json={"items": []}, headers=headers)
    xml = tenant.http.post(
        "/v1/credentials/batch",
        content=b"<rows/>",
        headers=headers | {"Content-Type": "application/xml"},
    )
    too_many = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": "a"},
        content=("recipient\n" + f"{LEARNER}\n" * 10_001).encode(),
        headers=headers | {"Content-Type": "text/csv"},
    )

    assert problem(empty, 422, "invalid-input")["detail"] == "$: the batch has no rows"
    problem(an_object, 422, "invalid-input")
    assert problem(xml, 415, "unsupported-media-type")["detail"].startswith(
        "content type 'application/xml' is not accepted here"
    )
    assert problem(too_many, 413, "too-many-items")["detail"] == (
        "10001 items is more than the 10000 one request accepts: split it"
    )


def test_a_batch_rejects_two_rows_that_would_be_one_token(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    same = {"achievement_id": achievement_id, "recipient": LEARNER}
    response = tenant.http.post(
        "/v1/credentials/batch", json=[same, same], headers={"Idempotency-Key": "dup"}
    )
    assert problem(response, 422, "invalid-input")["errors"] == [
        {"path": "[1]", "message": "repeats [0]"}
    ]


def test_the_credential_reports_its_transaction_and_its_share_of_a_batch(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    job = tenant.http.post(
        "/v1/credentials/batch",
        json=[
            {
                "achievement_id": achievement_id,
                "recipient": LEARNER,
                "claims": {"student_id": str(i)},
            }
            for i in range(3)
        ],
        headers={"Idempotency-Key": "b-gas"},
    ).json()
    items = tenant.http.get(f"/v1/jobs/{job['job_id']}").json()["items"]
    operations = [tenant.server.db.outbox(i["credential_id"])[0].id for i in items]
    facts = TransactionFacts("0x" + "ab" * 32, "confirmed", 3, 1234, 150_001, 2_000_000_007)
    tenant.server.db.settle(
        operations, state="confirmed", transaction=facts, credential={"state": "confirmed"}
    )

    report = tenant.http.get(f"/v1/credentials/{items[0]['credential_id']}").json()
    progress = tenant.http.get(f"/v1/jobs/{job['job_id']}").json()

    assert report["state"] == "confirmed" and report["status"] == "active"
    assert report["transaction"] == {
        "hash": "0x" + "ab" * 32,
        "state": "confirmed",
        "block_number": 1234,
        "operations_in_transaction": 3,
        "gas_used": 50_000,
        "effective_gas_price_wei": "2000000007",
        "fee_wei": str(50_000 * 2_000_000_007),
    }
    assert progress["counts"] == {"confirmed": 3} and progress["finished"] is True


def test_a_failed_mint_reports_its_reason(tenant: Tenant) -> None:
    credential = tenant.issued(tenant.achievement())
    (operation,) = tenant.server.db.outbox(credential["id"])
    reason = "ChainCredNotAnIssuer(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 9)"
    tenant.server.db.settle(
        [operation.id or 0],
        state="failed",
        error=reason,
        credential={"state": "failed", "failure": reason},
    )

    report = tenant.http.get(f"/v1/credentials/{credential['id']}").json()
    assert (report["state"], report["failure"]) == ("failed", reason)
    assert report["operations"][0]["error"] == reason and report["transaction"] is None


def test_other_institutions_ids_are_404(tenant: Tenant, other: Tenant) -> None:
    credential = tenant.issued(tenant.achievement())
    job = tenant.http.post(
        "/v1/credentials/batch",
        json=[{"achievement_id": tenant.achievement(), "recipient": LEARNER}],
        headers={"Idempotency-Key": "b-404"},
    ).json()

    assert problem(other.http.get(f"/v1/credentials/{credential['id']}"), 404, "not-found")[
        "detail"
    ] == (f"no credential {credential['id']}")
    problem(other.http.get(f"/v1/jobs/{job['job_id']}"), 404, "not-found")
    problem(other.http.get(f"/v1/credentials/{credential['id']}/document"), 404, "not-found")
    problem(tenant.http.get("/v1/credentials/no-such-id"), 404, "not-found")


def test_issuing_needs_the_issue_scope(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    reader = tenant.key_with("read", "revoke")
    body = {"achievement_id": achievement_id, "recipient": LEARNER}
    denied = reader.post("/v1/credentials", json=body, headers={"Idempotency-Key": "s"})
    denied_batch = reader.post(
        "/v1/credentials/batch", json=[body], headers={"Idempotency-Key": "s"}
    )
    problem(denied, 403, "missing-scope")
    problem(denied_batch, 403, "missing-scope")


def test_ids_that_cannot_exist_are_404_not_500(tenant: Tenant) -> None:
    for path in ("/v1/credentials/%00", "/v1/jobs/a%00b", "/v1/achievements/%00"):
        problem(tenant.http.get(path), 404, "not-found")
    odd = tenant.issue("\x00")
    assert problem(odd, 422, "invalid-input")["errors"][0]["path"] == "achievement_id"


def test_a_roster_that_is_not_csv_is_422(tenant: Tenant) -> None:
    roster = f'recipient,name\n{LEARNER},"{"x" * 200_000}"\n'
    response = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": tenant.achievement()},
        content=roster.encode(),
        headers={"Idempotency-Key": "b-huge", "Content-Type": "text/csv"},
    )
    (error,) = problem(response, 422, "invalid-input")["errors"]
    assert error == {
        "path": "line[2]",
        "message": "is not CSV: field larger than field limit (131072)",
    }
    latin1 = "recipient,name\n0x0,Müller\n".encode("latin-1")
    response = tenant.http.post(
        "/v1/credentials/batch",
        params={"achievement_id": "a"},
        content=latin1,
        headers={"Idempotency-Key": "b-latin1", "Content-Type": "text/csv"},
    )
    assert problem(response, 422, "invalid-input")["detail"] == "$: the CSV is not UTF-8 (byte 20)"


def test_concurrent_single_requests_are_all_accepted(tenant: Tenant) -> None:
    """Regression (PostgreSQL): inserting a credential takes a key-share lock on its
    achievement, and locking the achievement FOR UPDATE afterwards deadlocked concurrent
    requests into 503s."""
    from concurrent.futures import ThreadPoolExecutor

    achievement_id = tenant.achievement()
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: tenant.issue(achievement_id), range(36)))

    assert [a.status_code for a in answers] == [202] * 36, [
        a.text for a in answers if a.status_code != 202
    ][:2]
    assert len({a.json()["token_id"] for a in answers}) == 36
