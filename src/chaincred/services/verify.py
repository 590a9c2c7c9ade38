"""Verification: a document (or a bare token id) judged against the chain alone.

Local checks (format, integrity, conformance) run first; then one read of the chain serves
every item of a batch (its head, the judged block ``confirmations`` below it, the batch view
of all token ids, the institutions involved); then the pure checks of
:mod:`chaincred.domain.verification` turn those facts into a report per item.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chaincred.domain import (
    Anchor,
    CredentialDocument,
    DisclosureReport,
    InvalidCredential,
    digest_of,
    token_id_of,
    verify_disclosure,
)
from chaincred.domain.cohort import CohortReader
from chaincred.domain.onchain import BurnAuth, CredentialRecord, InstitutionRecord, Reason, Status
from chaincred.domain.possession import NonceState, check_possession, parse_possession_message
from chaincred.domain.validation import validate_model
from chaincred.domain.verification import (
    ChainFacts,
    Check,
    JudgedBlock,
    Outcome,
    VerificationReport,
    check_conformance,
    check_integrity,
    check_issuer,
    check_onchain,
    check_status,
    check_validity,
    not_checked,
    verdict_of,
)
from chaincred.errors import ChainUnavailable, ConfigurationError
from chaincred.ports import NonceStore, RegistryReader
from chaincred.services.collector import collector_paused

__all__ = [
    "PossessionProof",
    "Presented",
    "Unreadable",
    "as_document",
    "released",
    "verify",
    "verify_many",
]

Presented = Mapping[str, Any] | int | object
"""A credential document as parsed from JSON, or a bare token id (chain facts only); any
other JSON value fails the format check."""

T = TypeVar("T")

_NOTHING_DISCLOSED = DisclosureReport(proven={}, withheld=(), mismatched=())
_CHAIN_CHECKS = ("onchain", "status", "issuer", "validity")


@dataclass(frozen=True)
class Unreadable:
    """Presented input that could not even be read (not JSON, a bad CSV row); ``reason``
    says why."""

    reason: str


@dataclass(frozen=True)
class _NotAnObject:
    """A JSON scalar given where a document was expected (fails the format check)."""

    value: object


def as_document(value: object) -> Presented:
    """``value`` (parsed JSON) presented as a document. A JSON number is then not read as a
    bare token id (``{"documents": [42]}``, a file holding ``42``): it fails the format check
    like any other value that is not an object."""
    return _NotAnObject(value) if isinstance(value, int) else value


@dataclass(frozen=True)
class PossessionProof:
    """The holder's signed EIP-4361 message (see :mod:`chaincred.domain.possession`)."""

    message: str
    signature: str


@dataclass
class _Item:
    """What the local checks learnt of one presented credential."""

    checks: list[Check] = field(default_factory=list)
    token_id: int | None = None
    document: CredentialDocument | None = None


@dataclass(frozen=True)
class _ChainRead:
    chain_id: int
    block: JudgedBlock
    has_code: bool
    records: dict[int, CredentialRecord]
    at_head: dict[int, CredentialRecord]
    institutions: dict[int, InstitutionRecord]
    head_time: int  # "now" for the validity period: the latest block's time (issue 4)


def verify(
    presented: Presented,
    *,
    chain: RegistryReader,
    confirmations: int = 1,
    now_from_chain: bool = True,
    now: int | None = None,
    possession: PossessionProof | None = None,
    nonces: NonceStore | None = None,
) -> VerificationReport:
    """Verify one credential; see :func:`verify_many`. With ``possession``, ``nonces`` says
    whether the signed nonce is fresh (and consumes it)."""
    (report,) = verify_many(
        [presented],
        chain=chain,
        confirmations=confirmations,
        now_from_chain=now_from_chain,
        now=now,
    )
    if possession is None:
        return report
    if nonces is None:
        raise ConfigurationError("a possession proof needs a nonce store to check its nonce")
    return _with_possession(report, possession, nonces)


