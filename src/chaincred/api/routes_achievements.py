"""Achievements: the templates of an institution's credentials."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from chaincred.api.auth import Issuer, Reader
from chaincred.api.bodies import documented, json_object
from chaincred.api.deps import IssuerContext, issuer
from chaincred.api.issuer_views import achievement_json
from chaincred.services.achievements import (
    archive_achievement,
    create_achievement,
    edit_achievement,
    get_achievement,
    list_achievements,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/achievements", tags=["achievements"])
Context = Annotated[IssuerContext, Depends(issuer)]
Body = Annotated[dict[str, Any], Depends(json_object)]

_ACHIEVEMENT_BODY = documented(
    {
        "type": "object",
        "description": (
            "An achievement as chaincred.domain.Achievement defines it: achievement_type, "
            "title, description, learning_outcomes, ects, eqf_level, workload_hours, "
            "delivery_mode, languages, assessment, identity_verification, quality_assurance, "
            "… (unknown fields are refused)"
        ),
    }
)


@router.post("", status_code=201, summary="Define an achievement", openapi_extra=_ACHIEVEMENT_BODY)
def post_achievement(institution_id: Issuer, body: Body, context: Context) -> dict[str, Any]:
    entry = create_achievement(institution_id, body, repo=context.repo, clock=context.clock)
    return achievement_json(entry)


@router.get("", summary="The institution's achievements")
def get_achievements(
    institution_id: Reader, context: Context, archived: bool = False
) -> list[dict[str, Any]]:
    """``?archived=true`` includes the archived ones."""
    entries = list_achievements(institution_id, archived=archived, repo=context.repo)
    return [achievement_json(e) for e in entries]


@router.get("/{achievement_id}", summary="One achievement")
def get_one(institution_id: Reader, achievement_id: str, context: Context) -> dict[str, Any]:
    return achievement_json(get_achievement(institution_id, achievement_id, repo=context.repo))


@router.put(
    "/{achievement_id}",
    summary="Replace an achievement's definition (only before its first credential: 409 after)",
    openapi_extra=_ACHIEVEMENT_BODY,
)
def put_achievement(
    institution_id: Issuer, achievement_id: str, body: Body, context: Context
) -> dict[str, Any]:
    entry = edit_achievement(institution_id, achievement_id, body, repo=context.repo)
    return achievement_json(entry)


@router.post("/{achievement_id}/archive", summary="Stop issuing from an achievement")
def post_archive(institution_id: Issuer, achievement_id: str, context: Context) -> dict[str, Any]:
    return achievement_json(archive_achievement(institution_id, achievement_id, repo=context.repo))
