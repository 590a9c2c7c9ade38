"""Achievements over HTTP: validated by the domain (422 with field paths), listed, archived,
editable until first used (409 after), invisible to other institutions (404), scoped keys."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.issuer.conftest import ACHIEVEMENT, Tenant, problem


def test_an_achievement_is_created_read_and_listed(tenant: Tenant) -> None:
    created = tenant.http.post("/v1/achievements", json=ACHIEVEMENT)
    assert created.status_code == 201
    body = created.json()
    fetched = tenant.http.get(f"/v1/achievements/{body['id']}").json()
    listed = tenant.http.get("/v1/achievements").json()

    assert body["achievement"] == ACHIEVEMENT
    assert (body["archived"], body["used"]) == (False, False)
    assert fetched == body
    assert [a["id"] for a in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"eqf_level": 9},
            [{"path": "eqf_level", "message": "Input should be less than or equal to 8"}],
        ),
        ({"ects": "5"}, [{"path": "ects", "message": "must be a number"}]),
        (
            {"colour": "blue"},
            [
                {
                    "path": "colour",
                    "message": "is not a known field (unknown fields are rejected, not ignored)",
                }
            ],
        ),
        (
            {"assessment": {"type": "formative", "credit": "direct"}},
            [
                {
                    "path": "assessment.credit",
                    "message": "credit cannot be awarded with a formative assessment",
                }
            ],
        ),
        (
            {"learning_outcomes": [{"txt": "typo"}]},
            [
                {"path": "learning_outcomes[0].text", "message": "is required"},
                {
                    "path": "learning_outcomes[0].txt",
                    "message": "is not a known field (unknown fields are rejected, not ignored)",
                },
            ],
        ),
    ],
    ids=[
        "eqf-out-of-range",
        "ects-as-text",
        "unknown-field",
        "credit-needs-summative",
        "nested-paths",
    ],
)
def test_invalid_achievements_are_422_with_field_paths(
    tenant: Tenant, change: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    details = problem(
        tenant.http.post("/v1/achievements", json=ACHIEVEMENT | change), 422, "invalid-input"
    )
    assert details["errors"] == errors
    assert tenant.http.get("/v1/achievements").json() == []


def test_an_achievement_body_must_be_an_object(tenant: Tenant) -> None:
    details = problem(
        tenant.http.post("/v1/achievements", json=[ACHIEVEMENT]), 422, "invalid-input"
    )
    assert details["errors"] == [{"path": "$", "message": "the body must be a JSON object"}]
    problem(tenant.http.post("/v1/achievements", content=b"[1, 2"), 400, "malformed-json")


def test_an_unused_achievement_can_be_edited_a_used_one_cannot(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    edited = tenant.http.put(f"/v1/achievements/{achievement_id}", json=ACHIEVEMENT | {"ects": 6})
    assert edited.status_code == 200 and edited.json()["achievement"]["ects"] == 6

    tenant.issued(achievement_id)
    assert tenant.http.get(f"/v1/achievements/{achievement_id}").json()["used"] is True
    refused = tenant.http.put(f"/v1/achievements/{achievement_id}", json=ACHIEVEMENT | {"ects": 7})

    assert "can no longer be edited" in problem(refused, 409, "achievement-in-use")["detail"]
    assert tenant.http.get(f"/v1/achievements/{achievement_id}").json()["achievement"]["ects"] == 6


def test_an_edit_is_validated_like_a_creation(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    refused = tenant.http.put(
        f"/v1/achievements/{achievement_id}", json=ACHIEVEMENT | {"workload_hours": -1}
    )
    assert problem(refused, 422, "invalid-input")["errors"][0]["path"] == "workload_hours"


def test_an_archived_achievement_is_listed_only_on_request_and_issues_nothing(
    tenant: Tenant,
) -> None:
    kept, archived = tenant.achievement(), tenant.achievement(title="Retired course")
    answer = tenant.http.post(f"/v1/achievements/{archived}/archive")
    assert answer.status_code == 200 and answer.json()["archived"] is True

    assert [a["id"] for a in tenant.http.get("/v1/achievements").json()] == [kept]
    everything = tenant.http.get("/v1/achievements", params={"archived": "true"}).json()
    assert [a["id"] for a in everything] == [kept, archived]
    details = problem(tenant.issue(archived), 422, "invalid-input")
    assert details["errors"] == [{"path": "achievement_id", "message": "is archived"}]


def test_another_institution_sees_404(tenant: Tenant, other: Tenant) -> None:
    achievement_id = tenant.achievement()
    for response in (
        other.http.get(f"/v1/achievements/{achievement_id}"),
        other.http.put(f"/v1/achievements/{achievement_id}", json=ACHIEVEMENT),
        other.http.post(f"/v1/achievements/{achievement_id}/archive"),
    ):
        assert problem(response, 404, "not-found")["detail"] == f"no achievement {achievement_id}"
    assert other.http.get("/v1/achievements").json() == []
    details = problem(other.issue(achievement_id), 422, "invalid-input")
    assert details["errors"] == [
        {"path": "achievement_id", "message": "is not one of this institution's achievements"}
    ]


def test_scopes_are_enforced(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    reader, issuer = tenant.key_with("read"), tenant.key_with("issue")

    denied = reader.post("/v1/achievements", json=ACHIEVEMENT)
    assert problem(denied, 403, "missing-scope")["detail"] == "this API key lacks the 'issue' scope"
    problem(reader.post(f"/v1/achievements/{achievement_id}/archive"), 403, "missing-scope")
    problem(issuer.get("/v1/achievements"), 403, "missing-scope")
    assert reader.get(f"/v1/achievements/{achievement_id}").status_code == 200
    assert issuer.post("/v1/achievements", json=ACHIEVEMENT).status_code == 201
