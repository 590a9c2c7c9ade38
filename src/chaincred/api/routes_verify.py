"""Verification over HTTP: one document, many, the VCALM shape, and holder possession."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from eth_utils.address import is_address, to_checksum_address
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chaincred.api.bodies import documented, json_object
from chaincred.api.deps import VerifierContext, verifier
from chaincred.api.verifying import (
    BULK_LIMIT,
    read_csv,
    read_document,
    read_token_id,
    signed_receipt,
    verify_items,
    verify_one,
)
from chaincred.domain import InvalidCredential, parse_json
from chaincred.domain.possession import PossessionClaim, possession_message
from chaincred.domain.validation import validate_model
from chaincred.domain.verification import Outcome, Verdict, VerificationReport
from chaincred.errors import InputTooLarge
from chaincred.services.collector import collector_paused
from chaincred.services.verify import (
    PossessionProof,
    Presented,
    as_document,
    released,
    verify,
)

__all__ = ["router", "vcalm_router"]

router = APIRouter(prefix="/v1/verify", tags=["verify"])
vcalm_router = APIRouter(tags=["verify"])
Context = Annotated[VerifierContext, Depends(verifier)]
JsonObject = Annotated[dict[str, Any], Depends(json_object)]

_CHALLENGE_TTL = timedelta(minutes=5)


class ChallengeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token_id: str = Field(pattern=r"^0x[0-9a-fA-F]{1,64}$", description="the credential's token id")
    address: str = Field(description="the holder's wallet address, which will sign")


class Challenge(BaseModel):
    nonce: str
    message: str = Field(description="the EIP-4361 text to sign with personal_sign")
    expires_at: str


class PossessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")
    document: dict[str, Any] | None = Field(None, description="the document (or give token_id)")
    token_id: str | None = Field(None, pattern=r"^0x[0-9a-fA-F]{1,64}$")


@router.post("", summary="Verify one credential document")
async def verify_document(
    request: Request, context: Context, receipt: bool = False
) -> dict[str, Any]:
    """The body is the credential document. With ``?receipt=true`` the answer is the report
    signed by this verifier's key (EIP-191), to archive."""
    presented = as_document(parse_json(await request.body()))
    report = await run_in_threadpool(verify_one, presented, context)
    return _answer(report, receipt, context)


@router.post("/bulk", summary="Verify many documents or token ids")
async def verify_bulk(request: Request, context: Context) -> dict[str, Any]:
    """JSON ``{"documents": [...]}`` or ``{"token_ids": ["0x…", …]}``; or multipart with
    document files (``files``) and/or a CSV of token ids (``csv``, one per row, optional
    ``token_id`` header). One report per item, in order."""
    upload = await _bulk_upload(request)
    return await run_in_threadpool(_bulk_answer, upload, context)


@router.post(
    "/challenge",
    summary="Start a holder-possession proof",
    openapi_extra=documented(ChallengeRequest),
)
async def challenge(raw: JsonObject, context: Context) -> Challenge:
    body = validate_model(ChallengeRequest, raw)
    if not is_address(body.address):
        raise InvalidCredential.at(("address",), "is not an Ethereum address")
    chain_id, _ = await run_in_threadpool(context.reader.chain_head)
    issued = datetime.now(UTC).replace(microsecond=0)
    claim = PossessionClaim(
        domain=context.settings.public_url.split("://", 1)[-1].split("/", 1)[0],
        address=str(to_checksum_address(body.address)),
        token_id=int(body.token_id, 16),
        uri=context.settings.public_url,
        chain_id=chain_id,
        nonce=context.nonces.issue(),
        issued_at=_iso(issued),
        expires_at=_iso(issued + _CHALLENGE_TTL),
    )
    return Challenge(
        nonce=claim.nonce, message=possession_message(claim), expires_at=claim.expires_at
    )


@router.post(
    "/possession",
    summary="Verify a credential and its holder's signed challenge",
    openapi_extra=documented(PossessionRequest),
)
async def possession(raw: JsonObject, context: Context, receipt: bool = False) -> dict[str, Any]:
    # Read with the strict parser, like /v1/verify: duplicate keys in the document are refused.
    body = validate_model(PossessionRequest, raw)
    if (body.document is None) == (body.token_id is None):
        raise InvalidCredential.at(("document",), "give exactly one of document and token_id")
    presented: Presented = (
        body.document if body.document is not None else int(str(body.token_id), 16)
    )
    proof = PossessionProof(message=body.message, signature=body.signature)
    report = await run_in_threadpool(
        lambda: verify(
            presented,
            chain=context.reader,
            confirmations=context.settings.confirmations,
            possession=proof,
            nonces=context.nonces,
        )
    )
    return _answer(report, receipt, context)


