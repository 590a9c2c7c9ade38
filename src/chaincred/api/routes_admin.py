"""Institutions and their API keys (administrator key), and the public registry view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chaincred.api.auth import Admin
from chaincred.api.bodies import documented, json_object
from chaincred.api.deps import IssuerContext, issuer
from chaincred.api.issuer_views import institution_json, key_json, registry_json
from chaincred.domain.validation import validate_model
from chaincred.services.institutions import create_institution, registry_view
from chaincred.services.keys import create_key, list_keys, revoke_key

__all__ = ["router"]

router = APIRouter(prefix="/v1/institutions", tags=["institutions"])
Context = Annotated[IssuerContext, Depends(issuer)]
Body = Annotated[dict[str, Any], Depends(json_object)]
InstitutionId = Annotated[int, Path(ge=1, le=2**24 - 1, description="the on-chain id")]


class NewInstitution(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: int = Field(description="the institution's id in the on-chain registry (uint24)")
    name: str
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code")


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    scopes: list[str] = Field(description='any of "issue", "revoke", "read"')


@router.post(
    "",
    status_code=201,
    summary="Register an institution with this service (administrator)",
    openapi_extra=documented(NewInstitution),
)
def post_institution(_: Admin, body: Body, context: Context) -> dict[str, Any]:
    given = validate_model(NewInstitution, body)
    entry = create_institution(
        given.id, given.name, given.country, repo=context.repo, clock=context.clock
    )
    return institution_json(entry)


@router.post(
    "/{institution_id}/keys",
    status_code=201,
    summary="Create an API key for an institution (administrator); the key is shown once",
    openapi_extra=documented(NewKey),
)
def post_key(
    _: Admin, institution_id: InstitutionId, body: Body, context: Context
) -> dict[str, Any]:
    scopes = validate_model(NewKey, body).scopes
    issued = create_key(institution_id, scopes, repo=context.repo, clock=context.clock)
    return key_json(issued.entry, issued.key)


@router.get("/{institution_id}/keys", summary="An institution's API keys (administrator)")
def get_keys(_: Admin, institution_id: InstitutionId, context: Context) -> list[dict[str, Any]]:
    return [key_json(k) for k in list_keys(institution_id, repo=context.repo)]


@router.delete(
    "/{institution_id}/keys/{key_id}",
    status_code=204,
    summary="Revoke an API key for good (administrator)",
)
def delete_key(_: Admin, institution_id: InstitutionId, key_id: str, context: Context) -> Response:
    revoke_key(institution_id, key_id, repo=context.repo, clock=context.clock)
    return Response(status_code=204)


@router.get("/{institution_id}", summary="An institution: this service's record and the chain's")
async def get_institution(institution_id: InstitutionId, context: Context) -> dict[str, Any]:
    view = await run_in_threadpool(
        registry_view, institution_id, repo=context.repo, chain=context.reader
    )
    return registry_json(view)
