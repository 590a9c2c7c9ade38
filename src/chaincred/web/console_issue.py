"""``/console/issue`` (one credential) and ``/console/roster`` (a cohort from a CSV roster).

Each form carries an Idempotency-Key made when the form is rendered, so a form sent twice (a
double click, a reload of the answer) issues once: the service answers the second time with
the first answer.

A roster is first previewed: read by the same code as ``POST /v1/credentials/batch``
(:mod:`chaincred.services.roster`) and judged by the same rules
(:func:`~chaincred.services.issuance.check_batch`), nothing stored or queued. The preview
page carries the lines it found valid, as CSV text in a hidden field, to the confirmation:
so the browser need not upload the file again (a file input cannot be refilled), no draft is
kept on the server, and what is issued is exactly what was shown valid. The confirmation is
an ordinary batch request, judged again in full: nothing sent by a browser is trusted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chaincred.domain import InvalidCredential, Problem
from chaincred.domain.errors import render_path
from chaincred.errors import InputTooLarge
from chaincred.ports.issuer import AchievementEntry
from chaincred.services.achievements import list_achievements
from chaincred.services.errors import IdempotencyKeyRequired, IdempotencyKeyReused
from chaincred.services.issuance import BATCH_LIMIT, check_batch, issue_batch, issue_one
from chaincred.services.roster import Roster, read_roster, roster_csv, roster_rows
from chaincred.web.console_achievements import FormFields
from chaincred.web.console_forms import (
    CHOICES,
    ISSUE_LABELS,
    FieldErrors,
    field_errors,
    issue_raw,
)
from chaincred.web.console_session import Console, ConsoleRoute, SameSite, SignedIn
from chaincred.web.labels import CLAIM_LABELS

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

#: A roster of BATCH_LIMIT lines is well under this; a larger upload is not a roster.
MAX_ROSTER_BYTES = 8 * 1024 * 1024


def _new_key() -> str:
    return f"console-{secrets.token_urlsafe(24)}"


def _achievements(console: Console, institution_id: int) -> list[AchievementEntry]:
    return list_achievements(institution_id, archived=False, repo=console.context.repo)


# ---- one credential


@router.get("/console/issue", response_class=HTMLResponse)
def issue_form(console: SignedIn, achievement_id: str = "") -> HTMLResponse:
    console.acting_for("issue")
    values = {"achievement_id": achievement_id, "burn_auth": "owner_only"}
    return _issue_form(console, values, {}, _new_key())


@router.post("/console/issue", dependencies=[SameSite])
def issue(console: SignedIn, fields: FormFields) -> Response:
    institution_id = console.acting_for("issue")
    key = fields.get("idempotency_key", "")
    context = console.context
    try:
        answer = issue_one(
            issue_raw(fields),
            institution_id=institution_id,
            idempotency_key=key,
            repo=context.repo,
            store=context.store,
            clock=context.clock,
            chain=context.chain(),
        )
    except InvalidCredential as exc:
        return _issue_form(console, fields, field_errors(exc, ISSUE_LABELS), key, 422)
    except IdempotencyKeyReused:
        message = (
            "This form was already used to issue a credential, with other values. Nothing "
            "more was issued. Check the credentials list; to issue another, send this form again."
        )
        return _issue_form(console, fields, {"": [message]}, _new_key(), 409)
    except IdempotencyKeyRequired as exc:
        return _issue_form(console, fields, {"": [f"{exc}; send the form again."]}, _new_key(), 400)
    credential_id = answer.body["id"]
    done = "replayed" if answer.replayed else "issued"
    return RedirectResponse(f"/console/credentials/{credential_id}?done={done}", status_code=303)


def _issue_form(
    console: Console,
    values: dict[str, str],
    errors: FieldErrors,
    key: str,
    status_code: int = 200,
) -> HTMLResponse:
    institution_id = console.acting_for("issue")
    context: dict[str, Any] = {
        "title": "Issue a credential",
        "area": "issue",
        "achievements": _choices(_achievements(console, institution_id)),
        "values": values,
        "errors": errors,
        "key": key,
        "labels": ISSUE_LABELS,
        "claims": CLAIM_LABELS,
        "choices": CHOICES,
    }
    return console.page("console/issue.html", context, status_code=status_code)


def _choices(entries: list[AchievementEntry]) -> list[tuple[str, str]]:
    return [(e.id, str(e.data.get("title", e.id))) for e in entries]


# ---- a cohort


@router.get("/console/roster", response_class=HTMLResponse)
def roster_form(console: SignedIn, achievement_id: str = "") -> HTMLResponse:
    console.acting_for("issue")
    return _roster_form(console, achievement_id, [])


@router.post("/console/roster/preview", dependencies=[SameSite])
async def preview(request: Request, console: SignedIn) -> Response:
    institution_id = console.acting_for("issue")
    form = await request.form()
    upload, achievement_id = form.get("roster"), str(form.get("achievement_id") or "")
    if not achievement_id:
        return _roster_form(console, "", ["Choose the achievement to issue."], 422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _roster_form(console, achievement_id, ["Choose the CSV roster file."], 422)
    data = await upload.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        limit = f"{MAX_ROSTER_BYTES // (1024 * 1024)} MB"
        return _roster_form(console, achievement_id, [f"The file is larger than {limit}."], 413)
    return await run_in_threadpool(_preview, console, institution_id, data, achievement_id)


async def _roster_fields(request: Request) -> dict[str, str]:
    # The roster travels in a hidden field: allow more than the default 1 MB per field.
    form = await request.form(max_part_size=MAX_ROSTER_BYTES * 3)
    return {name: value for name, value in form.items() if isinstance(value, str)}


@router.post("/console/roster/confirm", dependencies=[SameSite])
def confirm(
    console: SignedIn, fields: Annotated[dict[str, str], Depends(_roster_fields)]
) -> Response:
    institution_id = console.acting_for("issue")
    text, achievement_id = fields.get("roster_text", ""), fields.get("achievement_id", "")
    key = fields.get("idempotency_key", "")
    context = console.context
    try:
        answer = issue_batch(
            roster_rows(text.encode("utf-8"), achievement_id),
            institution_id=institution_id,
            idempotency_key=key,
            repo=context.repo,
            store=context.store,
            clock=context.clock,
            chain=context.chain(),
        )
    except InvalidCredential:
        # Something changed since the preview (an achievement archived…): preview again.
        return _preview(console, institution_id, text.encode("utf-8"), achievement_id, 422)
    return RedirectResponse(f"/console/jobs/{answer.body['job_id']}", status_code=303)


@dataclass
class _Line:
    index: int
    number: int
    cells: tuple[str, ...]
    problems: list[str] = field(default_factory=list)


def _preview(
    console: Console, institution_id: int, data: bytes, achievement_id: str, status: int = 200
) -> HTMLResponse:
    try:
        roster = read_roster(data, achievement_id)
        rows = [line.row for line in roster.lines]
        if not rows:
            raise InvalidCredential.at((), "the roster has no lines after its header")
        if len(rows) > BATCH_LIMIT:
            raise InputTooLarge(len(rows), BATCH_LIMIT)
        context = console.context
        problems = check_batch(
            rows,
            institution_id=institution_id,
            repo=context.repo,
            clock=context.clock,
            chain=context.chain(),
        )
    except (InvalidCredential, InputTooLarge) as exc:
        messages = [str(p) for p in exc.problems] if isinstance(exc, InvalidCredential) else []
        return _roster_form(console, achievement_id, messages or [str(exc)], 422)
    lines, general = _judged(roster, problems)
    valid = [line for line in lines if not line.problems]
    names = dict(_choices(_achievements(console, institution_id)))
    page_context: dict[str, Any] = {
        "title": "Check the roster",
        "area": "roster",
        "header": roster.header,
        "lines": lines,
        "valid": len(valid),
        "general": general,
        "achievement_id": achievement_id,
        "achievement_title": names.get(achievement_id, achievement_id),
        "roster_text": roster_csv(roster.header, [line.cells for line in valid]),
        "key": _new_key(),
    }
    return console.page("console/roster_preview.html", page_context, status_code=status)


def _judged(roster: Roster, problems: list[Problem]) -> tuple[list[_Line], list[str]]:
    """Each line with its problems; problems of no line apart."""
    lines = [_Line(i + 1, line.number, line.cells) for i, line in enumerate(roster.lines)]
    by_number = {line.number: line for line in lines}
    general: list[str] = []
    for problem in problems:
        path = problem.path
        number = path[1] if len(path) > 1 and path[0] == "line" else None
        target = by_number.get(number) if isinstance(number, int) else None
        if target is None:
            general.append(str(problem))
            continue
        column = [p for p in path[2:] if p != "claims"]
        where = f"{render_path(column)}: " if column else ""
        target.problems.append(f"{where}{problem.message}")
    return lines, general


def _roster_form(
    console: Console, achievement_id: str, errors: list[str], status_code: int = 200
) -> HTMLResponse:
    institution_id = console.acting_for("issue")
    context: dict[str, Any] = {
        "title": "Issue a cohort",
        "area": "roster",
        "achievements": _choices(_achievements(console, institution_id)),
        "achievement_id": achievement_id,
        "errors": errors,
        "limit": BATCH_LIMIT,
        "claims": CLAIM_LABELS,
    }
    return console.page("console/roster.html", context, status_code=status_code)
