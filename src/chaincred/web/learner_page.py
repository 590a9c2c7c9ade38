"""``/learner``: what one wallet address holds, and what its holder can do with it.

The page is public (anyone can type any address), so the list shows public facts only: the
token's metadata and its on-chain record, never the personal claims the issuer stores. The
holder's own actions need their own document or their own wallet, never a login:

- downloads per credential: the Open Badges 3.0 JSON and a PDF certificate whose QR code opens
  the verifier page for the token (both from the public part);
- a share link that discloses only the claims the learner ticks: the learner uploads the
  document from their claim link, the page answers with checkboxes and then with the link
  (``/verify?doc=…``, see :mod:`chaincred.web.sharing`); nothing is stored;
- the full document, downloaded once through the claim link the institution sent;
- burning a token, where its burn authority lets the holder: ``static/burn.js`` has the
  holder's wallet send ``burn(uint256)``; the indexer then erases the stored document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chaincred.api.deps import IssuerContext, issuer
from chaincred.domain import InvalidCredential
from chaincred.domain.onchain import Reason, Status
from chaincred.errors import ChainCredError, ChainUnavailable, PinningError
from chaincred.services.documents import claim
from chaincred.services.errors import Gone, InvalidIdentifier, NotFound
from chaincred.services.holdings import (
    Holding,
    Holdings,
    holder_address,
    holdings,
    known_public_part,
    public_open_badge,
)
from chaincred.services.public import parse_token_id
from chaincred.web.certificate import certificate_pdf, verify_url
from chaincred.web.learner_share import ShareForm, choose_claims, share_link
from chaincred.web.templating import render

__all__ = ["burn_calldata", "router"]

router = APIRouter(include_in_schema=False)
Context = Annotated[IssuerContext, Depends(issuer)]

_BURN = function_signature_to_4byte_selector("burn(uint256)")

_STATES = {
    "queued": "queued: waiting to be sent to the chain",
    "submitted": "sent to the chain, waiting for confirmation",
    "confirmed": "recorded on the chain",
    "failed": "failed: it never reached the chain",
}


def burn_calldata(token_id: int) -> str:
    """The transaction data of the registry's ``burn(uint256 tokenId)`` (IChainCred)."""
    return "0x" + (_BURN + encode(["uint256"], [token_id])).hex()


@router.get("/learner", response_class=HTMLResponse)
def learner(request: Request, context: Context, address: str | None = None) -> HTMLResponse:
    page: dict[str, Any] = {"address": address or "", "share": ShareForm()}
    if address is None:
        return _page(request, page)
    try:
        checksummed = holder_address(address)
    except InvalidCredential as exc:
        page["address_error"] = exc.problems[0].message
        return _page(request, page, status_code=422)
    held = holdings(checksummed, repo=context.repo, store=context.store, chain=context.reader)
    page |= {"address": checksummed, "held": held, "cards": _cards(held, context)}
    return _page(request, page)


