"""Conformance reports: does a credential meet (a) the Common Microcredential Framework and
(b) the mandatory elements of the EU Council Recommendation on micro-credentials (2022)?

Both are versioned rule sets because the frameworks are revised (the CMF's admitted EQF levels
differ between texts; see /work/shared/DOMAIN.md). A report names its rule set's version and
parameters and lists every rule as met / not met / not applicable with the fields that decide
it. Reports are carried in the public part, so they are covered by the digest; a document's
report is recomputed when it is parsed, and a report that does not follow from the credential
is refused.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import Field

from chaincred.domain.achievement import Achievement
from chaincred.domain.fields import EqfLevel, Model, PositiveNumber

__all__ = [
    "CMF_2019",
    "CMF_REVISED",
    "CMF_RULE_SETS",
    "EU_2022",
    "EU_RULE_SETS",
    "CmfParameters",
    "CmfRuleSet",
    "ConformanceReport",
    "EuRuleSet",
    "HoursRange",
    "RuleResult",
    "RuleSets",
    "RuleStatus",
    "cmf_report",
    "eu_report",
]

RuleStatus = Literal["met", "not_met", "not_applicable"]


class RuleResult(Model):
    rule: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    status: RuleStatus
    fields: tuple[str, ...] = Field(min_length=1)
    """The fields that decide the outcome (for a rule not met: the missing or failing ones)."""


class HoursRange(Model):
    min: PositiveNumber
    max: PositiveNumber


class CmfParameters(Model):
    admitted_eqf_levels: tuple[EqfLevel, ...] = Field(min_length=1)
    workload_hours: HoursRange
    hours_per_ects: HoursRange


class ConformanceReport(Model):
    framework: Literal["cmf", "eu-council"]
    version: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", max_length=64)
    parameters: CmfParameters | None = None
    conforms: bool
    rules: tuple[RuleResult, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class CmfRuleSet:
    """One version of the CMF rules; ``hours_per_ects`` is a national setting (DOMAIN: 25-30)."""

    version: str
    admitted_eqf_levels: frozenset[int]
    workload_hours: tuple[float, float] = (100, 150)
    hours_per_ects: tuple[float, float] = (25, 30)

    def with_hours_per_ects(self, low: float, high: float) -> CmfRuleSet:
        if not 0 < low <= high:
            raise ValueError(f"hours per ECTS must satisfy 0 < low <= high, got {low}, {high}")
        return replace(self, hours_per_ects=(low, high))

    def parameters(self) -> CmfParameters:
        low, high = self.workload_hours
        return CmfParameters(
            admitted_eqf_levels=tuple(sorted(self.admitted_eqf_levels)),
            workload_hours=HoursRange(min=low, max=high),
            hours_per_ects=HoursRange(min=self.hours_per_ects[0], max=self.hours_per_ects[1]),
        )


@dataclass(frozen=True, slots=True)
class EuRuleSet:
    version: str


CMF_2019 = CmfRuleSet("cmf-2019", frozenset({6, 7}))
"""The published Common Microcredential Framework (European MOOC Consortium, 2019): EQF 6-7."""
CMF_REVISED = CmfRuleSet("cmf-revised", frozenset({4, 5, 6, 7}))
"""The revised text, which also admits EQF 4-5 when the ECTS criteria are met."""
EU_2022 = EuRuleSet("eu-2022")
"""Council Recommendation of 16 June 2022 (2022/C 243/02), Annex I, mandatory elements."""

CMF_RULE_SETS = {r.version: r for r in (CMF_2019, CMF_REVISED)}
EU_RULE_SETS = {r.version: r for r in (EU_2022,)}


@dataclass(frozen=True, slots=True)
class RuleSets:
    """The rule sets an issuance reports against."""

    cmf: CmfRuleSet = CMF_2019
    eu: EuRuleSet = EU_2022


def _rule(
    rule: str, ok: bool, fields: tuple[str, ...], failing: tuple[str, ...] = ()
) -> RuleResult:
    """A met/not-met result; ``failing`` names the fields to blame when not met."""
    status: RuleStatus = "met" if ok else "not_met"
    return RuleResult(rule=rule, status=status, fields=fields if ok else failing or fields)


def _report(
    framework: Literal["cmf", "eu-council"],
    version: str,
    rules: list[RuleResult],
    parameters: CmfParameters | None = None,
) -> ConformanceReport:
    report = ConformanceReport(
        framework=framework,
        version=version,
        conforms=all(r.status != "not_met" for r in rules),
        rules=tuple(rules),
    )
    return report if parameters is None else report.model_copy(update={"parameters": parameters})


def cmf_report(achievement: Achievement, rules: CmfRuleSet = CMF_2019) -> ConformanceReport:
    """The five CMF conditions (DOMAIN.md), rule 1 split into workload and its ECTS match."""
    a = achievement
    low, high = rules.workload_hours
    results = [
        _rule("workload", low <= a.workload_hours <= high, ("achievement.workload_hours",)),
        _credits_match_workload(a, rules),
        _rule("level", a.eqf_level in rules.admitted_eqf_levels, ("achievement.eqf_level",)),
        _rule(
            "summative-assessment",
            a.assessment.type == "summative" and a.assessment.credit != "none",
            ("achievement.assessment.type", "achievement.assessment.credit"),
        ),
        _rule(
            "identity-verification",
            a.identity_verification != "none",
            ("achievement.identity_verification",),
        ),
        _transcript(a),
    ]
    return _report("cmf", rules.version, results, rules.parameters())


def _credits_match_workload(a: Achievement, rules: CmfRuleSet) -> RuleResult:
    fields = ("achievement.ects", "achievement.workload_hours")
    if a.ects is None:
        return RuleResult(rule="credits-match-workload", status="not_applicable", fields=fields)
    low, high = rules.hours_per_ects
    matches = a.ects * low <= a.workload_hours <= a.ects * high
    return _rule("credits-match-workload", matches, fields)


def _transcript(a: Achievement) -> RuleResult:
    # CMF 5: a transcript of learning outcomes, total hours, EQF level and credits.
    concerned = {
        "achievement.learning_outcomes": bool(a.learning_outcomes),
        "achievement.workload_hours": True,
        "achievement.eqf_level": a.eqf_level is not None,
        "achievement.ects": a.ects is not None,
    }
    missing = tuple(f for f, present in concerned.items() if not present)
    return _rule("transcript", not missing, tuple(concerned), missing)


_IDENTIFYING_CLAIMS = ("name", "family_name", "student_id")


def eu_report(
    achievement: Achievement,
    *,
    issuer_country: str | None,
    committed_claims: Collection[str],
    rules: EuRuleSet = EU_2022,
) -> ConformanceReport:
    """The mandatory elements of the 2022 Recommendation. The learner is identified by the
    wallet address *and* a committed identifying claim (DOMAIN: an address alone names a
    wallet, not a person)."""
    a = achievement
    identifying = [f"claim_commitments.{c}" for c in _IDENTIFYING_CLAIMS if c in committed_claims]
    results = [
        _rule(
            "learner-identification",
            bool(identifying),
            ("recipient", *identifying[:1]),
            ("claim_commitments",),
        ),
        _rule("title", True, ("achievement.title",)),
        _rule("issuer-country", issuer_country is not None, ("institution.country",)),
        _rule("awarding-body", True, ("institution.name",)),
        _rule("date-of-issue", True, ("issued_at",)),
        _rule("learning-outcomes", bool(a.learning_outcomes), ("achievement.learning_outcomes",)),
        _rule("notional-workload", True, ("achievement.workload_hours",)),
        _rule("level", a.eqf_level is not None, ("achievement.eqf_level",)),
        _rule("assessment-type", True, ("achievement.assessment.type",)),
        _rule("participation-form", True, ("achievement.delivery_mode",)),
        _rule(
            "quality-assurance",
            a.quality_assurance is not None,
            ("achievement.quality_assurance",),
        ),
    ]
    return _report("eu-council", rules.version, results)
