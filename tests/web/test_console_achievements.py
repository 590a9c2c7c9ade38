"""Achievements in the console: defined from a form (field errors next to their fields, what
was typed kept), shown, edited until first used (refused after, as the API refuses),
archived."""

from __future__ import annotations

import pytest

from tests.api.issuer.conftest import Tenant
from tests.web.console_support import (  # noqa: F401 - other: a fixture
    Browser,
    last_part,
    location,
    other,
    signed_in,
)

pytestmark = pytest.mark.chain

#: The form as an institution fills it in, in the form's own notation (languages separated by
#: commas, one outcome a line with its ESCO skills after "|"); other fields than the API tests'
#: achievement has (two languages, an ESCO skill, a field of study), as the form must read them.
FILLED = {
    "title": "Data Protection by Design",
    "description": "Privacy engineering for information systems under the GDPR.",
    "achievement_type": "micro-credential",
    "workload_hours": "130",
    "delivery_mode": "blended",
    "languages": "en, nl",
    "assessment_type": "summative",
    "assessment_credit": "direct",
    "identity_verification": "on-site",
    "learning_outcomes": (
        "Apply data minimisation to a system design.\n"
        "Assess a processing operation | http://data.europa.eu/esco/skill/abc-123\n"
    ),
    "ects": "5",
    "eqf_level": "6",
    "assessment_method": "project",
    "quality_assurance_type": "external",
    "quality_assurance_body": "NVAO",
    "field_of_study": "0613",
    "validity_months": "",
}


def _define(browser: Browser, changes: dict[str, str] | None = None) -> str:
    form = browser.get("/console/achievements/new")
    answer = browser.submit(form, "achievement-form", FILLED | (changes or {}))
    target = location(answer)
    assert target.endswith("?done=created"), target
    return last_part(target)


def test_an_achievement_defined_in_the_form_is_the_apis_achievement(tenant: Tenant) -> None:
    browser = signed_in(tenant)
    form = browser.get("/console/achievements/new")
    assert form.status == 200
    for name in ("title", "description", "ects", "eqf_level", "learning_outcomes"):
        assert form.select("label", **{"for": name}), name

    achievement_id = _define(browser, {"ects": "5,5"})

    stored = tenant.http.get(f"/v1/achievements/{achievement_id}").json()["achievement"]
    assert stored == {
        "achievement_type": "micro-credential",
        "title": "Data Protection by Design",
        "description": "Privacy engineering for information systems under the GDPR.",
        "learning_outcomes": [
            {"text": "Apply data minimisation to a system design."},
            {
                "text": "Assess a processing operation",
                "esco_skills": ["http://data.europa.eu/esco/skill/abc-123"],
            },
        ],
        "ects": 5.5,
        "eqf_level": 6,
        "workload_hours": 130,
        "delivery_mode": "blended",
        "languages": ["en", "nl"],
        "assessment": {"type": "summative", "credit": "direct", "method": "project"},
        "identity_verification": "on-site",
        "quality_assurance": {"type": "external", "body": "NVAO"},
        "field_of_study": "0613",
    }
    page = browser.get(f"/console/achievements/{achievement_id}?done=created")
    assert page.status == 200
    assert "defined" in page.select("p", **{"class": "notice"})[0].text()
    facts = page.by_id("achievement-facts").text()
    assert "5.5" in facts and "external (NVAO)" in facts
    listed = browser.get("/console/achievements")
    assert listed.select("tr", data_achievement=achievement_id)


