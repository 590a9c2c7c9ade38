"""The verifier's checks as pure functions of the document, the chain's facts and the block.

Each check answers ``pass``, ``fail`` (decisive evidence, with a code) or ``indeterminate``
(the evidence could not be had, with a cause). Time is the judged block's timestamp, never a
local clock. The overall verdict is ``valid`` only when every check passed, ``invalid`` as
soon as one check failed, ``indeterminate`` otherwise: an RPC that is down never turns a
credential invalid.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from chaincred.domain.disclosure import DisclosureReport
from chaincred.domain.onchain import CredentialRecord, InstitutionRecord, Status

__all__ = [
    "ChainFacts",
    "Check",
    "JudgedBlock",
    "Outcome",
    "Verdict",
    "VerificationReport",
    "check_conformance",
    "check_integrity",
    "check_issuer",
    "check_onchain",
    "check_status",
    "check_validity",
    "epoch_of",
    "not_checked",
    "verdict_of",
]


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INDETERMINATE = "indeterminate"


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


@dataclass(frozen=True)
class Check:
    """One step of the verification. ``code`` names the failure or the cause; ``evidence``
    holds the facts a person checking by hand would want to see."""

    name: str
    outcome: Outcome
    message: str
    code: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, name: str, message: str, **evidence: Any) -> Check:
        return cls(name, Outcome.PASS, message, None, evidence)

    @classmethod
    def failed(cls, name: str, code: str, message: str, **evidence: Any) -> Check:
        return cls(name, Outcome.FAIL, message, code, evidence)

    @classmethod
    def unknown(cls, name: str, code: str, message: str, **evidence: Any) -> Check:
        return cls(name, Outcome.INDETERMINATE, message, code, evidence)


@dataclass(frozen=True)
class JudgedBlock:
    """The block whose state the on-chain checks read, and whose time is "now"."""

    number: int
    hash: str
    timestamp: int


@dataclass(frozen=True)
class ChainFacts:
    """What the chain said, read at ``block`` (``confirmations`` below the head).

    ``record_at_head`` is read only when the token is unknown at ``block``: if the head knows
    it, the credential is pending, not missing.
    """

    chain_id: int
    contract: str
    has_code: bool
    block: JudgedBlock
    confirmations: int
    record: CredentialRecord
    record_at_head: CredentialRecord | None = None
    institution: InstitutionRecord | None = None


@dataclass(frozen=True)
class VerificationReport:
    """The verdict, every check in order, and where it was judged. JSON-serializable."""

    verdict: Verdict
    checks: tuple[Check, ...]
    token_id: int | None
    chain_id: int | None
    contract: str | None
    block: JudgedBlock | None

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "token_id": None if self.token_id is None else str(self.token_id),
            "digest": None if self.token_id is None else f"0x{self.token_id:064x}",
            "chain_id": self.chain_id,
            "contract": self.contract,
            "block": None if self.block is None else asdict(self.block),
            "checks": [
                {
                    "name": c.name,
                    "outcome": c.outcome.value,
                    "code": c.code,
                    "message": c.message,
                    "evidence": _jsonable(c.evidence),
                }
                for c in self.checks
            ],
        }


def verdict_of(checks: Sequence[Check]) -> Verdict:
    outcomes = {c.outcome for c in checks}
    if Outcome.FAIL in outcomes:
        return Verdict.INVALID
    if Outcome.INDETERMINATE in outcomes:
        return Verdict.INDETERMINATE
    return Verdict.VALID


def not_checked(name: str, why: str) -> Check:
    """A check that could not run because an earlier one left nothing to check."""
    return Check.unknown(name, "not_checked", f"not checked: {why}")


def check_integrity(
    expected_token_id: int, actual_token_id: int, disclosure: DisclosureReport
) -> Check:
    if expected_token_id != actual_token_id:
        return Check.failed(
            "integrity",
            "integrity.digest_mismatch",
            "the public part does not hash to the token id the document claims",
            claimed=f"0x{expected_token_id:064x}",
            computed=f"0x{actual_token_id:064x}",
        )
    evidence = {
        "digest": f"0x{actual_token_id:064x}",
        "proven_claims": dict(disclosure.proven),
        "withheld_claims": list(disclosure.withheld),
    }
    if disclosure.mismatched:
        mismatched = {m.name: m.reason for m in disclosure.mismatched}
        return Check.failed(
            "integrity",
            "integrity.claim_mismatch",
            "disclosed claims do not match their commitments: " + ", ".join(mismatched),
            mismatched_claims=mismatched,
            **evidence,
        )
    proven = len(disclosure.proven)
    return Check.passed(
        "integrity",
        f"the digest matches; {proven} claim(s) proven, {len(disclosure.withheld)} withheld",
        **evidence,
    )


def check_onchain(
    *,
    anchor_chain_id: int | None,
    anchor_contract: str | None,
    recipient: str | None,
    facts: ChainFacts,
) -> Check:
    """The token exists on the trusted registry of the expected chain, held by the recipient."""
    if anchor_chain_id is not None and anchor_chain_id != facts.chain_id:
        return Check.unknown(
            "onchain",
            "onchain.wrong_chain",
            f"the document is anchored on chain {anchor_chain_id} but the RPC serves chain "
            f"{facts.chain_id}: verify with an RPC of chain {anchor_chain_id}",
        )
    if anchor_contract is not None and anchor_contract.lower() != facts.contract.lower():
        return Check.failed(
            "onchain",
            "onchain.untrusted_contract",
            f"the document is anchored on {anchor_contract}, not on the trusted registry "
            f"{facts.contract}",
        )
    if not facts.has_code:
        return Check.unknown(
            "onchain",
            "onchain.no_contract",
            f"there is no contract at {facts.contract} on this chain",
        )
    record = facts.record
    if record.status is Status.NONE:
        return _missing(facts)
    if record.status is not Status.BURNED and recipient is not None and record.owner != recipient:
        return Check.failed(
            "onchain",
            "onchain.owner_mismatch",
            f"the token is held by {record.owner}, not by the document's recipient {recipient}",
            owner=record.owner,
        )
    return Check.passed(
        "onchain",
        f"token issued, with {facts.confirmations} confirmation(s) or more",
        owner=record.owner,
        issued_at=_iso(record.issued_at),
    )


def _missing(facts: ChainFacts) -> Check:
    at_head = facts.record_at_head
    if at_head is not None and at_head.status is not Status.NONE:
        return Check.unknown(
            "onchain",
            "onchain.pending",
            f"the token is issued but has fewer than {facts.confirmations} confirmations",
        )
    return Check.failed("onchain", "onchain.not_issued", "no token with this id was ever issued")


def check_status(
    record: CredentialRecord, *, record_at_head: CredentialRecord | None = None
) -> Check:
    """The status at the judged block; a different status at the head (a revocation, say,
    not yet buried deep enough) makes the answer wait: indeterminate, never valid."""
    if record_at_head is not None and record_at_head.status is not record.status:
        coming = record_at_head.status.name.lower()
        return Check.unknown(
            "status",
            "status.pending_change",
            f"the status is changing to {coming}; the change has too few confirmations yet",
            current=record.status.name.lower(),
            pending=coming,
        )
    changed = _iso(record.status_changed_at) if record.status_changed_at else None
    reason = record.reason.name.lower()
    match record.status:
        case Status.ACTIVE:
            return Check.passed("status", "active: not revoked, suspended, superseded or burned")
        case Status.REVOKED:
            return Check.failed(
                "status",
                "status.revoked",
                f"revoked on {changed} ({reason})",
                reason=reason,
                changed_at=changed,
            )
        case Status.SUSPENDED:
            return Check.failed(
                "status",
                "status.suspended",
                f"suspended since {changed} ({reason})",
                reason=reason,
                changed_at=changed,
            )
        case Status.SUPERSEDED:
            successor = f"0x{record.superseded_by:064x}"
            return Check.failed(
                "status",
                "status.superseded",
                f"superseded on {changed} by {successor}",
                successor=successor,
                changed_at=changed,
            )
        case Status.BURNED:
            return Check.failed(
                "status", "status.burned", f"burned on {changed}", changed_at=changed
            )
        case _:
            return not_checked("status", "the token was not found")


def check_issuer(
    *,
    claimed_institution_id: int | None,
    record: CredentialRecord,
    institution: InstitutionRecord | None,
) -> Check:
    """The institution is registered, is the one the document names, and was active at issue."""
    if institution is None or not institution.registered:
        return Check.failed(
            "issuer",
            "issuer.unregistered",
            f"institution {record.institution_id} is not registered",
        )
    if claimed_institution_id is not None and claimed_institution_id != record.institution_id:
        return Check.failed(
            "issuer",
            "issuer.mismatch",
            f"the document names institution {claimed_institution_id}, the chain "
            f"{record.institution_id}",
        )
    evidence = _accreditation(institution)
    # Deactivation is final and the contract refuses to mint afterwards, so a token issued in
    # the deactivation's own second (same block, or same-second blocks) was minted before it.
    if institution.deactivated_at and institution.deactivated_at < record.issued_at:
        return Check.failed(
            "issuer",
            "issuer.inactive_at_issuance",
            f"the institution was deactivated on {_iso(institution.deactivated_at)}, before "
            "it issued this",
            **evidence,
        )
    kind = "accredited (formal)" if institution.accredited else "non-formal (not accredited)"
    note = (
        f"; deactivated since {_iso(institution.deactivated_at)}, after issuing"
        if institution.deactivated_at
        else ""
    )
    return Check.passed(
        "issuer",
        f"institution {record.institution_id}, {kind}, active at issuance{note}",
        **evidence,
    )


def _accreditation(institution: InstitutionRecord) -> dict[str, Any]:
    return {
        "institution_id": institution.institution_id,
        "accredited": institution.accredited,
        "quality_assurance_body": institution.quality_assurance_body or None,
        "accreditation_valid_until": _iso(institution.accreditation_valid_until)
        if institution.accreditation_valid_until
        else None,
        "active": institution.active,
        "deactivated_at": _iso(institution.deactivated_at) if institution.deactivated_at else None,
    }


def check_validity(*, valid_from: str, valid_until: str | None, now: int) -> Check:
    """Judged against ``now``, the judged block's timestamp."""
    evidence = {"valid_from": valid_from, "valid_until": valid_until, "judged_at": _iso(now)}
    if now < epoch_of(valid_from):
        return Check.failed(
            "validity", "validity.not_yet_valid", f"not valid before {valid_from}", **evidence
        )
    if valid_until is not None and now > epoch_of(valid_until):
        return Check.failed("validity", "validity.expired", f"expired on {valid_until}", **evidence)
    until = f" until {valid_until}" if valid_until else " with no end date"
    return Check.passed("validity", f"valid from {valid_from}{until}", **evidence)


def check_conformance(reports: Sequence[Any]) -> Check:
    """Facts, not a judgement of the credential: always ``pass``, with the reports."""
    facts = {
        f"{r.framework} {r.version}": {
            "conforms": r.conforms,
            "not_met": [x.rule for x in r.rules if x.status == "not_met"],
        }
        for r in reports
    }
    summary = "; ".join(
        f"{k}: {'conforms' if v['conforms'] else 'does not conform'}" for k, v in facts.items()
    )
    return Check.passed("conformance", summary or "no conformance report", reports=facts)


@functools.lru_cache(maxsize=1024)  # a cohort shares its issue time
def epoch_of(timestamp: str) -> int:
    """Seconds since 1970 of a document timestamp (``YYYY-MM-DDTHH:MM:SSZ``)."""
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


@functools.lru_cache(maxsize=256)  # a bulk judges every credential at the same block time
def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
