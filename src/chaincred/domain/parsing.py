"""Reading a credential document: structure, canonical form, consistency, anchor.

A document is accepted only if its public part is exactly what chaincred derives from the
facts it states (display fields, badge CID, conformance reports included) and its anchor's
token id is its digest. Anything else is refused with the JSON path of the first problem, so
that "valid document" means one thing for every reader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from chaincred.domain.canonical import canonical_bytes, check_text
from chaincred.domain.claims import PersonalClaims
from chaincred.domain.conformance import (
    CMF_2019,
    CMF_RULE_SETS,
    EU_2022,
    EU_RULE_SETS,
    ConformanceReport,
    RuleSets,
)
from chaincred.domain.digest import sha256_digest, token_id_of
from chaincred.domain.document import CredentialDocument, PublicPart, build_public_part
from chaincred.domain.errors import InvalidCredential, NotCanonicalizable, PathPart, Problem
from chaincred.domain.validation import validate_model

__all__ = ["check_claim_values", "parse_document", "rule_sets_of"]


def parse_document(raw: Mapping[str, Any]) -> CredentialDocument:
    """Validate a full credential document (as parsed from JSON).

    Raises :class:`InvalidCredential` whose ``path`` locates the problem, e.g.
    ``public.achievement.ects`` or ``anchor.token_id``.
    """
    document = validate_model(CredentialDocument, raw)
    public_raw = raw["public"]
    try:
        public_bytes = canonical_bytes(public_raw)
    except NotCanonicalizable as exc:
        raise InvalidCredential.at(("public", *exc.path), exc.reason) from None
    check_claim_values(raw["claims"])
    _check_derived(public_raw, public_bytes, document.public)
    expected = str(token_id_of(sha256_digest(public_bytes)))
    if document.anchor.token_id != expected:
        raise InvalidCredential.at(
            ("anchor", "token_id"), f"is not the digest of the public part (expected {expected})"
        )
    return document


def rule_sets_of(reports: Sequence[ConformanceReport]) -> RuleSets:
    """The rule sets a document's reports name, with the CMF hours-per-ECTS they state."""
    cmf, eu = CMF_2019, EU_2022
    for i, report in enumerate(reports):
        path: tuple[PathPart, ...] = ("public", "conformance", i, "version")
        known: Mapping[str, object] = CMF_RULE_SETS if report.framework == "cmf" else EU_RULE_SETS
        if report.version not in known:
            raise InvalidCredential.at(
                path,
                f"unknown {report.framework} rule set {report.version!r}; known: "
                + ", ".join(sorted(known)),
            )
        if report.framework == "cmf":
            cmf = CMF_RULE_SETS[report.version]
            if report.parameters is not None:
                ratio = report.parameters.hours_per_ects
                try:
                    cmf = cmf.with_hours_per_ects(ratio.min, ratio.max)
                except ValueError as exc:
                    where = ("public", "conformance", i, "parameters", "hours_per_ects")
                    raise InvalidCredential.at(where, str(exc)) from None
        else:
            eu = EU_RULE_SETS[report.version]
    return RuleSets(cmf=cmf, eu=eu)


def check_claim_values(claims: Mapping[str, Mapping[str, Any]]) -> None:
    """Each disclosed value must be canonicalizable as it is and valid for its claim."""
    values = {}
    for name, opening in claims.items():
        value = values[name] = opening["value"]
        problem = check_text(value)
        if problem is not None:
            # The commitment covers the exact value; normalizing it would change what is proven.
            raise InvalidCredential.at(("claims", name, "value"), f"string {problem}")
    try:
        validate_model(PersonalClaims, values)
    except InvalidCredential as exc:
        problems = [
            Problem(("claims", p.path[0], "value", *p.path[1:]), p.message) for p in exc.problems
        ]
        raise InvalidCredential(problems) from None


def _check_derived(public_raw: Mapping[str, Any], public_bytes: bytes, public: PublicPart) -> None:
    """The public part must be what its facts imply. Equal canonical bytes settle it (JSON
    equality: 5 and 5.0 are one number, true is not 1); otherwise the leaf-by-leaf walk finds
    the first difference to report."""
    rebuilt = build_public_part(
        achievement=public.achievement,
        institution=public.institution,
        recipient=public.recipient,
        issued_at=public.issued_at,
        valid_until=public.valid_until,
        supersedes=public.supersedes,
        commitments=public.claim_commitments,
        rules=rule_sets_of(public.conformance),
    )
    expected = rebuilt.to_json()
    if canonical_bytes(expected) == public_bytes:
        return
    problem = _first_difference(public_raw, expected, ("public",))
    if problem is not None:
        raise InvalidCredential([problem])


def _first_difference(found: Any, expected: Any, path: tuple[PathPart, ...]) -> Problem | None:
    if isinstance(found, Mapping) and isinstance(expected, Mapping):
        for key in found:
            if key not in expected:
                return Problem(
                    (*path, key),
                    "must be omitted (absent values and empty lists "
                    "are left out, never written as null or [])",
                )
        for key in expected:
            if key not in found:
                return Problem((*path, key), "is missing")
            problem = _first_difference(found[key], expected[key], (*path, key))
            if problem is not None:
                return problem
        return None
    if isinstance(found, list | tuple) and isinstance(expected, list | tuple):
        for i, (a, b) in enumerate(zip(found, expected, strict=False)):
            problem = _first_difference(a, b, (*path, i))
            if problem is not None:
                return problem
        if len(found) != len(expected):
            return Problem(
                path, f"has {len(found)} items where the credential implies {len(expected)}"
            )
        return None
    if _same_scalar(found, expected):
        return None
    return Problem(path, f"is {_show(found)} but the credential implies {_show(expected)}")


def _same_scalar(a: Any, b: Any) -> bool:
    """Equal as JSON: 5 and 5.0 are one number, but true is not 1 (as it is in Python)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
