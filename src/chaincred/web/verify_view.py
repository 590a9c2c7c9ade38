"""The verifier page's reading of a report: the verdict in words, one row per check with its
evidence as labelled facts, the credential's own facts, the claims, and where it was judged.

Everything shown comes from the :class:`VerificationReport` (what the checks found) and from a
public part whose digest is the token id (the document's, or the token's published metadata),
so nothing here is taken on anyone's word. Templates only lay these values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chaincred.domain import CLAIM_NAMES, PublicPart
from chaincred.domain.verification import Check, Outcome, Verdict, VerificationReport
from chaincred.web.labels import CLAIM_LABELS

__all__ = ["Fact", "ReportView", "Row", "report_view", "short_id", "token_hex"]

VERDICT_WORDS = {
    Verdict.VALID: "Valid",
    Verdict.INVALID: "Invalid",
    Verdict.INDETERMINATE: "Cannot determine",
}
OUTCOME_WORDS = {
    Outcome.PASS: "Passed",
    Outcome.FAIL: "Failed",
    Outcome.INDETERMINATE: "Cannot determine",
}
CHECK_LABELS = {
    "format": "Format",
    "integrity": "Integrity",
    "onchain": "On the chain",
    "status": "Status",
    "issuer": "Issuer",
    "validity": "Validity period",
    "conformance": "Conformance",
    "possession": "Holder possession",
}
FRAMEWORK_LABELS = {"cmf": "Common Microcredential Framework", "eu-council": "EU Council 2022"}


@dataclass(frozen=True)
class Fact:
    """One labelled value; ``items`` makes it a list, ``href`` a link, ``id`` an anchor."""

    label: str
    value: str = ""
    items: tuple[str, ...] = ()
    href: str | None = None
    id: str | None = None
    mono: bool = False


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    outcome: str
    outcome_words: str
    message: str
    code: str | None
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Claims:
    proven: tuple[tuple[str, str], ...] = ()
    withheld: tuple[str, ...] = ()
    mismatched: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportView:
    verdict: str
    verdict_words: str
    why: str
    rows: tuple[Row, ...]
    credential: tuple[Fact, ...]
    judged: tuple[Fact, ...]
    claims: Claims | None
    token_hex: str | None
    chain_only: bool
    retry: bool
    outcomes: Mapping[str, str] = field(default_factory=dict)


def token_hex(token_id: int) -> str:
    return f"0x{token_id:064x}"


def short_id(token_id: int | None) -> str:
    """The first twelve hex digits of the digest: enough to tell receipts apart."""
    return "unknown" if token_id is None else f"{token_id:064x}"[:12]


def report_view(report: VerificationReport, public: PublicPart | None) -> ReportView:
    """``public`` is the credential's public part when known (its digest is the token id)."""
    return ReportView(
        verdict=report.verdict.value,
        verdict_words=VERDICT_WORDS[report.verdict],
        why=_why(report),
        rows=tuple(_row(c, public) for c in report.checks),
        credential=_credential_facts(public) if public else (),
        judged=_judged(report),
        claims=_claims(report),
        token_hex=None if report.token_id is None else token_hex(report.token_id),
        chain_only=not any(c.name == "format" for c in report.checks),
        retry=any(c.code == "chain.unavailable" for c in report.checks),
        outcomes={c.name: c.outcome.value for c in report.checks},
    )


def _why(report: VerificationReport) -> str:
    if report.verdict is Verdict.VALID:
        where = f" at block {report.block.number:,}" if report.block else ""
        return f"Every check passed against the chain{where}."
    wanted = Outcome.FAIL if report.verdict is Verdict.INVALID else Outcome.INDETERMINATE
    first = next(c for c in report.checks if c.outcome is wanted)
    if first.code == "chain.unavailable":
        return "The chain could not be read just now, so nothing could be decided: try again."
    if first.name == "status" and first.evidence.get("changed_at"):
        return _status_change(first)
    return f"{CHECK_LABELS.get(first.name, first.name)}: {first.message}."


def _status_change(check: Check) -> str:
    since = when(check.evidence["changed_at"])
    reason = str(check.evidence.get("reason", "")).replace("_", " ")
    match check.code:
        case "status.revoked":
            return f"Revoked by its issuer on {since} (reason: {reason})."
        case "status.suspended":
            return f"Suspended by its issuer since {since} (reason: {reason})."
        case "status.superseded":
            return f"Replaced by a corrected credential on {since}: see the status check."
        case "status.burned":
            return f"Burned on {since}: the credential no longer exists."
    return f"Status: {check.message}."


