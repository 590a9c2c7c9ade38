"""The console's forms as the services' raw input, and the services' problems as field errors.

A form is flat text; the services take the JSON API's bodies. Converting is presentation
only: text becomes numbers where the body wants numbers (a value that is no number is passed
on as typed, so the domain names the problem), lines become lists, empty fields are left out
(an absent optional field is omitted, never null). Every rule stays in the domain and the
services; their problems come back here addressed to the field they concern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chaincred.domain import CLAIM_NAMES, InvalidCredential
from chaincred.domain.achievement import (
    AchievementType,
    AssessmentType,
    CreditAward,
    DeliveryMode,
    IdentityVerification,
)
from chaincred.domain.errors import PathPart, render_path
from chaincred.services.publishing import BurnAuthName
from chaincred.web.labels import CLAIM_LABELS

__all__ = [
    "ACHIEVEMENT_LABELS",
    "CHOICES",
    "ISSUE_LABELS",
    "FieldErrors",
    "achievement_form",
    "achievement_raw",
    "claims_raw",
    "field_errors",
    "issue_raw",
    "literal_choices",
]

FieldErrors = dict[str, list[str]]
"""Messages per form field; ``""`` holds those of no field."""

ACHIEVEMENT_LABELS = {
    "title": "Title",
    "description": "Description",
    "achievement_type": "Type of achievement",
    "workload_hours": "Workload (hours)",
    "delivery_mode": "Form of participation",
    "languages": "Languages",
    "assessment_type": "Type of assessment",
    "assessment_credit": "Academic credit",
    "identity_verification": "Identity verification at assessment",
    "learning_outcomes": "Learning outcomes",
    "ects": "ECTS credits",
    "eqf_level": "EQF level",
    "assessment_method": "Assessment method",
    "quality_assurance_type": "Quality assurance",
    "quality_assurance_body": "Quality assurance body",
    "quality_assurance_accreditation": "Accreditation reference",
    "field_of_study": "Field of study (ISCED-F code)",
    "code": "Course code",
    "url": "Web page",
    "prerequisites": "Prerequisites",
    "stackability_part_of": "Part of (stackable into)",
    "stackability_degree_integration": "Integration into a degree",
    "validity_months": "Validity (months)",
}


ISSUE_LABELS = {
    "achievement_id": "Achievement",
    "recipient": "Recipient wallet address",
    "valid_until": "Valid until",
    "burn_auth": "Who may burn the token",
    **CLAIM_LABELS,
}


def literal_choices(kind: Any) -> list[tuple[str, str]]:
    """(value, text) options of a ``Literal`` type."""
    return [(value, value.replace("-", " ").replace("_", " ")) for value in kind.__args__]


CHOICES = {
    "achievement_type": literal_choices(AchievementType),
    "delivery_mode": literal_choices(DeliveryMode),
    "assessment_type": literal_choices(AssessmentType),
    "assessment_credit": literal_choices(CreditAward),
    "identity_verification": literal_choices(IdentityVerification),
    "quality_assurance_type": [("internal", "internal"), ("external", "external")],
    "eqf_level": [(str(n), f"EQF {n}") for n in range(1, 9)],
    "burn_auth": literal_choices(BurnAuthName),
}

_NESTED = ("assessment", "quality_assurance", "stackability")
#: A problem with a whole nested object belongs to its first field.
_OBJECT_FIELD = {
    "assessment": "assessment_type",
    "quality_assurance": "quality_assurance_type",
    "stackability": "stackability_part_of",
}


# ---- achievements


def achievement_raw(form: Mapping[str, str]) -> dict[str, object]:
    """An achievement body (``POST /v1/achievements``) from the form's fields."""
    value = {name: form.get(name, "").strip() for name in ACHIEVEMENT_LABELS}
    raw: dict[str, object] = {}
    for name in (
        "achievement_type", "title", "description", "code", "url",
        "delivery_mode", "identity_verification", "field_of_study",
    ):  # fmt: skip
        if value[name]:
            raw[name] = value[name]
    for name in ("ects", "workload_hours"):
        if value[name]:
            raw[name] = _number(value[name])
    for name in ("eqf_level", "validity_months"):
        if value[name]:
            raw[name] = _integer(value[name])
    if value["languages"]:
        raw["languages"] = [t for t in value["languages"].replace(",", " ").split() if t]
    if value["learning_outcomes"]:
        raw["learning_outcomes"] = [_outcome(line) for line in _lines(value["learning_outcomes"])]
    if value["prerequisites"]:
        raw["prerequisites"] = _lines(value["prerequisites"])
    for name in _NESTED:
        nested: dict[str, object] = {
            field.removeprefix(f"{name}_"): value[field]
            for field in ACHIEVEMENT_LABELS
            if field.startswith(f"{name}_") and value[field]
        }
        if "part_of" in nested:
            nested["part_of"] = _lines(value["stackability_part_of"])
        if nested:
            raw[name] = nested
    return raw


