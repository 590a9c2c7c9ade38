"""``/console/achievements``: define achievements, edit them until first used, archive them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chaincred.domain import InvalidCredential
from chaincred.ports.issuer import AchievementEntry
from chaincred.services.achievements import (
    archive_achievement,
    create_achievement,
    edit_achievement,
    get_achievement,
    list_achievements,
)
from chaincred.services.errors import AchievementInUse
from chaincred.web.console_forms import (
    ACHIEVEMENT_LABELS,
    CHOICES,
    FieldErrors,
    achievement_form,
    achievement_raw,
    field_errors,
)
from chaincred.web.console_session import Console, ConsoleRoute, SameSite, SignedIn

__all__ = ["FormFields", "form_fields", "router"]

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's text fields (files are read by the routes that take them)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]

_DONE = {
    "created": "The achievement is defined: you can issue credentials from it now.",
    "edited": "Your changes are saved.",
    "archived": "The achievement is archived: no more credentials are issued from it.",
}


@router.get("/console/achievements", response_class=HTMLResponse)
def achievements(console: SignedIn) -> HTMLResponse:
    institution_id = console.acting_for("read")
    entries = list_achievements(institution_id, archived=True, repo=console.context.repo)
    return console.page(
        "console/achievements.html",
        {
            "title": "Achievements",
            "area": "achievements",
            "active": [e for e in entries if not e.archived],
            "archived": [e for e in entries if e.archived],
        },
    )


@router.get("/console/achievements/new", response_class=HTMLResponse)
def new_achievement(console: SignedIn, copy: str | None = None) -> HTMLResponse:
    institution_id = console.acting_for("issue")
    values: dict[str, str] = {"achievement_type": "micro-credential"}
    if copy:
        original = get_achievement(institution_id, copy, repo=console.context.repo)
        values = achievement_form(original.data)
    return _form(console, None, values, {})


@router.post("/console/achievements", dependencies=[SameSite])
def create(console: SignedIn, fields: FormFields) -> Response:
    institution_id = console.acting_for("issue")
    try:
        entry = create_achievement(
            institution_id,
            achievement_raw(fields),
            repo=console.context.repo,
            clock=console.context.clock,
        )
    except InvalidCredential as exc:
        errors = field_errors(exc, ACHIEVEMENT_LABELS)
        return _form(console, None, fields, errors, status_code=422)
    return RedirectResponse(f"/console/achievements/{entry.id}?done=created", status_code=303)


@router.get("/console/achievements/{achievement_id}", response_class=HTMLResponse)
def achievement(console: SignedIn, achievement_id: str, done: str | None = None) -> HTMLResponse:
    institution_id = console.acting_for("read")
    entry = get_achievement(institution_id, achievement_id, repo=console.context.repo)
    return console.page(
        "console/achievement.html",
        {
            "title": str(entry.data.get("title", "Achievement")),
            "area": "achievements",
            "entry": entry,
            "a": entry.data,
            "done": _DONE.get(done or ""),
        },
    )


@router.get("/console/achievements/{achievement_id}/edit", response_class=HTMLResponse)
def edit_form(console: SignedIn, achievement_id: str) -> HTMLResponse:
    institution_id = console.acting_for("issue")
    entry = get_achievement(institution_id, achievement_id, repo=console.context.repo)
    values = achievement_form(entry.data)
    if entry.used:
        errors = {"": [str(AchievementInUse(entry.id))]}
        return _form(console, entry, values, errors, status_code=409)
    return _form(console, entry, values, {})


@router.post("/console/achievements/{achievement_id}/edit", dependencies=[SameSite])
def edit(console: SignedIn, achievement_id: str, fields: FormFields) -> Response:
    institution_id = console.acting_for("issue")
    repo = console.context.repo
    try:
        edit_achievement(institution_id, achievement_id, achievement_raw(fields), repo=repo)
    except InvalidCredential as exc:
        entry = get_achievement(institution_id, achievement_id, repo=repo)
        errors = field_errors(exc, ACHIEVEMENT_LABELS)
        return _form(console, entry, fields, errors, status_code=422)
    except AchievementInUse as exc:
        entry = get_achievement(institution_id, achievement_id, repo=repo)
        return _form(console, entry, fields, {"": [str(exc)]}, status_code=409)
    return RedirectResponse(f"/console/achievements/{achievement_id}?done=edited", status_code=303)


@router.post("/console/achievements/{achievement_id}/archive", dependencies=[SameSite])
def archive(console: SignedIn, achievement_id: str) -> Response:
    institution_id = console.acting_for("issue")
    archive_achievement(institution_id, achievement_id, repo=console.context.repo)
    return RedirectResponse(
        f"/console/achievements/{achievement_id}?done=archived", status_code=303
    )


def _form(
    console: Console,
    entry: AchievementEntry | None,
    values: dict[str, str],
    errors: FieldErrors,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "title": "Edit achievement" if entry else "New achievement",
        "area": "achievements",
        "entry": entry,
        "values": values,
        "errors": errors,
        "labels": ACHIEVEMENT_LABELS,
        "choices": CHOICES,
    }
    return console.page("console/achievement_form.html", context, status_code=status_code)
