"""Issuing credentials (one, or a batch from JSON or a CSV roster), following them, and
handing the learner's document over."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chaincred.api.auth import Issuer, Reader
from chaincred.api.bodies import documented, json_body
from chaincred.api.deps import IssuerContext, issuer
from chaincred.api.issuer_views import credential_json, credential_page_json, job_json
from chaincred.domain import InvalidCredential, parse_json
from chaincred.services.documents import create_claim_secret, full_document
from chaincred.services.errors import UnsupportedMediaType
from chaincred.services.issuance import BATCH_LIMIT, Accepted, Row, issue_batch, issue_one
from chaincred.services.publishing import IssueRequest
from chaincred.services.roster import roster_rows
from chaincred.services.tracking import (
    LIST_LIMIT,
    CredentialState,
    credential_page,
    credential_report,
    job_report,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["credentials"])
Context = Annotated[IssuerContext, Depends(issuer)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="required: the same key with the same request gets the same answer",
    ),
]

_BATCH_TYPES = ("application/json", "text/csv", "multipart/form-data")
_ROSTER = {"type": "string", "description": "CSV: a header row, then one row per credential"}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": IssueRequest.model_json_schema()}
            },
            "text/csv": {"schema": _ROSTER},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["roster"],
                    "properties": {
                        "roster": _ROSTER | {"format": "binary"},
                        "achievement_id": {"type": "string"},
                    },
                }
            },
        },
    }
}


@router.post(
    "/credentials",
    status_code=202,
    summary="Issue one credential (queued for the chain)",
    openapi_extra=documented(IssueRequest),
)
def post_credential(
    institution_id: Issuer,
    body: Annotated[Any, Depends(json_body)],
    context: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    answer = issue_one(
        body,
        institution_id=institution_id,
        idempotency_key=idempotency_key,
        repo=context.repo,
        store=context.store,
        clock=context.clock,
        chain=context.chain(),
    )
    return _accepted(answer, f"/v1/credentials/{answer.body.get('id')}")


@router.post(
    "/credentials/batch",
    status_code=202,
    summary=f"Issue up to {BATCH_LIMIT} credentials as one job",
    openapi_extra=_BATCH_BODY,
)
async def post_batch(
    institution_id: Issuer,
    request: Request,
    context: Context,
    idempotency_key: IdempotencyKey = None,
    achievement_id: Annotated[
        str | None, Query(description="the achievement of every row of a CSV roster")
    ] = None,
) -> JSONResponse:
    """A JSON array of credentials (each as for ``POST /v1/credentials``), or a CSV roster
    (``text/csv`` body, or ``multipart/form-data`` with the file as ``roster``) with a header
    row: ``recipient`` and claim columns (``name``, ``student_id``, …), optionally
    ``valid_until``, ``burn_auth`` and ``achievement_id``. Every row is checked first: one
    bad row and nothing is queued (422, every bad row listed: ``[3].recipient`` for JSON,
    ``line[5].recipient`` for CSV lines)."""
    rows = await _batch_rows(request, achievement_id)
    answer = await run_in_threadpool(
        lambda: issue_batch(
            rows,
            institution_id=institution_id,
            idempotency_key=idempotency_key,
            repo=context.repo,
            store=context.store,
            clock=context.clock,
            chain=context.chain(),
        )
    )
    return _accepted(answer, f"/v1/jobs/{answer.body.get('job_id')}")


@router.get("/jobs/{job_id}", summary="A batch job's progress, per state and per item")
def get_job(
    institution_id: Reader,
    job_id: str,
    context: Context,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=BATCH_LIMIT)] = 1000,
) -> dict[str, Any]:
    report = job_report(institution_id, job_id, offset=offset, limit=limit, repo=context.repo)
    return job_json(report)


@router.get("/credentials", summary="The institution's credentials, newest first")
def get_credentials(
    institution_id: Reader,
    context: Context,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 100,
    state: Annotated[
        CredentialState | None, Query(description="only credentials in this pipeline state")
    ] = None,
) -> dict[str, Any]:
    """A page of the credentials: each as ``GET /v1/credentials/{id}`` shows it, without its
    transaction and operations (ask for one credential for those). ``next_offset`` is the
    ``offset`` of the next page, or null after the last."""
    page = credential_page(
        institution_id, offset=offset, limit=limit, state=state, repo=context.repo
    )
    return credential_page_json(page)


@router.get(
    "/credentials/{credential_id}",
    summary="A credential: its state on the way to the chain, transactions, gas and fee",
)
def get_credential(institution_id: Reader, credential_id: str, context: Context) -> dict[str, Any]:
    return credential_json(credential_report(institution_id, credential_id, repo=context.repo))


@router.get(
    "/credentials/{credential_id}/document",
    summary="The learner's full document, with the claims and their salts",
)
def get_document(institution_id: Reader, credential_id: str, context: Context) -> JSONResponse:
    document = full_document(institution_id, credential_id, repo=context.repo)
    return JSONResponse(dict(document), headers={"Cache-Control": "no-store"})


@router.post(
    "/credentials/{credential_id}/claim-link",
    status_code=201,
    summary="A one-time link for the learner to download the document (replaces earlier ones)",
)
def post_claim_link(institution_id: Issuer, credential_id: str, context: Context) -> dict[str, Any]:
    secret = create_claim_secret(institution_id, credential_id, repo=context.repo)
    base = context.settings.public_url.rstrip("/")
    return {"credential_id": credential_id, "url": f"{base}/v1/claim/{secret}"}


def _accepted(answer: Accepted, location: str) -> JSONResponse:
    headers = {"Location": location}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(dict(answer.body), status_code=answer.status_code, headers=headers)


async def _batch_rows(request: Request, achievement_id: str | None) -> list[Row]:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media == "application/json":
        body = parse_json(await request.body())
        if not isinstance(body, list):
            raise InvalidCredential.at((), "the body must be a JSON array of credentials")
        return [Row((i,), item) for i, item in enumerate(body)]
    if media == "text/csv":
        return roster_rows(await request.body(), achievement_id)
    if media == "multipart/form-data":
        form = await request.form()
        roster = form.get("roster")
        if not isinstance(roster, UploadFile):
            raise InvalidCredential.at(("roster",), "upload the CSV roster as the roster file")
        given = form.get("achievement_id")
        return roster_rows(await roster.read(), given if isinstance(given, str) else achievement_id)
    raise UnsupportedMediaType(media, _BATCH_TYPES)
