"""``/console``: an institution's console, signed in with one of its API keys.

Achievements (``console_achievements``), issuing one credential or a cohort from a CSV roster
(``console_issue``), credentials and their lifecycle (``console_credentials``), batch jobs with
their cost (``console_jobs``). Every page calls the services the JSON API calls; the frame
(session cookie, CSRF check, errors as pages) is ``console_session``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chaincred.api.deps import IssuerContext, issuer
from chaincred.services.errors import Forbidden, Unauthenticated
from chaincred.web import console_achievements, console_credentials, console_issue, console_jobs
from chaincred.web.console_session import (
    COOKIE,
    ConsoleRoute,
    SameSite,
    error_page,
    page,
    safe_next,
    sign_in,
)

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

_HOME = "/console/achievements"


@router.get("/console", response_class=HTMLResponse)
def login_form(
    request: Request,
    context: Annotated[IssuerContext, Depends(issuer)],
    next: str | None = None,
    signed_out: bool = False,
) -> Response:
    key = request.cookies.get(COOKIE)
    if key:
        try:
            sign_in(key, context)
        except (Unauthenticated, Forbidden):
            pass
        else:
            return RedirectResponse(safe_next(next) or _HOME, status_code=303)
    return _login(request, next=safe_next(next), signed_out=signed_out)


@router.post("/console/login", dependencies=[SameSite])
def login(
    request: Request,
    context: Annotated[IssuerContext, Depends(issuer)],
    key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not key.strip():
        return _login(request, next=safe_next(next), error=_NO_KEY, status_code=401)
    try:
        sign_in(key, context)
    except Unauthenticated:
        return _login(request, next=safe_next(next), error=_BAD_KEY, status_code=401)
    except Forbidden as exc:
        return _login(request, next=safe_next(next), error=f"{exc}.", status_code=403)
    response = RedirectResponse(safe_next(next) or _HOME, status_code=303)
    response.set_cookie(
        COOKIE,
        key.strip(),
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or context.settings.public_url.startswith("https:"),
    )
    return response


@router.post("/console/logout", dependencies=[SameSite])
def logout() -> Response:
    response = RedirectResponse("/console?signed_out=true", status_code=303)
    response.delete_cookie(COOKIE, path="/console", httponly=True, samesite="strict")
    return response


_NO_KEY = "Enter your institution's API key: it starts with cc_."
_BAD_KEY = (
    "This API key is not valid: it is unknown, mistyped or revoked. Check it, or ask your "
    "administrator for a new one."
)


def _login(
    request: Request,
    *,
    next: str | None,
    error: str | None = None,
    signed_out: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "title": "Sign in",
        "next": next,
        "error": error,
        "signed_out": signed_out,
    }
    return page(request, "console/login.html", context, status_code=status_code)


for _part in (console_achievements, console_issue, console_credentials, console_jobs):
    router.include_router(_part.router)


@router.api_route("/console/{rest:path}", methods=["GET", "POST"])
def unknown(request: Request, rest: str) -> HTMLResponse:
    return error_page(request, 404, f"There is no console page /console/{rest}.")
