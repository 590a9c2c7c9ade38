"""The verifier's pure checks over hand-built facts: every outcome of every check, the
verdict rules, and the report's JSON shape. No chain, no clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaincred.domain import DisclosureReport, Mismatch, parse_document
from chaincred.domain.onchain import Reason, Status
from chaincred.domain.verification import (
    Check,
    Outcome,
    Verdict,
    VerificationReport,
    check_conformance,
    check_integrity,
    check_issuer,
    check_onchain,
    check_status,
    check_validity,
    epoch_of,
    not_checked,
    verdict_of,
)

from .facts import (
    BLOCK,
    CONTRACT,
    ISSUED_AT,
    OWNER,
    STRANGER,
    TOKEN,
    facts,
    institution,
    never_issued,
    record,
)

DATA = Path(__file__).resolve().parents[2] / "data"
DIGEST = f"0x{TOKEN:064x}"


def test_epoch_of_reads_document_timestamps_as_utc() -> None:
    assert epoch_of("2025-06-30T12:00:00Z") == ISSUED_AT
    assert epoch_of("1970-01-01T00:00:00Z") == 0


# --- integrity ---------------------------------------------------------------------------


def test_integrity_passes_with_proven_and_withheld_claims_listed() -> None:
    disclosure = DisclosureReport(proven={"name": "Ada"}, withheld=("grade",), mismatched=())

    check = check_integrity(TOKEN, TOKEN, disclosure)

    assert (check.outcome, check.code) == (Outcome.PASS, None)
    assert check.message == "the digest matches; 1 claim(s) proven, 1 withheld"
    assert check.evidence == {
        "digest": DIGEST,
        "proven_claims": {"name": "Ada"},
        "withheld_claims": ["grade"],
    }


def test_integrity_fails_on_a_digest_mismatch_before_looking_at_claims() -> None:
    bad = DisclosureReport(proven={}, withheld=(), mismatched=(Mismatch("name", "x"),))

    check = check_integrity(TOKEN, TOKEN + 1, bad)

    assert (check.outcome, check.code) == (Outcome.FAIL, "integrity.digest_mismatch")
    assert check.evidence == {"claimed": DIGEST, "computed": f"0x{TOKEN + 1:064x}"}


def test_integrity_fails_on_a_claim_that_does_not_open_its_commitment() -> None:
    disclosure = DisclosureReport(
        proven={"grade": "8"},
        withheld=(),
        mismatched=(
            Mismatch("name", "value and salt do not match the commitment"),
            Mismatch("student_id", "the public part has no commitment to this claim"),
        ),
    )

    check = check_integrity(TOKEN, TOKEN, disclosure)

    assert (check.outcome, check.code) == (Outcome.FAIL, "integrity.claim_mismatch")
    assert check.message == "disclosed claims do not match their commitments: name, student_id"
    assert check.evidence["mismatched_claims"] == {
        "name": "value and salt do not match the commitment",
        "student_id": "the public part has no commitment to this claim",
    }
    assert check.evidence["proven_claims"] == {"grade": "8"}


# --- on-chain record -------------------------------------------------------------------------


def onchain(**changes: object) -> Check:
    arguments: dict[str, object] = {
        "anchor_chain_id": 31337,
        "anchor_contract": CONTRACT,
        "recipient": OWNER,
        "facts": facts(),
    }
    return check_onchain(**(arguments | changes))  # type: ignore[arg-type]


def test_onchain_passes_for_the_recipient_on_the_trusted_registry() -> None:
    check = onchain()

    assert (check.outcome, check.code) == (Outcome.PASS, None)
    assert check.evidence == {"owner": OWNER, "issued_at": "2025-06-30T12:00:00Z"}
    assert check.message == "token issued, with 1 confirmation(s) or more"


def test_onchain_compares_contract_addresses_case_insensitively() -> None:
    assert onchain(anchor_contract=CONTRACT.lower()).outcome is Outcome.PASS


def test_onchain_without_an_anchor_judges_the_chain_alone() -> None:
    check = onchain(anchor_chain_id=None, anchor_contract=None, recipient=None)
    assert check.outcome is Outcome.PASS


def test_another_chain_is_indeterminate_and_says_which_rpc_to_use() -> None:
    check = onchain(anchor_chain_id=11155111)

    assert (check.outcome, check.code) == (Outcome.INDETERMINATE, "onchain.wrong_chain")
    assert check.message == (
        "the document is anchored on chain 11155111 but the RPC serves chain 31337: "
        "verify with an RPC of chain 11155111"
    )


def test_the_chain_is_checked_before_the_contract() -> None:
    check = onchain(anchor_chain_id=1, anchor_contract=STRANGER)
    assert check.code == "onchain.wrong_chain"


def test_another_contract_is_untrusted() -> None:
    check = onchain(anchor_contract=STRANGER)

    assert (check.outcome, check.code) == (Outcome.FAIL, "onchain.untrusted_contract")
    assert check.message == (
        f"the document is anchored on {STRANGER}, not on the trusted registry {CONTRACT}"
    )


def test_no_code_at_the_trusted_address_is_indeterminate() -> None:
    check = onchain(facts=facts(has_code=False, record=never_issued()))

    assert (check.outcome, check.code) == (Outcome.INDETERMINATE, "onchain.no_contract")
    assert check.message == f"there is no contract at {CONTRACT} on this chain"


def test_never_issued_fails() -> None:
    check = onchain(facts=facts(record=never_issued()))

    assert (check.outcome, check.code) == (Outcome.FAIL, "onchain.not_issued")


def test_unknown_at_the_judged_block_but_known_at_the_head_is_pending() -> None:
    pending = facts(record=never_issued(), record_at_head=record(), confirmations=12)

    check = onchain(facts=pending)

    assert (check.outcome, check.code) == (Outcome.INDETERMINATE, "onchain.pending")
    assert check.message == "the token is issued but has fewer than 12 confirmations"


def test_unknown_at_the_head_too_is_not_issued() -> None:
    gone = facts(record=never_issued(), record_at_head=never_issued(), confirmations=3)
    assert onchain(facts=gone).code == "onchain.not_issued"


def test_held_by_another_address_fails() -> None:
    check = onchain(facts=facts(record=record(owner=STRANGER)))

    assert (check.outcome, check.code) == (Outcome.FAIL, "onchain.owner_mismatch")
    assert check.evidence == {"owner": STRANGER}


def test_a_burned_token_has_no_owner_to_compare() -> None:
    burned = record(owner="0x" + "0" * 40, status=Status.BURNED)
    assert onchain(facts=facts(record=burned)).outcome is Outcome.PASS


# --- status ----------------------------------------------------------------------------------


def test_active_passes() -> None:
    check = check_status(record())
    assert (check.outcome, check.code) == (Outcome.PASS, None)


@pytest.mark.parametrize(
    ("status", "reason", "code", "message", "evidence"),
    [
        (
            Status.REVOKED,
            Reason.ACADEMIC_MISCONDUCT,
            "status.revoked",
            "revoked on 2025-07-01T12:00:00Z (academic_misconduct)",
            {"reason": "academic_misconduct", "changed_at": "2025-07-01T12:00:00Z"},
        ),
        (
            Status.SUSPENDED,
            Reason.OTHER,
            "status.suspended",
            "suspended since 2025-07-01T12:00:00Z (other)",
            {"reason": "other", "changed_at": "2025-07-01T12:00:00Z"},
        ),
        (
            Status.BURNED,
            Reason.NONE,
            "status.burned",
            "burned on 2025-07-01T12:00:00Z",
            {"changed_at": "2025-07-01T12:00:00Z"},
        ),
    ],
)
def test_revoked_suspended_burned_fail_with_reason_and_time(
    status: Status, reason: Reason, code: str, message: str, evidence: dict[str, str]
) -> None:
    check = check_status(record(status=status, reason=reason, status_changed_at=ISSUED_AT + 86_400))

    assert (check.outcome, check.code, check.message) == (Outcome.FAIL, code, message)
    assert check.evidence == evidence


def test_superseded_names_the_successor() -> None:
    successor = 0xC0FFEE
    check = check_status(
        record(
            status=Status.SUPERSEDED,
            reason=Reason.SUPERSEDED,
            status_changed_at=ISSUED_AT + 60,
            superseded_by=successor,
        )
    )

    assert (check.outcome, check.code) == (Outcome.FAIL, "status.superseded")
    assert check.evidence == {
        "successor": f"0x{successor:064x}",
        "changed_at": "2025-06-30T12:01:00Z",
    }
    assert check.message == f"superseded on 2025-06-30T12:01:00Z by 0x{successor:064x}"


def test_the_status_of_a_never_issued_token_is_not_checked() -> None:
    check = check_status(never_issued())
    assert (check.outcome, check.code) == (Outcome.INDETERMINATE, "not_checked")


# --- issuer ----------------------------------------------------------------------------------


def test_an_accredited_active_institution_passes_with_its_accreditation() -> None:
    check = check_issuer(claimed_institution_id=1, record=record(), institution=institution())

    assert (check.outcome, check.code) == (Outcome.PASS, None)
    assert check.message == "institution 1, accredited (formal), active at issuance"
    assert check.evidence == {
        "institution_id": 1,
        "accredited": True,
        "quality_assurance_body": 7,
        "accreditation_valid_until": "2026-06-30T12:00:00Z",
        "active": True,
        "deactivated_at": None,
    }


def test_a_non_formal_institution_is_reported_as_such() -> None:
    plain = institution(accredited=False, quality_assurance_body=0, accreditation_valid_until=0)

    check = check_issuer(claimed_institution_id=None, record=record(), institution=plain)

    assert check.outcome is Outcome.PASS
    assert check.message == "institution 1, non-formal (not accredited), active at issuance"
    assert check.evidence["quality_assurance_body"] is None
    assert check.evidence["accreditation_valid_until"] is None


@pytest.mark.parametrize("known", [None, institution(registered_at=0)], ids=["none", "zero"])
def test_an_unregistered_institution_fails(known: object) -> None:
    check = check_issuer(claimed_institution_id=1, record=record(), institution=known)  # type: ignore[arg-type]

    assert (check.outcome, check.code) == (Outcome.FAIL, "issuer.unregistered")
    assert check.message == "institution 1 is not registered"


def test_the_document_naming_another_institution_fails() -> None:
    check = check_issuer(claimed_institution_id=2, record=record(), institution=institution())

    assert (check.outcome, check.code) == (Outcome.FAIL, "issuer.mismatch")
    assert check.message == "the document names institution 2, the chain 1"


def test_deactivated_before_issuing_fails() -> None:
    """Impossible through the contract (it refuses to mint for an inactive institution), so
    only a pure test can build it."""
    early = institution(active=False, deactivated_at=ISSUED_AT - 3600)

    check = check_issuer(claimed_institution_id=1, record=record(), institution=early)

    assert (check.outcome, check.code) == (Outcome.FAIL, "issuer.inactive_at_issuance")
    assert check.message == (
        "the institution was deactivated on 2025-06-30T11:00:00Z, before it issued this"
    )
    assert check.evidence["deactivated_at"] == "2025-06-30T11:00:00Z"


def test_deactivated_after_issuing_still_passes_and_says_so() -> None:
    later = institution(active=False, deactivated_at=ISSUED_AT + 3600)

    check = check_issuer(claimed_institution_id=1, record=record(), institution=later)

    assert check.outcome is Outcome.PASS
    assert check.message.endswith("deactivated since 2025-06-30T13:00:00Z, after issuing")
    assert check.evidence["active"] is False


def test_deactivated_in_the_second_of_issuing_was_active_at_issuance() -> None:
    """Regression: the same block (or same-second blocks on Anvil) held the mint and then the
    deactivation; ``<=`` reported such a credential as issued by an inactive institution."""
    same = institution(active=False, deactivated_at=ISSUED_AT)

    check = check_issuer(claimed_institution_id=1, record=record(), institution=same)

    assert (check.outcome, check.code) == (Outcome.PASS, None)


# --- validity ----------------------------------------------------------------------------------

FROM, UNTIL = "2025-06-30T12:00:00Z", "2026-06-30T12:00:00Z"


@pytest.mark.parametrize(
    ("now", "outcome", "code"),
    [
        (epoch_of(FROM) - 1, Outcome.FAIL, "validity.not_yet_valid"),
        (epoch_of(FROM), Outcome.PASS, None),
        (epoch_of(UNTIL), Outcome.PASS, None),
        (epoch_of(UNTIL) + 1, Outcome.FAIL, "validity.expired"),
    ],
    ids=["before", "first-second", "last-second", "after"],
)
def test_validity_boundaries(now: int, outcome: Outcome, code: str | None) -> None:
    check = check_validity(valid_from=FROM, valid_until=UNTIL, now=now)

    assert (check.outcome, check.code) == (outcome, code)
    assert check.evidence["valid_from"] == FROM
    assert check.evidence["valid_until"] == UNTIL


def test_expired_says_when_and_by_which_time() -> None:
    check = check_validity(valid_from=FROM, valid_until=UNTIL, now=epoch_of(UNTIL) + 86_400)

    assert check.message == f"expired on {UNTIL}"
    assert check.evidence["judged_at"] == "2026-07-01T12:00:00Z"


def test_no_end_date() -> None:
    check = check_validity(valid_from=FROM, valid_until=None, now=2**32)

    assert check.outcome is Outcome.PASS
    assert check.message == f"valid from {FROM} with no end date"


# --- conformance -------------------------------------------------------------------------------


def conformance_of(name: str) -> Check:
    raw = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return check_conformance(parse_document(raw).public.conformance)


def test_conformance_is_facts_and_always_passes() -> None:
    conforming, not_conforming = (
        conformance_of("cmf-5ects-eqf6"),
        conformance_of("nonformal-workshop"),
    )

    assert conforming.outcome is Outcome.PASS
    assert conforming.message == "cmf cmf-2019: conforms; eu-council eu-2022: conforms"
    assert not_conforming.outcome is Outcome.PASS  # reported, not held against the holder
    assert not_conforming.message == (
        "cmf cmf-2019: does not conform; eu-council eu-2022: does not conform"
    )
    assert not_conforming.evidence["reports"]["cmf cmf-2019"] == {
        "conforms": False,
        "not_met": [
            "workload",
            "level",
            "summative-assessment",
            "identity-verification",
            "transcript",
        ],
    }


def test_no_conformance_report() -> None:
    check = check_conformance([])
    assert (check.outcome, check.message) == (Outcome.PASS, "no conformance report")


# --- verdict and report ------------------------------------------------------------------------

PASS = Check.passed("a", "ok")
FAIL = Check.failed("b", "b.bad", "bad")
UNKNOWN = Check.unknown("c", "chain.unavailable", "down")


@pytest.mark.parametrize(
    ("checks", "verdict"),
    [
        ([PASS, PASS], Verdict.VALID),
        ([PASS, UNKNOWN], Verdict.INDETERMINATE),
        ([PASS, UNKNOWN, FAIL], Verdict.INVALID),
        ([FAIL, PASS], Verdict.INVALID),
        ([not_checked("status", "x"), PASS], Verdict.INDETERMINATE),
    ],
)
def test_verdict_rules(checks: list[Check], verdict: Verdict) -> None:
    assert verdict_of(checks) is verdict


def test_not_checked_says_why() -> None:
    check = not_checked("status", "the token was not found")
    assert (check.outcome, check.code, check.message) == (
        Outcome.INDETERMINATE,
        "not_checked",
        "not checked: the token was not found",
    )


def test_report_json_shape() -> None:
    report = VerificationReport(
        verdict=Verdict.INVALID,
        checks=(FAIL, Check.passed("d", "fine", items=("x", "y"), nested={"k": (1,)})),
        token_id=TOKEN,
        chain_id=31337,
        contract=CONTRACT,
        block=BLOCK,
    )

    body = report.to_json()

    assert json.loads(json.dumps(body)) == body
    assert body == {
        "verdict": "invalid",
        "token_id": str(TOKEN),
        "digest": DIGEST,
        "chain_id": 31337,
        "contract": CONTRACT,
        "block": {"number": 120, "hash": "0x" + "ab" * 32, "timestamp": ISSUED_AT + 86_400},
        "checks": [
            {"name": "b", "outcome": "fail", "code": "b.bad", "message": "bad", "evidence": {}},
            {
                "name": "d",
                "outcome": "pass",
                "code": None,
                "message": "fine",
                "evidence": {"items": ["x", "y"], "nested": {"k": [1]}},
            },
        ],
    }
    assert report.check("d").message == "fine"


def test_report_without_token_or_chain() -> None:
    report = VerificationReport(Verdict.INVALID, (FAIL,), None, None, CONTRACT, None)

    body = report.to_json()

    assert (body["token_id"], body["digest"], body["chain_id"], body["block"]) == (
        None,
        None,
        None,
        None,
    )


def test_a_status_change_not_yet_confirmed_is_indeterminate() -> None:
    settled = record()
    coming = record(status=Status.REVOKED, reason=Reason.OTHER, status_changed_at=ISSUED_AT + 60)

    check = check_status(settled, record_at_head=coming)

    assert (check.outcome, check.code) == (Outcome.INDETERMINATE, "status.pending_change")
    assert check.evidence == {"current": "active", "pending": "revoked"}
    assert check_status(settled, record_at_head=settled).outcome is Outcome.PASS
