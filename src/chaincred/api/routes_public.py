"""What anyone may fetch without a key: token metadata and badges (what ``tokenURI``
resolves to), the metadata store as a trustless gateway, the learner's claim link, health.

``GET /ipfs/{cid}`` follows the IPFS trustless gateway spec
(https://specs.ipfs.tech/http-gateways/trustless-gateway/): ``Accept:
application/vnd.ipld.raw`` (or ``?format=raw``) answers the raw block; otherwise the bytes
are answered with the content type of what they are (JSON metadata, SVG badge). CAR answers
are not offered (406): every block here is a single raw block.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from chaincred.api.deps import IssuerContext, issuer
from chaincred.services.documents import claim
from chaincred.services.errors import NotAcceptable
from chaincred.services.health import check_health
from chaincred.services.public import block, parse_token_id, token_image, token_metadata

__all__ = ["router"]

router = APIRouter(tags=["public"])
Context = Annotated[IssuerContext, Depends(issuer)]

RAW = "application/vnd.ipld.raw"
_IMMUTABLE = "public, max-age=29030400, immutable"
# Badges are our own SVG, but an SVG opened directly is a document: let it run nothing.
_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@router.get("/v1/tokens/{token_id}/metadata", summary="A token's ERC-721 metadata")
def get_metadata(token_id: str, context: Context) -> Response:
    """The canonical bytes of the credential's public part (its SHA-256 is the token id)."""
    data = token_metadata(parse_token_id(token_id), store=context.store)
    return Response(data, media_type="application/json", headers={"Cache-Control": _IMMUTABLE})


@router.get("/v1/tokens/{token_id}/image.svg", summary="A token's badge image")
def get_image(token_id: str, context: Context) -> Response:
    data = token_image(parse_token_id(token_id), store=context.store)
    headers = {"Cache-Control": _IMMUTABLE, "Content-Security-Policy": _SVG_POLICY}
    return Response(data, media_type="image/svg+xml", headers=headers)


@router.get("/ipfs/{cid}", summary="A block of the metadata store by its CID")
@router.head("/ipfs/{cid}", summary="The headers of a block", operation_id="head_ipfs_block")
def get_block(cid: str, request: Request, context: Context, format: str | None = None) -> Response:
    accept = request.headers.get("accept", "")
    if format == "car" or "application/vnd.ipld.car" in accept:
        raise NotAcceptable(format or accept, (RAW, "the deserialized content"))
    raw = format == "raw" or RAW in accept
    etag = f'"{cid}.raw"' if raw else f'"{cid}"'
    headers = {
        "Cache-Control": _IMMUTABLE,
        "ETag": etag,
        "X-Ipfs-Path": f"/ipfs/{cid}",
        "X-Content-Type-Options": "nosniff",
    }
    data = block(cid, store=context.store)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if raw:
        headers["Content-Disposition"] = f'attachment; filename="{cid}.bin"'
        media = RAW
    else:
        media = _kind(data)
        if media == "image/svg+xml":
            headers["Content-Security-Policy"] = _SVG_POLICY
    body = b"" if request.method == "HEAD" else data
    headers["Content-Length"] = str(len(data))
    return Response(body, media_type=media, headers=headers)


@router.get("/v1/claim/{secret}", summary="The learner's document, once (then 410 Gone)")
def get_claim(secret: str, context: Context) -> JSONResponse:
    document = claim(secret, repo=context.repo, clock=context.clock)
    return JSONResponse(dict(document), headers={"Cache-Control": "no-store"})


@router.get("/healthz", summary="Chain, database, pinning and signer, each with ok or error")
async def healthz(context: Context) -> JSONResponse:
    checks = await run_in_threadpool(
        lambda: check_health(
            chain=context.reader,
            repo=context.repo,
            store=context.store,
            balances=context.balances,
            signer=context.signer,
        )
    )
    ok = all(c.ok for c in checks)
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {c.name: {"ok": c.ok, **c.details} for c in checks},
    }
    return JSONResponse(body, status_code=200 if ok else 503)


def _kind(data: bytes) -> str:
    head = data.lstrip()[:256]
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    try:
        json.loads(data)
    except ValueError:
        return "application/octet-stream"
    return "application/json"
