"""Revoke, suspend, reinstate and supersede: each queues one operation (202)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from chaincred.api.auth import IssuerRevoker, Revoker
from chaincred.api.bodies import documented, json_object
from chaincred.api.deps import IssuerContext, issuer
from chaincred.api.issuer_views import operation_json
from chaincred.domain import digest_from_token_id, token_uri_of
from chaincred.domain.validation import validate_model
from chaincred.services.lifecycle import (
    REASONS,
    Correction,
    Queued,
    StatusChange,
    change_status,
    supersede,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/credentials", tags=["lifecycle"])
Context = Annotated[IssuerContext, Depends(issuer)]
Body = Annotated[dict[str, Any], Depends(json_object)]


class WithReason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(description=f"one of {', '.join(REASONS)}")


class Nothing(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _change(
    operation: StatusChange,
    institution_id: int,
    credential_id: str,
    body: Any,
    context: IssuerContext,
) -> dict[str, Any]:
    reason = validate_model(WithReason, body).reason if operation != "reinstate" else None
    if operation == "reinstate":
        validate_model(Nothing, body)
    queued = change_status(
        institution_id, credential_id, operation, reason, repo=context.repo, clock=context.clock
    )
    return _queued(queued)


@router.post(
    "/{credential_id}/revoke",
    status_code=202,
    summary="Revoke a credential for good (its record stays, with the reason)",
    openapi_extra=documented(WithReason),
)
def post_revoke(
    institution_id: Revoker, credential_id: str, body: Body, context: Context
) -> dict[str, Any]:
    return _change("revoke", institution_id, credential_id, body, context)


@router.post(
    "/{credential_id}/suspend",
    status_code=202,
    summary="Suspend a credential until it is reinstated or revoked",
    openapi_extra=documented(WithReason),
)
def post_suspend(
    institution_id: Revoker, credential_id: str, body: Body, context: Context
) -> dict[str, Any]:
    return _change("suspend", institution_id, credential_id, body, context)


@router.post(
    "/{credential_id}/reinstate", status_code=202, summary="Lift a credential's suspension"
)
def post_reinstate(
    institution_id: Revoker, credential_id: str, body: Body, context: Context
) -> dict[str, Any]:
    return _change("reinstate", institution_id, credential_id, body, context)


@router.post(
    "/{credential_id}/supersede",
    status_code=202,
    summary="Replace a credential by a corrected one (a new token naming the old digest)",
    openapi_extra=documented(Correction),
)
def post_supersede(
    institution_id: IssuerRevoker, credential_id: str, body: Body, context: Context
) -> dict[str, Any]:
    correction = validate_model(Correction, body)
    queued = supersede(
        institution_id,
        credential_id,
        correction,
        repo=context.repo,
        store=context.store,
        clock=context.clock,
        chain=context.chain(),
    )
    return _queued(queued)


def _queued(queued: Queued) -> dict[str, Any]:
    answer = {
        "credential_id": queued.credential.id,
        "operation": operation_json(queued.operation),
    }
    if queued.successor is not None:
        token_id = queued.successor.token_id
        answer["successor"] = {
            "id": queued.successor.id,
            "token_id": token_id,
            "token_uri": token_uri_of(digest_from_token_id(int(token_id, 16))),
            "state": queued.successor.state,
        }
    return answer