def verify_many(
    items: Iterable[Presented],
    *,
    chain: RegistryReader,
    confirmations: int = 1,
    now_from_chain: bool = True,
    now: int | None = None,
) -> list[VerificationReport]:
    """Verify many credentials with one read of the chain.

    Documents of one cohort share their achievement: what they share is validated once
    (:class:`~chaincred.domain.cohort.CohortReader`). The garbage collector is paused
    throughout (:mod:`chaincred.services.collector`); a caller that parses the documents
    should parse them inside :func:`~chaincred.services.collector.collector_paused` too.
    ``items`` is read once, in order: given an iterator (documents parsed as they are
    taken, or :func:`released` from a list), each parsed document can be freed once its
    local checks are done, which keeps a large bulk's memory small and its caches warm.

    The on-chain checks read the block ``confirmations - 1`` below the head; "now" for the
    validity check is the head's timestamp (a pending credential judged at an older block
    must not look "not yet valid") unless ``now_from_chain`` is false and ``now`` (seconds)
    is given.
    """
    if confirmations < 1:
        raise ConfigurationError("confirmations must be at least 1")
    if not now_from_chain and now is None:
        raise ConfigurationError("now_from_chain=False needs an explicit now")
    with collector_paused():
        cohorts = CohortReader()
        local = [_local_checks(item, cohorts) for item in items]
        token_ids = sorted({i.token_id for i in local if i.token_id is not None})
        try:
            read: _ChainRead | ChainUnavailable = _read_chain(chain, token_ids, confirmations)
        except ChainUnavailable as exc:
            read = exc
        shared: dict[tuple[int, ...], Check] = {}
        return [
            _report(
                item, read, chain.contract, confirmations, None if now_from_chain else now, shared
            )
            for item in local
        ]


def released(items: list[T]) -> Iterator[T]:
    """The items of ``items`` in order, each taken out of the list (which ends empty), so
    that a consumer that keeps only what it derives lets each item be freed in turn."""
    items.reverse()
    while items:
        yield items.pop()


def _local_checks(presented: Presented, cohorts: CohortReader) -> _Item:
    item = _Item()
    if isinstance(presented, int):
        item.token_id = presented
        return item
    if isinstance(presented, Unreadable):
        item.checks.append(Check.failed("format", "format.unreadable", presented.reason))
        return item
    if not isinstance(presented, Mapping):
        item.checks.append(
            Check.failed("format", "format.invalid", "a credential document is a JSON object")
        )
        return item
    try:
        document = cohorts.parse(presented)
    except InvalidCredential as exc:
        if exc.path[:2] == ("anchor", "token_id") and _anchor_well_formed(presented):
            return _digest_mismatch(presented, exc)
        item.checks.append(Check.failed("format", "format.invalid", str(exc), path=exc.location))
        return item
    # parse_document proved the anchor's token id equal to the digest of the public part;
    # hashing it again was a quarter of bulk verification's CPU (docs/benchmarks.md).
    item.document, item.token_id = document, int(document.anchor.token_id)
    item.checks.append(Check.passed("format", "a chaincred credential document, well formed"))
    item.checks.append(
        check_integrity(int(document.anchor.token_id), item.token_id, verify_disclosure(document))
    )
    return item


def _anchor_well_formed(presented: Mapping[str, Any]) -> bool:
    """Whether the anchor alone is valid: only then is an ``anchor.token_id`` problem the
    digest mismatch rather than a malformed token id (``"0x5a1c"``, ``"007"``, a number)."""
    try:
        validate_model(Anchor, presented["anchor"], prefix=("anchor",))
    except InvalidCredential:
        return False
    return True


def _digest_mismatch(presented: Mapping[str, Any], exc: InvalidCredential) -> _Item:
    """Well formed, but the public part is not what the token id commits to: tampered."""
    claimed = int(presented["anchor"]["token_id"])
    computed = int(token_id_of(digest_of(presented["public"])))
    well_formed = Check.passed("format", "a chaincred credential document, well formed")
    mismatch = check_integrity(claimed, computed, _NOTHING_DISCLOSED)
    return _Item(checks=[well_formed, mismatch])


def _read_chain(reader: RegistryReader, token_ids: list[int], confirmations: int) -> _ChainRead:
    chain_id, head = reader.chain_head()
    judged_number = max(head.number - (confirmations - 1), 0)
    judged = head if judged_number == head.number else reader.block(judged_number)
    if judged is None:  # a reorg shortened the chain between the two reads
        raise ChainUnavailable(reader.contract, "the chain head moved while reading")
    if not reader.has_code(judged):
        return _ChainRead(chain_id, judged, False, {}, {}, {}, head.timestamp)
    records = {r.token_id: r for r in reader.credentials(token_ids, judged)} if token_ids else {}
    # Below the confirmation depth, the head tells pending issuances and status changes apart
    # from settled state; at depth 1 the judged block is the head and nothing is read twice.
    at_head = {}
    if judged.number != head.number and token_ids:
        at_head = {r.token_id: r for r in reader.credentials(token_ids, head)}
    issuers = sorted({r.institution_id for r in records.values() if r.status is not Status.NONE})
    institutions = reader.institutions(issuers, judged) if issuers else {}
    return _ChainRead(chain_id, judged, True, records, at_head, institutions, head.timestamp)