@vcalm_router.post("/credentials/verify", summary="VC API (VCALM) verification")
async def vcalm_verify(request: Request, context: Context) -> dict[str, Any]:
    """``{"verifiableCredential": …}``: a chaincred document, or its Open Badges 3.0 export
    (judged by chain facts only: the OB 3.0 rendering itself is not what the chain commits to)."""
    body = parse_json(await request.body())
    if not isinstance(body, dict) or "verifiableCredential" not in body:
        raise InvalidCredential.at(("verifiableCredential",), "is required")
    credential = body["verifiableCredential"]
    warnings: list[str] = []
    presented: Presented = as_document(credential)
    token_id = _token_id_of_open_badge(credential)
    if token_id is not None:
        presented = token_id
        warnings.append(
            "an Open Badges 3.0 rendering: only the chain facts of its token were checked"
        )
    report = await run_in_threadpool(verify_one, presented, context)
    return {
        "verified": report.verdict is Verdict.VALID,
        "checks": [c.name for c in report.checks if c.outcome is Outcome.PASS],
        "warnings": warnings
        + [f"{c.name}: {c.message}" for c in report.checks if c.outcome is Outcome.INDETERMINATE],
        "errors": [f"{c.name}: {c.message}" for c in report.checks if c.outcome is Outcome.FAIL],
        "chaincred": report.to_json(),
    }


def _answer(report: VerificationReport, receipt: bool, context: VerifierContext) -> dict[str, Any]:
    return signed_receipt(report, context) if receipt else report.to_json()


_Upload = bytes | list[tuple[str, str, bytes]]  # a JSON body, or multipart (field, name, data)


async def _bulk_upload(request: Request) -> _Upload:
    """The request's bytes, read before any parsing (which runs in a worker thread)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await request.body()
    form = await request.form()
    files = []
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile):
            raise InvalidCredential.at((key,), "must be an uploaded file")
        files.append((key, value.filename or key, await value.read()))
    return files


def _bulk_answer(upload: _Upload, context: VerifierContext) -> dict[str, Any]:
    """Parse, verify and answer with the garbage collector paused for the whole bulk
    (:mod:`chaincred.services.collector`): the parsed JSON is most of what it would scan."""
    with collector_paused():
        items = _bulk_items(upload)
        if len(items) > BULK_LIMIT:
            raise InputTooLarge(len(items), BULK_LIMIT)
        sources, presented = [s for s, _ in items], [p for _, p in items]
        del items  # each parsed document is then freed once it has been checked
        reports = verify_items(released(presented), context)
        counts = {v.value: sum(r.verdict is v for r in reports) for v in Verdict}
        return {
            "count": len(reports),
            "verdicts": counts,
            "items": [
                {"source": s, "report": r.to_json()} for s, r in zip(sources, reports, strict=True)
            ],
        }


def _bulk_items(upload: _Upload) -> list[tuple[str, Presented]]:
    if not isinstance(upload, bytes):
        items: list[tuple[str, Presented]] = []
        for key, name, data in upload:
            items += read_csv(name, data) if key == "csv" else [(name, read_document(data))]
        return items
    body = parse_json(upload)
    if isinstance(body, dict) and isinstance(body.get("documents"), list):
        return [(f"documents[{i}]", as_document(d)) for i, d in enumerate(body["documents"])]
    if isinstance(body, dict) and isinstance(body.get("token_ids"), list):
        return [(f"token_ids[{i}]", read_token_id(str(t))) for i, t in enumerate(body["token_ids"])]
    raise InvalidCredential.at(("documents",), 'give "documents" or "token_ids" as a list')


def _token_id_of_open_badge(credential: object) -> int | None:
    """The token id behind an OB 3.0 export: its ``id`` is ``ipfs://<CIDv1 raw sha2-256>``."""
    if not isinstance(credential, dict) or "OpenBadgeCredential" not in credential.get("type", []):
        return None
    uri = credential.get("id")
    if not isinstance(uri, str) or not uri.startswith("ipfs://b"):
        return None
    encoded = uri.removeprefix("ipfs://b").upper()
    try:
        raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except ValueError:
        return None
    if len(raw) != 36 or raw[:4] != bytes.fromhex("01551220"):
        return None
    return int.from_bytes(raw[4:], "big")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
