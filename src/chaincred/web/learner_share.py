"""The learner page's share-link steps: read the learner's document, offer its claims, and
make the link that discloses only the ticked ones (selective disclosure, nothing stored).

Each step reads the whole document again (it travels in the form, not in a session), with the
same checks a verifier applies: strict JSON, a valid chaincred document, and every claim it
opens matching its commitment; a link made from anything less would fail at the verifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from chaincred.domain import (
    CLAIM_NAMES,
    CredentialDocument,
    InvalidCredential,
    MalformedJson,
    canonical_bytes,
    document_json,
    parse_document,
    parse_json,
    present,
    verify_disclosure,
)
from chaincred.web.labels import CLAIM_LABELS
from chaincred.web.sharing import MAX_SHARED_BYTES, encode_share

__all__ = ["CLAIM_LABELS", "ClaimChoice", "ShareForm", "choose_claims", "share_link"]


_SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class ClaimChoice:
    name: str
    label: str
    value: str
    checked: bool = False


@dataclass(frozen=True)
class ShareForm:
    """Where the learner is: ``upload`` (with ``error`` if the document was refused),
    ``choose`` (one checkbox per claim) or ``link`` (the share link made)."""

    step: Literal["upload", "choose", "link"] = "upload"
    error: str | None = None
    title: str = ""
    document: str = ""
    claims: tuple[ClaimChoice, ...] = ()
    link: str = ""
    disclosed: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()


def choose_claims(data: bytes) -> ShareForm:
    """Step 1 → 2: the document's claims to choose from, or why the document is refused."""
    try:
        document = _read(data)
    except _Refused as exc:
        return ShareForm(error=exc.reason)
    return _choosing(document, ticked=())


def share_link(data: bytes, ticked: Sequence[str], *, public_url: str) -> ShareForm:
    """Step 2 → 3: the link to ``<public_url>/verify?doc=…`` carrying the document with only
    the ``ticked`` claims (RFC 8785 canonical JSON, deflated, base64url)."""
    try:
        document = _read(data)
    except _Refused as exc:
        return ShareForm(error=exc.reason)
    try:
        shown = present(document, ticked)
    except InvalidCredential as exc:
        return _choosing(document, ticked=ticked, error=f"{exc.location} {exc.problems[0].message}")
    text = encode_share(canonical_bytes(document_json(shown)))
    names = [n for n in CLAIM_NAMES if n in document.claims]
    return ShareForm(
        step="link",
        title=document.public.name,
        link=f"{public_url.rstrip('/')}/verify?doc={text}",
        disclosed=tuple(CLAIM_LABELS[n] for n in names if n in shown.claims),
        withheld=tuple(CLAIM_LABELS[n] for n in names if n not in shown.claims),
    )


def _choosing(
    document: CredentialDocument, *, ticked: Sequence[str], error: str | None = None
) -> ShareForm:
    choices = tuple(
        ClaimChoice(name, CLAIM_LABELS[name], opening.value, name in ticked)
        for name in CLAIM_NAMES
        if (opening := document.claims.get(name)) is not None
    )
    return ShareForm(
        step="choose",
        error=error,
        title=document.public.name,
        document=canonical_bytes(document_json(document)).decode("utf-8"),
        claims=choices,
    )


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read(data: bytes) -> CredentialDocument:
    if not data.strip():
        raise _Refused("Choose your credential document (a .json file) or paste its text.")
    if len(data) > MAX_SHARED_BYTES:
        raise _Refused(
            f"The document is {len(data):,} bytes; a share link carries at most "
            f"{MAX_SHARED_BYTES:,}. Is this the document from your claim link?"
        )
    try:
        document = parse_document(parse_json(data))
    except MalformedJson as exc:
        raise _Refused(f"The file is not valid JSON: {exc}.") from None
    except InvalidCredential as exc:
        problems = "; ".join(str(p) for p in exc.problems[:_SHOWN_PROBLEMS])
        more = len(exc.problems) - _SHOWN_PROBLEMS
        suffix = f" (and {more} more)" if more > 0 else ""
        raise _Refused(f"This is not a valid chaincred credential: {problems}{suffix}.") from None
    report = verify_disclosure(document)
    if report.mismatched:
        problems = "; ".join(f"claims.{m.name}: {m.reason}" for m in report.mismatched)
        raise _Refused(f"The document's claims do not match its commitments: {problems}.")
    return document
