"""Issuing credentials: one, or a batch of up to :data:`BATCH_LIMIT`.

Accepting a request (DESIGN.md invariant 5) is one unit of work: the credential rows, one
``mint`` operation per credential in the outbox (the signer worker drains it), the
achievements marked used and the answer stored under the request's ``Idempotency-Key``.
Nothing talks to the chain here. The same key with the same request gets the stored answer
again; with another request, :class:`IdempotencyKeyReused`.

Every row is validated before anything is stored: a batch with one bad row queues nothing and
the error lists every bad row by its path (``[3].recipient``, ``line[5].claims.name``).
The public part of each document and its badge are put into the metadata store before the
answer (so that ``tokenURI`` resolves); personal claims never are (invariant 1).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from chaincred.domain import (
    Achievement,
    CredentialDocument,
    Institution,
    InvalidCredential,
    Problem,
    document_json,
    parse_achievement,
)
from chaincred.domain.errors import PathPart, render_path
from chaincred.domain.validation import validate_model
from chaincred.errors import InputTooLarge
from chaincred.ports import MetadataStore
from chaincred.ports.issuer import (
    AchievementEntry,
    Clock,
    CredentialEntry,
    IssuerRepository,
    IssuerTransaction,
    JobEntry,
    OperationEntry,
    StorageConflict,
    StoredAnswer,
)
from chaincred.services.errors import IdempotencyKeyRequired, IdempotencyKeyReused
from chaincred.services.publishing import (
    IssueRequest,
    IssuingChain,
    build_document,
    institution_of,
    pin_public_parts,
    token_id_hex,
    token_uri,
)

__all__ = ["BATCH_LIMIT", "Accepted", "Row", "check_batch", "issue_batch", "issue_one"]

#: The most rows one batch request may carry.
BATCH_LIMIT = 10_000
#: Accepted issuance requests answer 202: queued for the chain, not on it yet.
ACCEPTED = 202

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class Row:
    """One raw item of a request and where it came from (the prefix of its error paths);
    ``unreadable`` says why an item could not even be read (a CSV line of the wrong width)."""

    path: tuple[PathPart, ...]
    raw: object
    unreadable: str | None = None


@dataclass(frozen=True)
class Accepted:
    """The answer to an issuance request: the same one every time its key is replayed."""

    status_code: int
    body: Mapping[str, Any]
    replayed: bool = False


def issue_one(
    raw: object,
    *,
    institution_id: int,
    idempotency_key: str | None,
    repo: IssuerRepository,
    store: MetadataStore,
    clock: Clock,
    chain: IssuingChain,
) -> Accepted:
    """Issue one credential; the answer names it (id, token id, state ``queued``)."""
    return _accept(
        "credential",
        [Row((), raw)],
        institution_id=institution_id,
        idempotency_key=idempotency_key,
        repo=repo,
        store=store,
        clock=clock,
        chain=chain,
    )


def issue_batch(
    rows: Sequence[Row],
    *,
    institution_id: int,
    idempotency_key: str | None,
    repo: IssuerRepository,
    store: MetadataStore,
    clock: Clock,
    chain: IssuingChain,
) -> Accepted:
    """Issue many credentials as one job; the answer names the job."""
    if len(rows) > BATCH_LIMIT:
        raise InputTooLarge(len(rows), BATCH_LIMIT)
    if not rows:
        raise InvalidCredential.at((), "the batch has no rows")
    return _accept(
        "batch",
        rows,
        institution_id=institution_id,
        idempotency_key=idempotency_key,
        repo=repo,
        store=store,
        clock=clock,
        chain=chain,
    )


def check_batch(
    rows: Sequence[Row],
    *,
    institution_id: int,
    repo: IssuerRepository,
    clock: Clock,
    chain: IssuingChain,
) -> list[Problem]:
    """Every problem :func:`issue_batch` would find in ``rows`` (none: it would accept them
    now), judged the same way but without storing or pinning anything: a preview."""
    if len(rows) > BATCH_LIMIT:
        raise InputTooLarge(len(rows), BATCH_LIMIT)
    items, problems = _validated(rows)
    with repo.begin() as tx:
        institution, templates = _load(tx, institution_id, items)
    try:
        _plan("batch", institution, templates, items, problems, issued_at=clock(), chain=chain)
    except InvalidCredential as exc:
        return list(exc.problems)
    return []


@dataclass(frozen=True)
class _Item:
    path: tuple[PathPart, ...]
    request: IssueRequest


def _validated(rows: Sequence[Row]) -> tuple[list[_Item], list[Problem]]:
    """The rows that have the shape of a request, and the problems of those that do not."""
    items: list[_Item] = []
    problems: list[Problem] = []
    for row in rows:
        if row.unreadable is not None:
            problems.append(Problem(row.path, row.unreadable))
            continue
        try:
            items.append(_Item(row.path, validate_model(IssueRequest, row.raw, prefix=row.path)))
        except InvalidCredential as exc:
            problems.extend(exc.problems)
    return items, problems


def _accept(
    kind: Literal["credential", "batch"],
    rows: Sequence[Row],
    *,
    institution_id: int,
    idempotency_key: str | None,
    repo: IssuerRepository,
    store: MetadataStore,
    clock: Clock,
    chain: IssuingChain,
) -> Accepted:
    key = _checked_key(idempotency_key)
    items, problems = _validated(rows)
    fingerprint = _fingerprint(kind, items)
    with repo.begin() as tx:
        # A request with problems was never accepted: it is judged, not replayed.
        replay = None if problems else _replay(tx, institution_id, key, fingerprint)
        if replay is not None:
            return replay
        institution, templates = _load(tx, institution_id, items)
    # Documents are built outside any unit of work: a large batch takes a while.
    plan = _plan(kind, institution, templates, items, problems, issued_at=clock(), chain=chain)
    pin_public_parts([d for _, d in plan.documents], store=store)
    answer = plan.answer()
    stored = StoredAnswer(institution_id, key, fingerprint, ACCEPTED, answer, plan.issued_at)
    try:
        with repo.begin() as tx:
            replay = _replay(tx, institution_id, key, fingerprint)
            if replay is not None:
                return replay
            plan.record(tx, stored)
    except StorageConflict:
        # A concurrent request with the same key committed first: answer as it did.
        with repo.begin() as tx:
            replay = _replay(tx, institution_id, key, fingerprint)
        if replay is None:
            raise
        return replay
    return Accepted(ACCEPTED, answer)


def _checked_key(key: str | None) -> str:
    if key is None or key == "":
        raise IdempotencyKeyRequired()
    if not _IDEMPOTENCY_KEY.match(key):
        raise IdempotencyKeyRequired(
            "an Idempotency-Key is 1 to 255 printable ASCII characters without spaces"
        )
    return key


def _fingerprint(kind: str, items: Sequence[_Item]) -> str:
    """What makes two requests "the same": the endpoint and the validated rows (so a JSON
    body with its keys in another order, or a CSV re-uploaded with another multipart
    boundary, is the same request)."""
    rows = [i.request.model_dump(mode="json") for i in items]
    text = json.dumps([kind, rows], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(
    tx: IssuerTransaction, institution_id: int, key: str, fingerprint: str
) -> Accepted | None:
    stored = tx.answer(institution_id, key)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(key)
    return Accepted(stored.status_code, stored.response, replayed=True)


_Templates = dict[str, tuple[AchievementEntry, Achievement] | None]


def _load(
    tx: IssuerTransaction, institution_id: int, items: Sequence[_Item]
) -> tuple[Institution, _Templates]:
    """The institution and each achievement the rows name (None: not the institution's)."""
    entry = tx.institution(institution_id)
    if entry is None:  # the caller's key proves it exists; a deleted row is a server fault
        raise LookupError(f"institution {institution_id} vanished")
    institution = institution_of(entry.id, entry.name, entry.country)
    templates: _Templates = {}
    for achievement_id in dict.fromkeys(i.request.achievement_id for i in items):
        found = tx.achievement(institution_id, achievement_id)
        templates[achievement_id] = (
            (found, parse_achievement(found.data)) if found is not None else None
        )
    return institution, templates


@dataclass
class _Plan:
    """Validated, built and ready to record."""

    kind: Literal["credential", "batch"]
    institution_id: int
    issued_at: datetime
    documents: list[tuple[_Item, CredentialDocument]]
    achievement_ids: list[str]

    def __post_init__(self) -> None:
        self.job_id = uuid4().hex if self.kind == "batch" else None
        self.ids = [uuid4().hex for _ in self.documents]

    def answer(self) -> dict[str, Any]:
        if self.job_id is not None:
            return {"job_id": self.job_id, "total": len(self.documents), "state": "queued"}
        ((item, document),) = self.documents
        return {
            "id": self.ids[0],
            "token_id": token_id_hex(document),
            "token_uri": token_uri(document),
            "achievement_id": item.request.achievement_id,
            "recipient": document.public.recipient,
            "state": "queued",
        }

    def record(self, tx: IssuerTransaction, answer: StoredAnswer) -> None:
        if self.job_id is not None:
            tx.add_job(
                JobEntry(self.job_id, self.institution_id, "mint", len(self.ids), self.issued_at)
            )
        pairs = list(zip(self.ids, self.documents, strict=True))
        tx.add_credentials(
            [
                CredentialEntry(
                    id=credential_id,
                    institution_id=self.institution_id,
                    achievement_id=item.request.achievement_id,
                    token_id=token_id_hex(document),
                    recipient=document.public.recipient,
                    document=document_json(document),
                    created_at=self.issued_at,
                    job_id=self.job_id,
                    job_index=index if self.job_id is not None else None,
                )
                for index, (credential_id, (item, document)) in enumerate(pairs)
            ]
        )
        tx.add_operations(
            [
                OperationEntry(
                    kind="mint",
                    institution_id=self.institution_id,
                    credential_id=credential_id,
                    payload={"burn_auth": item.request.burn_auth},
                    created_at=self.issued_at,
                )
                for credential_id, (item, _) in pairs
            ]
        )
        for achievement_id in self.achievement_ids:
            current = tx.achievement(self.institution_id, achievement_id, lock=True)
            if current is not None and not current.used:
                tx.update_achievement(replace(current, used=True))
        tx.add_answer(answer)


def _plan(
    kind: Literal["credential", "batch"],
    institution: Institution,
    templates: _Templates,
    items: Sequence[_Item],
    problems: list[Problem],
    *,
    issued_at: datetime,
    chain: IssuingChain,
) -> _Plan:
    """Every row checked against the institution's achievements and built into its document;
    every problem of every row (with those found before, ``problems``) reported at once."""
    documents: list[tuple[_Item, CredentialDocument]] = []
    seen: dict[str, tuple[PathPart, ...]] = {}
    for item in items:
        template = templates[item.request.achievement_id]
        if template is None or template[0].archived:
            why = "is archived" if template else "is not one of this institution's achievements"
            problems.append(Problem((*item.path, "achievement_id"), why))
            continue
        try:
            document = build_document(
                template[1],
                recipient=item.request.recipient,
                claims=item.request.claims,
                valid_until=item.request.valid_until,
                institution=institution,
                issued_at=issued_at,
                chain=chain,
                path=item.path,
            )
        except InvalidCredential as exc:
            problems.extend(exc.problems)
            continue
        token_id = token_id_hex(document)
        if token_id in seen:
            # Same recipient, no claims, same second: one token id. Never two rows for it.
            problems.append(Problem(item.path, f"repeats {render_path(seen[token_id])}"))
            continue
        seen[token_id] = item.path
        documents.append((item, document))
    if problems:
        raise InvalidCredential(sorted(problems, key=_row_number) if kind == "batch" else problems)
    used = [k for k, v in templates.items() if v is not None]
    return _Plan(kind, institution.id, issued_at, documents, used)


def _row_number(problem: Problem) -> int:
    """A batch problem's row: the first number of its path (``[3]…`` or ``line[5]…``)."""
    return next((part for part in problem.path if isinstance(part, int)), -1)