@router.get("/learner/credentials/{token_id}/openbadge.json")
def open_badge(request: Request, token_id: str, context: Context) -> Response:
    """The token's Open Badges 3.0 credential, from its public part (see
    :func:`chaincred.services.holdings.public_open_badge`: no personal claim is in it)."""
    try:
        parsed = parse_token_id(token_id)
        badge = public_open_badge(
            parsed, store=context.store, chain=context.reader, issuing=context.chain()
        )
    except (InvalidIdentifier, NotFound, PinningError, ChainUnavailable) as exc:
        return _problem(request, exc)
    name = f"openbadge-0x{parsed:064x}.json"
    return JSONResponse(badge, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/learner/credentials/{token_id}/certificate.pdf")
def certificate(request: Request, token_id: str, context: Context) -> Response:
    """The printable certificate (:mod:`chaincred.web.certificate`) of a token's public part."""
    try:
        parsed = parse_token_id(token_id)
        public = known_public_part(parsed, store=context.store, chain=context.reader)
    except (InvalidIdentifier, NotFound, PinningError) as exc:
        return _problem(request, exc)
    url = verify_url(context.settings.public_url, parsed)
    pdf = certificate_pdf(public, token_id=parsed, verify_url=url)
    name = f"certificate-0x{parsed:064x}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post("/learner/share", response_class=HTMLResponse)
async def share_choose(request: Request) -> HTMLResponse:
    """Step 1 → 2: the uploaded (or pasted) document, answered with one checkbox per claim."""
    form = await request.form()
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    pasted = form.get("text")
    share = choose_claims(data or (pasted if isinstance(pasted, str) else "").encode("utf-8"))
    return _page(request, {"share": share}, status_code=422 if share.error else 200)


@router.post("/learner/share/link", response_class=HTMLResponse)
async def share_create(request: Request, context: Context) -> HTMLResponse:
    """Step 2 → 3: the share link of the document with only the ticked claims."""
    form = await request.form()
    document = form.get("document")
    ticked = [str(v) for v in form.getlist("disclose")]
    text = document if isinstance(document, str) else ""
    share = share_link(text.encode("utf-8"), ticked, public_url=context.settings.public_url)
    return _page(request, {"share": share}, status_code=422 if share.error else 200)


@router.post("/learner/claim")
async def claim_document(request: Request, context: Context) -> Response:
    """The full document behind a claim link (once: the link is used up), as a file."""
    form = await request.form()
    given = form.get("claim")
    secret = (given if isinstance(given, str) else "").strip().rsplit("/v1/claim/", 1)[-1]
    if not secret:
        return _claim_error(request, "Paste the claim link your institution sent you.", 422)
    try:
        document = await run_in_threadpool(
            lambda: claim(secret, repo=context.repo, clock=context.clock)
        )
    except NotFound as exc:
        return _claim_error(request, f"{exc}: check that you copied the whole link", 404)
    except Gone as exc:
        return _claim_error(request, str(exc), 410)
    anchor = document.get("anchor")
    token = anchor.get("token_id") if isinstance(anchor, dict) else None
    name = f"credential-0x{int(token):064x}.json" if isinstance(token, str) else "credential.json"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return JSONResponse(dict(document), headers=headers)


def _page(request: Request, page: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    context = {"title": "Your credentials", "section": "learner", **page}
    return render(request, "learner/index.html", context, status_code=status_code)


def _claim_error(request: Request, message: str, status_code: int) -> HTMLResponse:
    page = {"share": ShareForm(), "claim_error": _sentence(message)}
    return _page(request, page, status_code=status_code)


def _problem(request: Request, exc: ChainCredError) -> HTMLResponse:
    unavailable = isinstance(exc, ChainUnavailable | PinningError) and not isinstance(
        exc, LookupError
    )
    status = 503 if unavailable else 404
    context = {
        "title": "Not found" if status == 404 else "Unavailable",
        "section": "learner",
        "message": _sentence(str(exc)),
    }
    return render(request, "learner/problem.html", context, status_code=status)


def _sentence(text: str) -> str:
    """An error message as a sentence (``str.capitalize`` would lower-case an address)."""
    text = text.rstrip(".")
    return text[:1].upper() + text[1:] + "."


def _cards(held: Holdings, context: IssuerContext) -> list[dict[str, Any]]:
    chain_id: int | None = None
    if held.block is not None:
        try:
            chain_id = context.chain().chain_id
        except ChainUnavailable:
            chain_id = None
    return [_card(h, held.address, chain_id, context.settings.contract) for h in held.items]


def _card(h: Holding, holder: str, chain_id: int | None, contract: str) -> dict[str, Any]:
    token_id = int(h.token_id, 16)
    card: dict[str, Any] = {
        "token_id": h.token_id,
        "public": h.public,
        "metadata_problem": h.metadata_problem,
        "state": _STATES.get(h.state, h.state),
        "failure": h.failure,
        "status": _status(h),
        "burn": None,
    }
    if chain_id is not None and h.holder_may_burn(holder):
        card["burn"] = {
            "calldata": burn_calldata(token_id),
            "contract": contract,
            "chain_id": hex(chain_id),
        }
    return card


def _status(h: Holding) -> dict[str, str]:
    """``key`` goes into ``data-status`` and the badge's class, ``label`` and ``detail`` are
    what the reader sees."""
    record = h.record
    if record is None:
        return {"key": "unknown", "label": "Unknown", "detail": "the chain could not be read"}
    if record.status is Status.NONE:
        label = "Not on chain" if h.state == "failed" else "Not on chain yet"
        return {"key": "not-issued", "label": label, "detail": ""}
    key = record.status.name.lower()
    parts = []
    if record.reason is not Reason.NONE and record.status is not Status.ACTIVE:
        parts.append("reason: " + record.reason.name.lower().replace("_", " "))
    if record.status is not Status.ACTIVE and record.status_changed_at:
        parts.append("since " + _date(record.status_changed_at))
    if record.status is Status.SUPERSEDED and record.superseded_by:
        parts.append(f"replaced by token 0x{record.superseded_by:064x}")
    return {"key": key, "label": key.capitalize(), "detail": "; ".join(parts)}


def _date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")