def _report(
    item: _Item,
    read: _ChainRead | ChainUnavailable,
    contract: str,
    confirmations: int,
    now: int | None,
    shared: dict[tuple[int, ...], Check],
) -> VerificationReport:
    checks = list(item.checks)
    if item.token_id is None or any(c.outcome is Outcome.FAIL for c in checks):
        checks += [not_checked(n, "the document failed an earlier check") for n in _CHAIN_CHECKS]
        return _finish(checks, item.token_id, read, contract)
    if isinstance(read, ChainUnavailable):
        cause = f"the chain could not be read: {read.cause}"
        checks += [
            Check.unknown(n, "chain.unavailable", cause) for n in ("onchain", "status", "issuer")
        ]
        checks += _document_checks(item, None if now is None else now, shared)
        return _finish(checks, item.token_id, read, contract)
    checks += _chain_checks(item, read, contract, confirmations)
    checks += _document_checks(item, read.head_time if now is None else now, shared)
    return _finish(checks, item.token_id, read, contract)


def _chain_checks(item: _Item, read: _ChainRead, contract: str, confirmations: int) -> list[Check]:
    assert item.token_id is not None
    document = item.document
    record = read.records.get(item.token_id) or _never_issued(item.token_id)
    facts = ChainFacts(
        chain_id=read.chain_id,
        contract=contract,
        has_code=read.has_code,
        block=read.block,
        confirmations=confirmations,
        record=record,
        record_at_head=read.at_head.get(item.token_id),
        institution=read.institutions.get(record.institution_id),
    )
    onchain = check_onchain(
        anchor_chain_id=document.anchor.chain_id if document else None,
        anchor_contract=document.anchor.contract if document else None,
        recipient=document.public.recipient if document else None,
        facts=facts,
    )
    if record.status is Status.NONE or onchain.code in (
        "onchain.wrong_chain",
        "onchain.untrusted_contract",
    ):
        why = "the token could not be found on the trusted registry"
        return [onchain, not_checked("status", why), not_checked("issuer", why)]
    issuer = check_issuer(
        claimed_institution_id=document.public.institution.id if document else None,
        record=record,
        institution=facts.institution,
    )
    status = check_status(record, record_at_head=read.at_head.get(item.token_id))
    return [onchain, status, issuer]


def _document_checks(
    item: _Item, now: int | None, shared: dict[tuple[int, ...], Check]
) -> list[Check]:
    """Validity and conformance. ``shared`` keeps the conformance check of the reports a
    cohort's documents share (the same objects, see CohortReader), by their identities: every
    item holds its document until the bulk ends, so an identity is not reused meanwhile."""
    document = item.document
    if document is None:
        return []
    public = document.public
    if now is None:
        validity = Check.unknown(
            "validity", "chain.unavailable", "no block time to judge validity by"
        )
    else:
        validity = check_validity(
            valid_from=public.issued_at, valid_until=public.valid_until, now=now
        )
    key = tuple(map(id, public.conformance))  # validation copies the tuple, not the reports
    conformance = shared.get(key)
    if conformance is None:
        conformance = shared[key] = check_conformance(public.conformance)
    return [validity, conformance]


def _finish(
    checks: list[Check], token_id: int | None, read: _ChainRead | ChainUnavailable, contract: str
) -> VerificationReport:
    on_chain = read if isinstance(read, _ChainRead) else None
    return VerificationReport(
        verdict=verdict_of(checks),
        checks=tuple(checks),
        token_id=token_id,
        chain_id=on_chain.chain_id if on_chain else None,
        contract=contract,
        block=on_chain.block if on_chain else None,
    )


def _never_issued(token_id: int) -> CredentialRecord:
    return CredentialRecord(
        token_id, "0x" + "0" * 40, 0, 0, 0, Status.NONE, Reason.NONE, BurnAuth.ISSUER_ONLY, 0
    )


def _with_possession(
    report: VerificationReport, proof: PossessionProof, nonces: NonceStore
) -> VerificationReport:
    claim = parse_possession_message(proof.message)
    state = nonces.consume(claim.nonce) if claim is not None else NonceState.UNKNOWN
    onchain = report.check("onchain")
    owner = onchain.evidence.get("owner")
    if report.token_id is None or report.chain_id is None or report.block is None or owner is None:
        check = not_checked("possession", "the current owner is not known")
    else:
        check = check_possession(
            message=proof.message,
            signature=proof.signature,
            token_id=report.token_id,
            owner=str(owner),
            chain_id=report.chain_id,
            nonce_state=state,
            now=report.block.timestamp,
        )
    checks = (*report.checks, check)
    return VerificationReport(
        verdict_of(checks), checks, report.token_id, report.chain_id, report.contract, report.block
    )