def achievement_form(data: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields showing a stored achievement (the reverse of
    :func:`achievement_raw`)."""
    form: dict[str, str] = {}
    for name, value in data.items():
        if name in _NESTED and isinstance(value, Mapping):
            for field, inner in value.items():
                form[f"{name}_{field}"] = _text(inner)
        elif name == "learning_outcomes":
            form[name] = "\n".join(
                " | ".join([o["text"], " ".join(o["esco_skills"])])
                if o.get("esco_skills")
                else o["text"]
                for o in value
            )
        elif name == "languages":
            form[name] = ", ".join(value)
        else:
            form[name] = _text(value)
    return form


def _outcome(line: str) -> dict[str, object]:
    """``text`` or ``text | esco-uri esco-uri…``."""
    text, _, skills = line.partition(" | ")
    outcome: dict[str, object] = {"text": text.strip()}
    if skills.strip():
        outcome["esco_skills"] = skills.split()
    return outcome


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(text: str) -> object:
    """A number as typed (``5``, ``5.5``, ``5,5``); anything else as text for the domain to
    refuse with its own message."""
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if number == number and abs(number) != float("inf") else text


def _integer(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        return _number(text)


# ---- issuing


def claims_raw(form: Mapping[str, str]) -> dict[str, str]:
    """The personal claims filled in (empty fields are no claim)."""
    return {name: form[name].strip() for name in CLAIM_NAMES if form.get(name, "").strip()}


def issue_raw(form: Mapping[str, str]) -> dict[str, object]:
    """A ``POST /v1/credentials`` body from the issue form."""
    raw: dict[str, object] = {
        "achievement_id": form.get("achievement_id", ""),
        "recipient": form.get("recipient", "").strip(),
        "claims": claims_raw(form),
    }
    if form.get("burn_auth"):
        raw["burn_auth"] = form["burn_auth"]
    valid_until = form.get("valid_until", "").strip()
    if valid_until:
        # A date input gives the day; the credential is valid to its end (UTC).
        raw["valid_until"] = f"{valid_until}T23:59:59Z" if len(valid_until) == 10 else valid_until
    return raw


# ---- problems


def field_errors(exc: InvalidCredential, labels: Mapping[str, str]) -> FieldErrors:
    """The problems of ``exc`` per form field (``labels`` names the form's fields)."""
    errors: FieldErrors = {}
    for problem in exc.problems:
        field, where = _field(problem.path, labels)
        label = labels.get(field)
        message = f"{where}{problem.message}"
        if label is None:
            field, message = "", f"{render_path(problem.path)}: {problem.message}"
        errors.setdefault(field, []).append(message if field == "" else f"{label}: {message}")
    return errors


def _field(path: Sequence[PathPart], labels: Mapping[str, str]) -> tuple[str, str]:
    """The form field a problem's path is about, and where in that field (``line 2: ``)."""
    parts = list(path)
    if parts[:1] == ["claims"]:
        parts = parts[1:]
    if not parts or not isinstance(parts[0], str):
        return "", ""
    name, rest = parts[0], parts[1:]
    if name in _NESTED:
        if rest and isinstance(rest[0], str):
            name, rest = f"{name}_{rest[0]}", rest[1:]
        else:
            name = _OBJECT_FIELD[name]
    if name not in labels:
        return "", ""
    if rest and isinstance(rest[0], int):
        what = "language" if name == "languages" else "line"
        return name, f"{what} {rest[0] + 1}: "
    return name, ""