def _row(check: Check, public: PublicPart | None) -> Row:
    evidence = _EVIDENCE.get(check.name)
    facts = evidence(check.evidence, public) if evidence else _generic(check.evidence)
    return Row(
        name=check.name,
        label=CHECK_LABELS.get(check.name, check.name),
        outcome=check.outcome.value,
        outcome_words=OUTCOME_WORDS[check.outcome],
        message=check.message,
        code=check.code,
        facts=tuple(facts),
    )


def _format(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    path = evidence.get("path")
    return [Fact("Where", str(path), mono=True)] if path else []


def _integrity(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    facts = []
    if "digest" in evidence:
        facts.append(Fact("Digest (the token id)", str(evidence["digest"]), mono=True))
    if "claimed" in evidence:
        facts.append(Fact("Token id the document claims", str(evidence["claimed"]), mono=True))
        facts.append(Fact("Digest of its public part", str(evidence["computed"]), mono=True))
    proven = evidence.get("proven_claims")
    if proven is not None:
        names = [_claim_label(n) for n in proven] or ["none"]
        facts.append(Fact("Claims disclosed and proven", ", ".join(names)))
    withheld = evidence.get("withheld_claims")
    if withheld is not None:
        facts.append(Fact("Claims withheld", ", ".join(map(_claim_label, withheld)) or "none"))
    for name, reason in dict(evidence.get("mismatched_claims") or {}).items():
        facts.append(Fact(f"{_claim_label(name)} does not match", str(reason)))
    return facts


def _onchain(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    facts = []
    if "owner" in evidence:
        facts.append(Fact("Held by", str(evidence["owner"]), mono=True))
    if recipient := public.recipient if public else None:
        facts.append(Fact("Issued to (the credential)", recipient, mono=True))
    if "issued_at" in evidence:
        facts.append(Fact("Minted", when(evidence["issued_at"])))
    return facts


def _status(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    facts = []
    if "current" in evidence:
        facts.append(Fact("Status now", str(evidence["current"])))
        facts.append(Fact("Changing to", str(evidence["pending"])))
    if "reason" in evidence:
        facts.append(Fact("Reason", str(evidence["reason"]).replace("_", " "), id="status-reason"))
    if evidence.get("changed_at"):
        facts.append(Fact("Since", when(evidence["changed_at"])))
    if "successor" in evidence:
        successor = str(evidence["successor"])
        facts.append(Fact("Replaced by", successor, href=f"/verify?token={successor}", mono=True))
    return facts


def _issuer(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    if "institution_id" not in evidence:
        return []
    number = evidence["institution_id"]
    name = public.institution.name if public else None
    facts = [Fact("Institution", f"{name} (id {number})" if name else f"id {number}")]
    formal = "accredited (formal education)" if evidence.get("accredited") else "non-formal"
    facts.append(Fact("Accreditation", formal + " (recorded on the chain)"))
    body = evidence.get("quality_assurance_body")
    facts.append(Fact("Quality-assurance body", f"id {body}" if body else "none recorded"))
    until = evidence.get("accreditation_valid_until")
    facts.append(Fact("Accreditation valid until", when(until) if until else "no end date"))
    facts.append(Fact("Institution active", "yes" if evidence.get("active") else "no"))
    if evidence.get("deactivated_at"):
        facts.append(Fact("Deactivated", when(evidence["deactivated_at"])))
    return facts


def _validity(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    if "valid_from" not in evidence:
        return []
    until = evidence.get("valid_until")
    return [
        Fact("Valid from", when(evidence["valid_from"])),
        Fact("Valid until", when(until) if until else "no end date"),
        Fact("Judged at (block time)", when(evidence["judged_at"])),
    ]


def _conformance(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    facts = []
    if public:
        achievement = public.achievement
        facts.append(Fact("ECTS", _number(achievement.ects)))
        facts.append(Fact("EQF level", _number(achievement.eqf_level)))
        facts.append(Fact("Workload", f"{_number(achievement.workload_hours)} hours"))
    for framework, result in dict(evidence.get("reports") or {}).items():
        verdict = "conforms" if result.get("conforms") else "does not conform"
        missing = [str(r).replace("-", " ") for r in result.get("not_met") or ()]
        note = f" (not met: {', '.join(missing)})" if missing else ""
        facts.append(Fact(_framework_label(framework), verdict + note))
    return facts


def _generic(evidence: Mapping[str, Any]) -> list[Fact]:
    return [Fact(str(k).replace("_", " ").capitalize(), str(v)) for k, v in evidence.items()]


def _possession(evidence: Mapping[str, Any], public: PublicPart | None) -> list[Fact]:
    return [Fact("Signed by", str(evidence["signer"]), mono=True)] if "signer" in evidence else []


_EVIDENCE = {
    "format": _format,
    "integrity": _integrity,
    "onchain": _onchain,
    "status": _status,
    "issuer": _issuer,
    "validity": _validity,
    "conformance": _conformance,
    "possession": _possession,
}


def _credential_facts(public: PublicPart) -> tuple[Fact, ...]:
    achievement = public.achievement
    institution = public.institution
    place = ", ".join(x for x in (institution.region, institution.country) if x)
    facts = [
        Fact("Title", achievement.title),
        Fact("Awarded by", f"{institution.name} ({place})" if place else institution.name),
        Fact("Type", achievement.achievement_type.replace("-", " ")),
        Fact("Description", achievement.description),
        Fact("ECTS credits", _number(achievement.ects)),
        Fact("EQF level", _number(achievement.eqf_level)),
        Fact("Workload", f"{_number(achievement.workload_hours)} hours"),
        Fact(
            "Learning outcomes",
            "none stated" if not achievement.learning_outcomes else "",
            items=tuple(o.text for o in achievement.learning_outcomes),
        ),
        Fact("Assessment", _assessment(public)),
        Fact("Identity verified", achievement.identity_verification.replace("-", " ")),
        Fact("Quality assurance", _quality(public)),
        Fact("Delivery", achievement.delivery_mode),
        Fact("Languages", ", ".join(achievement.languages)),
        Fact("Issued", when(public.issued_at)),
        Fact("Valid until", when(public.valid_until) if public.valid_until else "no end date"),
    ]
    if achievement.prerequisites:
        facts.append(Fact("Prerequisites", items=achievement.prerequisites))
    if achievement.stackability and achievement.stackability.part_of:
        facts.append(Fact("Counts towards", items=achievement.stackability.part_of))
    if public.supersedes:
        link = f"/verify?token={public.supersedes}"
        facts.append(Fact("Corrects", public.supersedes, href=link, mono=True))
    if achievement.url:
        facts.append(Fact("Course page", achievement.url))
    return tuple(facts)


def _assessment(public: PublicPart) -> str:
    assessment = public.achievement.assessment
    text = assessment.type + (f" ({assessment.method})" if assessment.method else "")
    credit = {"none": "no credit", "direct": "credit awarded directly"}.get(
        assessment.credit, "credit by recognition of prior learning"
    )
    return f"{text}; {credit}"


def _quality(public: PublicPart) -> str:
    qa = public.achievement.quality_assurance
    if qa is None:
        return "not stated"
    parts = [qa.type] + [x for x in (qa.body, qa.accreditation) if x]
    return ", ".join(parts)


def _claims(report: VerificationReport) -> Claims | None:
    integrity = next((c for c in report.checks if c.name == "integrity"), None)
    if integrity is None or "proven_claims" not in integrity.evidence:
        return None
    evidence = integrity.evidence
    proven = dict(evidence["proven_claims"])
    mismatched = dict(evidence.get("mismatched_claims") or {})
    order = {name: i for i, name in enumerate(CLAIM_NAMES)}
    return Claims(
        proven=tuple(
            (_claim_label(n), str(v)) for n, v in sorted(proven.items(), key=lambda x: order[x[0]])
        ),
        withheld=tuple(_claim_label(n) for n in evidence.get("withheld_claims") or ()),
        mismatched=tuple((_claim_label(n), str(r)) for n, r in mismatched.items()),
    )


def _judged(report: VerificationReport) -> tuple[Fact, ...]:
    facts = []
    if report.token_id is not None:
        facts.append(Fact("Token id", token_hex(report.token_id), mono=True))
    if report.block is not None:
        facts.append(Fact("Block", f"{report.block.number:,}"))
        facts.append(Fact("Block hash", report.block.hash, mono=True))
        facts.append(Fact("Block time", when(_iso(report.block.timestamp))))
    if report.chain_id is not None:
        facts.append(Fact("Chain id", str(report.chain_id)))
    if report.contract:
        facts.append(Fact("Registry contract", report.contract, mono=True))
    return tuple(facts)


def when(timestamp: object) -> str:
    """``2025-01-31T12:00:00Z`` as ``2025-01-31 12:00:00 UTC``."""
    text = str(timestamp)
    return text.replace("T", " ").removesuffix("Z") + " UTC" if text.endswith("Z") else text


def _number(value: float | None) -> str:
    if value is None:
        return "not stated"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _claim_label(name: str) -> str:
    return CLAIM_LABELS.get(name, name.replace("_", " "))


def _framework_label(key: str) -> str:
    framework, _, version = key.partition(" ")
    return f"{FRAMEWORK_LABELS.get(framework, framework)} ({version})"


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
