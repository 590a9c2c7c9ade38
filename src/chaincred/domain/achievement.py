"""What an institution defines once and awards to many learners: the achievement.

Fields follow the MicroHE / European Learning Model elements and the mandatory elements of the
EU Council Recommendation on micro-credentials (2022); see /work/shared/DOMAIN.md. Nothing
here is personal: the achievement is public, on IPFS, in every token's metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from chaincred.domain.fields import (
    Count,
    EqfLevel,
    HttpsUrl,
    LanguageTag,
    Model,
    PositiveNumber,
    ShortText,
    Text,
)
from chaincred.domain.validation import field_error, validate_model

__all__ = [
    "Achievement",
    "AchievementType",
    "Assessment",
    "AssessmentType",
    "CreditAward",
    "DeliveryMode",
    "IdentityVerification",
    "LearningOutcome",
    "QualityAssurance",
    "Stackability",
    "parse_achievement",
]

AchievementType = Literal[
    "micro-credential", "course", "module", "certificate", "badge", "learning-programme"
]
DeliveryMode = Literal["online", "on-site", "blended"]
AssessmentType = Literal["none", "formative", "summative"]
CreditAward = Literal["none", "direct", "recognition-of-prior-learning"]
"""How academic credit is awarded: directly, or by recognition of prior learning on enrolment
(both satisfy CMF rule 3)."""
IdentityVerification = Literal["none", "online-proctored", "on-site"]

EscoSkillUri = Annotated[
    str, StringConstraints(strict=True, pattern=r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]+$")
]
IscedFieldCode = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{2,4}$")]
"""ISCED-F 2013 field of education: broad (2 digits), narrow (3) or detailed (4)."""


class LearningOutcome(Model):
    """One learning outcome, optionally tied to ESCO skills (http://data.europa.eu/esco/skill/…)."""

    text: Text
    esco_skills: tuple[EscoSkillUri, ...] = ()


class Assessment(Model):
    type: AssessmentType
    credit: CreditAward
    method: ShortText | None = None
    """For instance "written exam", "project", "oral defence"."""

    @model_validator(mode="after")
    def _credit_needs_summative(self) -> Self:
        # Credit is awarded on the evidence of a summative assessment; a formative one (or
        # none) cannot carry it, whatever the route (direct or recognition of prior learning).
        if self.credit != "none" and self.type != "summative":
            raise field_error("credit", f"credit cannot be awarded with a {self.type} assessment")
        return self


class QualityAssurance(Model):
    type: Literal["internal", "external"]
    body: ShortText | None = None
    """The external quality-assurance body (for instance an EQAR-registered agency)."""
    accreditation: ShortText | None = None
    """The accreditation's reference at that body."""

    @model_validator(mode="after")
    def _external_names_body(self) -> Self:
        if self.type == "external" and self.body is None:
            raise field_error("body", "external quality assurance must name its body")
        return self


class Stackability(Model):
    part_of: tuple[ShortText, ...] = ()
    """The larger qualifications this achievement can be a component of."""
    degree_integration: Text | None = None
    """How it integrates into a degree (credit transfer, exemption, …)."""

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.part_of and self.degree_integration is None:
            raise field_error("part_of", "give part_of or degree_integration, or omit stackability")
        return self


class Achievement(Model):
    """A micro-credential as its institution defines it, reused for every learner."""

    achievement_type: AchievementType
    title: ShortText
    description: Text
    code: ShortText | None = None
    url: HttpsUrl | None = None
    learning_outcomes: tuple[LearningOutcome, ...] = ()
    ects: PositiveNumber | None = None
    eqf_level: EqfLevel | None = None
    workload_hours: PositiveNumber
    """Notional workload, including the summative assessment."""
    delivery_mode: DeliveryMode
    languages: tuple[LanguageTag, ...] = Field(min_length=1)
    assessment: Assessment
    identity_verification: IdentityVerification
    quality_assurance: QualityAssurance | None = None
    prerequisites: tuple[Text, ...] = ()
    field_of_study: IscedFieldCode | None = None
    stackability: Stackability | None = None
    validity_months: Count | None = None
    """How long a credential stays valid after issue; absent means it does not expire."""

    @model_validator(mode="after")
    def _languages_distinct(self) -> Self:
        seen: set[str] = set()
        for i, tag in enumerate(self.languages):
            if tag in seen:
                raise field_error(("languages", i), f"{tag} is listed twice")
            seen.add(tag)
        return self


def parse_achievement(raw: Mapping[str, object]) -> Achievement:
    """Validate an achievement definition; raise :class:`InvalidCredential` with field paths."""
    return validate_model(Achievement, raw)
