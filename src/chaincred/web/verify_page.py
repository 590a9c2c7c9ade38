"""``/verify``: anyone checks a credential, by dropping or pasting its document, opening a
share link (``?doc=``) or scanning a certificate's QR code (``?token=``); ``/verify/bulk``
checks many at once; ``/verify/receipt`` answers the report signed by this verifier.

Input is read, verified and signed by :mod:`chaincred.api.verifying`, the same code as the JSON
API's, so the page and ``POST /v1/verify`` always agree. Input that cannot be judged at all
(not JSON, not a document, a damaged link, not a token id) brings the form back with what is
wrong; a credential that can be judged gets a report, whatever its verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from chaincred.api.deps import VerifierContext, issuer, verifier
from chaincred.api.verifying import (
    BULK_LIMIT,
    read_csv,
    read_document,
    read_token_id,
    signed_receipt,
    verify_items,
    verify_one,
)
from chaincred.domain import (
    InvalidCredential,
    PublicPart,
    parse_document,
)
from chaincred.domain.verification import Outcome, Verdict, VerificationReport
from chaincred.errors import ChainCredError
from chaincred.ports import MetadataStore
from chaincred.services.holdings import public_part_of
from chaincred.services.verify import Presented, Unreadable
from chaincred.web.sharing import ShareLinkError, decode_share
from chaincred.web.templating import render
from chaincred.web.verify_view import (
    CHECK_LABELS,
    VERDICT_WORDS,
    report_view,
    short_id,
    token_hex,
)

router = APIRouter(include_in_schema=False)
Context = Annotated[VerifierContext, Depends(verifier)]

#: A credential document is a few kilobytes; an upload larger than this is not one.
MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    """Input the page cannot judge: the form comes back with ``message`` and ``status``."""

    status: int
    message: str


@dataclass(frozen=True)
class Judged:
    """A report, the public part it is about (when known), and the document as JSON text
    (for the receipt form and the possession proof; ``None`` for a bare token id)."""

    report: VerificationReport
    public: PublicPart | None
    document_text: str | None


@router.get("/verify", response_class=HTMLResponse)
async def verify_page(
    request: Request, context: Context, token: str | None = None, doc: str | None = None
) -> Response:
    if token is not None:
        judged = await _judge_token(token, request, context)
        return _answer(request, judged, context, token=token)
    if doc is not None:
        try:
            data = decode_share(doc)
        except ShareLinkError as exc:
            return _form(request, Refusal(400, f"This share link does not work: {exc}."))
        return _answer(request, await _judge_document(data, context), context)
    return _form(request)


@router.post("/verify", response_class=HTMLResponse)
async def verify_posted(request: Request, context: Context) -> Response:
    form = await _read_form(request)
    if isinstance(form, Refusal):
        return _form(request, form)
    upload, text = form.get("file"), form.get("text")
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        data = await upload.read(MAX_DOCUMENT_BYTES + 1)
        pasted = ""
    elif isinstance(text, str) and text.strip():
        data, pasted = text.encode("utf-8"), text
    else:
        refusal = Refusal(422, "Choose a credential file or paste its JSON, then verify.")
        return _form(request, refusal)
    if len(data) > MAX_DOCUMENT_BYTES:
        refusal = Refusal(413, f"That is larger than {MAX_DOCUMENT_BYTES:,} bytes: not a document.")
        return _form(request, refusal, text=pasted)
    return _answer(request, await _judge_document(data, context), context, text=pasted)


@router.post("/verify/receipt")
async def receipt(request: Request, context: Context) -> Response:
    """The report, verified afresh and signed by this verifier's key, as a file to keep."""
    form = await _read_form(request)
    if isinstance(form, Refusal):
        return _form(request, form)
    token, document = form.get("token"), form.get("document")
    if isinstance(token, str) and token:
        judged = await _judge_token(token, request, context)
    elif isinstance(document, str) and document:
        judged = await _judge_document(document.encode("utf-8"), context)
    else:
        return _form(request, Refusal(422, "Give a document or a token id to sign a receipt for."))
    if isinstance(judged, Refusal):
        return _form(request, judged)
    if context.receipt_key is None:
        why = (
            "This verifier does not sign receipts: its operator has not given it a receipt "
            "key. The report itself is unaffected; save this page instead, or ask the operator."
        )
        return _report(request, judged, context, receipt_error=why, status=503)
    signed = signed_receipt(judged.report, context)
    name = f"receipt-{short_id(judged.report.token_id)}.json"
    return Response(
        json.dumps(signed, indent=2, ensure_ascii=False).encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/verify/bulk", response_class=HTMLResponse)
async def bulk_page(request: Request) -> Response:
    return _bulk(request)


@router.post("/verify/bulk", response_class=HTMLResponse)
async def bulk_posted(request: Request, context: Context) -> Response:
    form = await _read_form(request, max_files=BULK_LIMIT)
    if isinstance(form, Refusal):
        return _bulk(request, form)
    items = await _bulk_items(form)
    if not items:
        return _bulk(request, Refusal(422, "Choose one or more files, or type token ids."))
    if len(items) > BULK_LIMIT:
        message = (
            f"{len(items):,} items is more than the {BULK_LIMIT:,} one check takes: split them."
        )
        return _bulk(request, Refusal(413, message))
    # A chain that cannot be read gives "cannot determine" reports, never an exception.
    reports = await run_in_threadpool(verify_items, [p for _, p in items], context)
    rows = [_bulk_row(name, p, r) for (name, p), r in zip(items, reports, strict=True)]
    counts = {VERDICT_WORDS[v]: sum(r.verdict is v for r in reports) for v in Verdict}
    return _bulk(request, rows=rows, counts=counts)


# --------------------------------------------------------------------------- judging


async def _judge_document(data: bytes, context: VerifierContext) -> Judged | Refusal:
    presented = read_document(data)
    if isinstance(presented, Unreadable):
        return Refusal(400, f"This is not JSON: {presented.reason}.")
    report = await run_in_threadpool(verify_one, presented, context)
    first = report.checks[0]
    if first.name == "format" and first.outcome is Outcome.FAIL:
        return Refusal(422, f"This is not a chaincred credential document: {first.message}.")
    text = json.dumps(presented, ensure_ascii=False, separators=(",", ":"))
    return Judged(report, _public_of(presented), text)


async def _judge_token(text: str, request: Request, context: VerifierContext) -> Judged | Refusal:
    token_id = read_token_id(text.strip())
    if isinstance(token_id, Unreadable):
        return Refusal(400, f"That is not a credential's token id: {token_id.reason}.")
    report = await run_in_threadpool(verify_one, token_id, context)
    public = await run_in_threadpool(_published, token_id, issuer(request).store)
    return Judged(report, public, None)


def _public_of(presented: Presented) -> PublicPart | None:
    """The document's public part; ``None`` when it does not parse (a digest mismatch: the
    report says so, and a tampered public part is not shown as fact)."""
    if not isinstance(presented, Mapping):
        return None
    try:
        return parse_document(presented).public
    except InvalidCredential:
        return None


def _published(token_id: int, store: MetadataStore) -> PublicPart | None:
    """The token's public part from this service's metadata store, if it holds it. Its
    SHA-256 must be the token id, so it is exactly what the token commits to."""
    try:
        return public_part_of(token_id, store=store)
    except ChainCredError:  # not in this store, the store down, or not a public part
        return None


# --------------------------------------------------------------------------- answering


def _answer(
    request: Request,
    judged: Judged | Refusal,
    context: VerifierContext,
    *,
    text: str = "",
    token: str = "",
) -> HTMLResponse:
    if isinstance(judged, Refusal):
        return _form(request, judged, text=text, token=token)
    return _report(request, judged, context)


def _form(
    request: Request, refusal: Refusal | None = None, *, text: str = "", token: str = ""
) -> HTMLResponse:
    context = {
        "title": "Verify a credential",
        "section": "verify",
        "error": refusal.message if refusal else None,
        "text": text,
        "token": token,
    }
    return render(request, "verify/form.html", context, status_code=_status(refusal))


def _report(
    request: Request,
    judged: Judged,
    context: VerifierContext,
    *,
    receipt_error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = report_view(judged.report, judged.public)
    page = {
        "title": f"{view.verdict_words}: verification report",
        "section": "verify",
        "view": view,
        "document_text": judged.document_text,
        "receipt_available": context.receipt_key is not None,
        "receipt_error": receipt_error,
    }
    return render(request, "verify/report.html", page, status_code=status)


def _bulk(
    request: Request,
    refusal: Refusal | None = None,
    *,
    rows: list[dict[str, Any]] | None = None,
    counts: dict[str, int] | None = None,
) -> HTMLResponse:
    context = {
        "title": "Verify many credentials",
        "section": "verify",
        "error": refusal.message if refusal else None,
        "rows": rows,
        "counts": counts,
        "limit": BULK_LIMIT,
    }
    return render(request, "verify/bulk.html", context, status_code=_status(refusal))


def _status(refusal: Refusal | None) -> int:
    return 200 if refusal is None else refusal.status


async def _read_form(request: Request, *, max_files: int = 10) -> FormData | Refusal:
    try:
        return await request.form(max_files=max_files)
    except (HTTPException, MultiPartException) as exc:
        detail = str(exc.detail if isinstance(exc, HTTPException) else exc.message).rstrip(".")
        status = 413 if "exceeded maximum size" in detail else 400
        return Refusal(status, f"The upload could not be read: {detail}.")


async def _bulk_items(form: FormData) -> list[tuple[str, Presented]]:
    items: list[tuple[str, Presented]] = []
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            continue  # a file input left empty still sends an empty part
        name = upload.filename or "file"
        data = await upload.read()
        items += read_csv(name, data) if _is_csv(upload) else [(name, read_document(data))]
    typed = form.get("token_ids")
    if isinstance(typed, str) and typed.strip():
        items += read_csv("typed list", typed.encode("utf-8"))
    return items


def _is_csv(upload: UploadFile) -> bool:
    kind = (upload.content_type or "").split(";")[0].strip().lower()
    return (upload.filename or "").lower().endswith(".csv") or kind == "text/csv"


def _bulk_row(name: str, presented: Presented, report: VerificationReport) -> dict[str, Any]:
    problems = [
        {
            "label": CHECK_LABELS.get(c.name, c.name),
            "code": c.code,
            "outcome": c.outcome.value,
            "message": c.message,
        }
        for c in report.checks
        if c.outcome is not Outcome.PASS and c.code != "not_checked"
    ]
    token = None if report.token_id is None else token_hex(report.token_id)
    return {
        "name": name,
        "verdict": report.verdict.value,
        "verdict_words": VERDICT_WORDS[report.verdict],
        "problems": problems,
        "token": token,
        "href": f"/verify?token={token}" if token and isinstance(presented, int) else None,
    }