def test_field_errors_stand_next_to_their_fields_and_the_typed_values_stay(
    tenant: Tenant,
) -> None:
    browser = signed_in(tenant)
    form = browser.get("/console/achievements/new")
    answer = browser.submit(
        form,
        "achievement-form",
        FILLED
        | {
            "title": "",
            "ects": "five",
            "assessment_type": "formative",
            "quality_assurance_body": "",
            "field_of_study": "06a",
        },
    )

    assert answer.status == 422
    assert answer.error_of("title") == "Title: is required"
    assert answer.error_of("ects") == "ECTS credits: must be a number"
    assert answer.error_of("assessment_credit") == (
        "Academic credit: credit cannot be awarded with a formative assessment"
    )
    assert answer.error_of("quality_assurance_body") == (
        "Quality assurance body: external quality assurance must name its body"
    )
    assert answer.error_of("field_of_study").startswith("Field of study (ISCED-F code): ")
    assert answer.has_id("form-error")
    _, kept = answer.form("achievement-form")
    assert kept["ects"] == "five" and kept["field_of_study"] == "06a"
    assert kept["learning_outcomes"] == FILLED["learning_outcomes"]
    assert kept["assessment_type"] == "formative" and kept["delivery_mode"] == "blended"
    assert not answer.has_id("description-error")
    twice = browser.submit(form, "achievement-form", FILLED | {"languages": "en, en"})
    assert twice.status == 422
    assert twice.error_of("languages") == "Languages: language 2: en is listed twice"
    assert tenant.http.get("/v1/achievements").json() == []


def test_an_achievement_is_edited_until_a_credential_is_issued_from_it(tenant: Tenant) -> None:
    browser = signed_in(tenant)
    achievement_id = _define(browser)

    form = browser.get(f"/console/achievements/{achievement_id}/edit")
    _, values = form.form("achievement-form")
    assert values["title"] == FILLED["title"] and values["languages"] == "en, nl"
    assert values["learning_outcomes"].splitlines() == FILLED["learning_outcomes"].splitlines()
    saved = browser.submit(form, "achievement-form", {"title": "Privacy by Design", "ects": "4"})
    assert location(saved) == f"/console/achievements/{achievement_id}?done=edited"
    stored = tenant.http.get(f"/v1/achievements/{achievement_id}").json()["achievement"]
    assert (stored["title"], stored["ects"]) == ("Privacy by Design", 4)

    tenant.issued(achievement_id)

    page = browser.get(f"/console/achievements/{achievement_id}")
    assert not page.has_id("edit-achievement") and page.has_id("edit-locked")
    locked = browser.get(f"/console/achievements/{achievement_id}/edit")
    assert locked.status == 409
    assert "can no longer be edited" in locked.by_id("form-error").text()
    refused = browser.submit(form, "achievement-form", {"title": "Too late"})
    assert refused.status == 409
    assert "can no longer be edited" in refused.by_id("form-error").text()
    assert refused.form("achievement-form")[1]["title"] == "Too late"
    stored = tenant.http.get(f"/v1/achievements/{achievement_id}").json()["achievement"]
    assert stored["title"] == "Privacy by Design"
    # a new achievement can start from the used one
    copy = browser.get(f"/console/achievements/new?copy={achievement_id}")
    assert copy.form("achievement-form")[1]["title"] == "Privacy by Design"


def test_an_archived_achievement_is_listed_apart_and_offered_for_no_issuing(
    tenant: Tenant,
) -> None:
    browser = signed_in(tenant)
    kept, retired = _define(browser), _define(browser, {"title": "Old Course"})

    page = browser.get(f"/console/achievements/{retired}")
    answer = browser.submit(page, "archive-form")

    assert location(answer) == f"/console/achievements/{retired}?done=archived"
    assert tenant.http.get(f"/v1/achievements/{retired}").json()["archived"] is True
    listed = browser.get("/console/achievements")
    assert listed.select("tr", data_achievement=kept)
    assert not listed.select("tr", data_achievement=retired)
    assert listed.select("li", data_achievement=retired)
    issue_form = browser.get("/console/issue")
    options = [
        o.attrs["value"] for o in issue_form.by_id("achievement_id").walk() if o.tag == "option"
    ]
    assert kept in options and retired not in options
    assert not browser.get(f"/console/achievements/{retired}").has_id("archive-form")


def test_another_institutions_achievement_is_not_found(
    tenant: Tenant,
    other: Tenant,  # noqa: F811
) -> None:
    theirs = other.achievement()
    browser = signed_in(tenant)

    for path in (f"/console/achievements/{theirs}", f"/console/achievements/{theirs}/edit"):
        page = browser.get(path)
        assert page.status == 404
        assert page.by_id("console-error").text() == f"no achievement {theirs}"
    assert browser.post(f"/console/achievements/{theirs}/archive").status == 404
    assert other.http.get(f"/v1/achievements/{theirs}").json()["archived"] is False
    assert theirs not in browser.get("/console/achievements").text
