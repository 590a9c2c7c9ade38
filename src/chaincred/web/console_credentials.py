"""``/console/credentials``: the institution's credentials, each with its state on the way to
the chain, its cost, the learner's claim link, and the lifecycle forms (revoke, suspend,
reinstate, supersede). A lifecycle form queues one operation, as the API does; the page then
follows it (queued → confirmed) until the pipeline is done with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chaincred.domain import CLAIM_NAMES, InvalidCredential, digest_from_token_id, token_uri_of
from chaincred.domain.validation import validate_model
from chaincred.errors import ChainCredError
from chaincred.ports.issuer import PENDING_STATES
from chaincred.services.achievements import list_achievements
from chaincred.services.documents import create_claim_secret
from chaincred.services.errors import NotFound
from chaincred.services.lifecycle import REASONS, Correction, StatusChange, change_status, supersede
from chaincred.services.tracking import (
    CREDENTIAL_STATES,
    credential_page,
    credential_report,
    fee_share,
    gas_share,
)
from chaincred.web.console_achievements import FormFields
from chaincred.web.console_forms import claims_raw, field_errors
from chaincred.web.console_jobs import MONEY, REFRESH
from chaincred.web.console_session import Console, ConsoleRoute, SameSite, SignedIn, status_of
from chaincred.web.labels import CLAIM_LABELS

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

#: Credentials per page of the list.
PAGE = 50

REASON_CHOICES = [(r, r.replace("_", " ").capitalize()) for r in REASONS]

_DONE = {
    "issued": "The credential is accepted and queued for the chain.",
    "replayed": "This form had been sent already: the credential it issued is shown (nothing "
    "was issued twice).",
    "revoke": "Revocation queued: it takes effect when the pipeline has confirmed it.",
    "suspend": "Suspension queued: it takes effect when the pipeline has confirmed it.",
    "reinstate": "Reinstatement queued: it takes effect when the pipeline has confirmed it.",
    "supersede": "The corrected credential is queued; the one it replaces turns superseded "
    "when it is confirmed.",
}


def _titles(console: Console, institution_id: int) -> dict[str, str]:
    entries = list_achievements(institution_id, archived=True, repo=console.context.repo)
    return {e.id: str(e.data.get("title", e.id)) for e in entries}


@router.get("/console/credentials", response_class=HTMLResponse)
def credentials(
    console: SignedIn,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    state: str = "",
) -> HTMLResponse:
    institution_id = console.acting_for("read")
    chosen = next((s for s in CREDENTIAL_STATES if s == state), None)
    if state and chosen is None:
        raise InvalidCredential.at(("state",), f"must be one of {', '.join(CREDENTIAL_STATES)}")
    found = credential_page(
        institution_id, offset=offset, limit=PAGE, state=chosen, repo=console.context.repo
    )
    context: dict[str, Any] = {
        "title": "Credentials",
        "area": "credentials",
        "found": found,
        "state": chosen or "",
        "states": CREDENTIAL_STATES,
        "titles": _titles(console, institution_id),
        "previous": max(offset - PAGE, 0) if offset > 0 else None,
    }
    return console.page("console/credentials.html", context)


@router.get("/console/credentials/{credential_id}", response_class=HTMLResponse)
def credential(console: SignedIn, credential_id: str, done: str | None = None) -> HTMLResponse:
    return _credential(console, credential_id, notice=_DONE.get(done or ""))


@router.post("/console/credentials/{credential_id}/claim-link", dependencies=[SameSite])
def claim_link(console: SignedIn, credential_id: str) -> HTMLResponse:
    institution_id = console.acting_for("issue")
    secret = create_claim_secret(institution_id, credential_id, repo=console.context.repo)
    url = f"{console.context.settings.public_url.rstrip('/')}/v1/claim/{secret}"
    return _credential(console, credential_id, claim_url=url, status_code=201)


@router.post("/console/credentials/{credential_id}/revoke", dependencies=[SameSite])
def revoke(console: SignedIn, credential_id: str, fields: FormFields) -> Response:
    return _change(console, credential_id, "revoke", fields.get("reason", ""))


@router.post("/console/credentials/{credential_id}/suspend", dependencies=[SameSite])
def suspend(console: SignedIn, credential_id: str, fields: FormFields) -> Response:
    return _change(console, credential_id, "suspend", fields.get("reason", ""))


@router.post("/console/credentials/{credential_id}/reinstate", dependencies=[SameSite])
def reinstate(console: SignedIn, credential_id: str) -> Response:
    return _change(console, credential_id, "reinstate", None)


def _change(
    console: Console, credential_id: str, operation: StatusChange, reason: str | None
) -> Response:
    institution_id = console.acting_for("revoke")
    try:
        change_status(
            institution_id,
            credential_id,
            operation,
            reason,
            repo=console.context.repo,
            clock=console.context.clock,
        )
    except NotFound:
        raise
    except ChainCredError as exc:
        return _refused(console, credential_id, operation, exc)
    return RedirectResponse(
        f"/console/credentials/{credential_id}?done={operation}", status_code=303
    )


@router.post("/console/credentials/{credential_id}/supersede", dependencies=[SameSite])
def supersede_credential(console: SignedIn, credential_id: str, fields: FormFields) -> Response:
    institution_id = console.acting_for("issue", "revoke")
    context = console.context
    raw: dict[str, object] = {"claims": claims_raw(fields)}
    if fields.get("recipient", "").strip():
        raw["recipient"] = fields["recipient"].strip()
    try:
        queued = supersede(
            institution_id,
            credential_id,
            validate_model(Correction, raw),
            repo=context.repo,
            store=context.store,
            clock=context.clock,
            chain=context.chain(),
        )
    except NotFound:
        raise
    except ChainCredError as exc:
        return _refused(console, credential_id, "supersede", exc, fields)
    assert queued.successor is not None
    return RedirectResponse(
        f"/console/credentials/{queued.successor.id}?done=supersede", status_code=303
    )


def _refused(
    console: Console,
    credential_id: str,
    operation: str,
    exc: ChainCredError,
    fields: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The credential page again, saying why ``operation`` was refused."""
    labels = {"recipient": "Recipient", "reason": "Reason", **CLAIM_LABELS}
    errors = field_errors(exc, labels) if isinstance(exc, InvalidCredential) else {"": [str(exc)]}
    return _credential(
        console,
        credential_id,
        refused={"operation": operation, "errors": errors, "values": fields or {}},
        status_code=status_of(exc),
    )


