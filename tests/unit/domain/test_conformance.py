"""Conformance reports: CMF (versioned, with the hours-per-ECTS setting) and the EU 2022
Recommendation's mandatory elements."""

from __future__ import annotations

from typing import Any

import pytest

from chaincred.domain import (
    CMF_2019,
    CMF_REVISED,
    ConformanceReport,
    RuleSets,
    cmf_report,
    eu_report,
)

from .factories import DROP, achievement, issue


def _statuses(report: ConformanceReport) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {r.rule: (r.status, r.fields) for r in report.rules}


def test_a_typical_micro_credential_conforms_to_cmf_2019() -> None:
    report = cmf_report(achievement())
    assert report.framework == "cmf" and report.version == "cmf-2019" and report.conforms
    assert all(r.status == "met" for r in report.rules)
    assert [r.rule for r in report.rules] == [
        "workload",
        "credits-match-workload",
        "level",
        "summative-assessment",
        "identity-verification",
        "transcript",
    ]
    assert report.parameters is not None
    assert report.parameters.admitted_eqf_levels == (6, 7)


@pytest.mark.parametrize(
    ("changes", "rule", "fields"),
    [
        ({"workload_hours": 99, "ects": 3.5}, "workload", ("achievement.workload_hours",)),
        ({"workload_hours": 151, "ects": 5.5}, "workload", ("achievement.workload_hours",)),
        ({"ects": 6}, "credits-match-workload", ("achievement.ects", "achievement.workload_hours")),
        ({"eqf_level": 5}, "level", ("achievement.eqf_level",)),
        ({"eqf_level": 8}, "level", ("achievement.eqf_level",)),
        (
            {"assessment": {"type": "summative", "credit": "none"}},
            "summative-assessment",
            ("achievement.assessment.type", "achievement.assessment.credit"),
        ),
        (
            {"identity_verification": "none"},
            "identity-verification",
            ("achievement.identity_verification",),
        ),
        ({"learning_outcomes": DROP}, "transcript", ("achievement.learning_outcomes",)),
    ],
)
def test_each_cmf_rule_fails_on_its_own_field(
    changes: dict[str, Any], rule: str, fields: tuple[str, ...]
) -> None:
    report = cmf_report(achievement(**changes))
    assert not report.conforms
    failing = {r.rule: r.fields for r in report.rules if r.status == "not_met"}
    assert failing == {rule: fields}


def test_boundaries_of_the_workload_are_inclusive() -> None:
    assert cmf_report(achievement(workload_hours=100, ects=4)).conforms
    assert cmf_report(achievement(workload_hours=150, ects=5)).conforms


def test_without_ects_the_credit_match_is_not_applicable_but_the_transcript_fails() -> None:
    statuses = _statuses(cmf_report(achievement(ects=DROP)))
    assert statuses["credits-match-workload"][0] == "not_applicable"
    assert statuses["transcript"] == ("not_met", ("achievement.ects",))


def test_admitted_levels_are_a_versioned_rule_set() -> None:
    eqf5 = achievement(eqf_level=5)
    assert not cmf_report(eqf5, CMF_2019).conforms
    revised = cmf_report(eqf5, CMF_REVISED)
    assert revised.conforms and revised.version == "cmf-revised"


def test_hours_per_ects_is_a_setting_named_in_the_report() -> None:
    a = achievement(ects=4.5, workload_hours=126)
    assert cmf_report(a).conforms  # 4.5 x 25-30 h = 112.5-135 h
    strict = CMF_2019.with_hours_per_ects(30, 30)
    report = cmf_report(a, strict)
    assert _statuses(report)["credits-match-workload"][0] == "not_met"
    assert report.parameters is not None
    assert (report.parameters.hours_per_ects.min, report.parameters.hours_per_ects.max) == (30, 30)


def test_hours_per_ects_must_be_an_ordered_positive_range() -> None:
    with pytest.raises(ValueError, match="0 < low <= high"):
        CMF_2019.with_hours_per_ects(30, 25)


def test_eu_mandatory_elements_all_met() -> None:
    report = eu_report(achievement(), issuer_country="NL", committed_claims={"name"})
    assert report.framework == "eu-council" and report.version == "eu-2022" and report.conforms
    assert _statuses(report)["learner-identification"] == (
        "met",
        ("recipient", "claim_commitments.name"),
    )


@pytest.mark.parametrize(
    ("changes", "country", "claims", "rule", "fields"),
    [
        ({}, "NL", {"date_of_birth"}, "learner-identification", ("claim_commitments",)),
        ({}, None, {"name"}, "issuer-country", ("institution.country",)),
        (
            {"learning_outcomes": DROP},
            "NL",
            {"name"},
            "learning-outcomes",
            ("achievement.learning_outcomes",),
        ),
        ({"eqf_level": DROP}, "NL", {"name"}, "level", ("achievement.eqf_level",)),
        (
            {"quality_assurance": DROP},
            "NL",
            {"name"},
            "quality-assurance",
            ("achievement.quality_assurance",),
        ),
    ],
)
def test_each_missing_eu_element_is_reported(
    changes: dict[str, Any],
    country: str | None,
    claims: set[str],
    rule: str,
    fields: tuple[str, ...],
) -> None:
    report = eu_report(achievement(**changes), issuer_country=country, committed_claims=claims)
    failing = {r.rule: r.fields for r in report.rules if r.status == "not_met"}
    assert failing == {rule: fields}
    assert not report.conforms


def test_student_id_alone_identifies_the_learner() -> None:
    report = eu_report(achievement(), issuer_country="NL", committed_claims={"student_id"})
    assert _statuses(report)["learner-identification"][0] == "met"


def test_reports_are_carried_in_the_public_part_with_the_chosen_rule_sets() -> None:
    document = issue(achievement(eqf_level=5), rules=RuleSets(cmf=CMF_REVISED))
    cmf, eu = document.public.conformance
    assert (cmf.version, cmf.conforms) == ("cmf-revised", True)
    assert eu.version == "eu-2022"