def _credential(
    console: Console,
    credential_id: str,
    *,
    notice: str | None = None,
    claim_url: str | None = None,
    refused: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    institution_id = console.acting_for("read")
    report = credential_report(institution_id, credential_id, repo=console.context.repo)
    c = report.credential
    pending = [op for op in report.operations if op.state in PENDING_STATES]
    claims = _claims(c.document)
    supersede_values = {"recipient": c.recipient, **claims}
    if refused and refused["operation"] == "supersede":
        supersede_values = dict(refused["values"])
    context: dict[str, Any] = {
        "title": "Credential",
        "area": "credentials",
        "report": report,
        "c": c,
        "token_uri": token_uri_of(digest_from_token_id(int(c.token_id, 16))),
        "issuance": report.issuance,
        "achievement_title": _titles(console, institution_id).get(c.achievement_id or ""),
        "claims": claims,
        "claim_labels": CLAIM_LABELS,
        "claim_names": CLAIM_NAMES,
        "reasons": REASON_CHOICES,
        "notice": notice,
        "claim_url": claim_url,
        "refused": refused,
        "supersede_values": supersede_values,
        "pending": pending,
        # A page with a form being filled in is not reloaded under the user's hands.
        "refresh": REFRESH * 2 if pending and refused is None and claim_url is None else None,
        "gas_share": gas_share,
        "fee_share": fee_share,
        **MONEY,
    }
    return console.page("console/credential.html", context, status_code=status_code)


def _claims(document: Mapping[str, Any] | None) -> dict[str, str]:
    """The personal claims' values of a stored document (nothing once erased)."""
    claims = (document or {}).get("claims")
    if not isinstance(claims, Mapping):
        return {}
    return {
        name: str(c["value"])
        for name, c in claims.items()
        if isinstance(c, Mapping) and "value" in c
    }
