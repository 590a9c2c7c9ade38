"""The console's frame: who is signed in, forms that come from this site, and errors as pages.

Signing in checks an institution's API key with the API's own code
(:func:`chaincred.services.keys.authenticate`) and keeps the key in an HttpOnly,
SameSite=Strict cookie scoped to ``/console`` (Secure over https). Every request checks it
again, so a key revoked by the administrator signs its sessions out at once, and no session
store is needed. Forms post only from this site: a POST whose ``Origin`` (or, without one,
``Referer``) names another site is refused (403); console pages send
``Referrer-Policy: same-origin`` because under ``no-referrer`` browsers send ``Origin: null``
even for a same-site form.

Console routes use :class:`ConsoleRoute`: a chaincred error becomes a page saying what went
wrong with the status the JSON API would answer (one table: ``chaincred.api.problems``), and
a request that is not signed in is sent to the sign-in form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from chaincred.api.deps import IssuerContext, issuer
from chaincred.api.problems import CONTRACT_STATUS, STATUS_OF
from chaincred.domain import InvalidCredential
from chaincred.errors import ChainCredError, ContractReverted
from chaincred.services.errors import Forbidden, Unauthenticated
from chaincred.services.institutions import get_institution
from chaincred.services.keys import Caller, authenticate
from chaincred.web.templating import render

__all__ = [
    "COOKIE",
    "Console",
    "ConsoleRoute",
    "SameSite",
    "SignedIn",
    "error_page",
    "page",
    "safe_next",
    "sign_in",
    "status_of",
]

_log = logging.getLogger("chaincred.web")

COOKIE = "chaincred_console"
LOGIN = "/console"


class LoginRequired(Exception):
    """No valid session: the request goes to the sign-in form (and comes back after)."""

    def __init__(self, back_to: str | None) -> None:
        super().__init__("sign in first")
        self.back_to = back_to


@dataclass(frozen=True)
class Console:
    """A signed-in request: the institution, its key's scopes, the issuer's adapters."""

    request: Request
    context: IssuerContext
    caller: Caller
    institution_id: int
    institution_name: str

    def acting_for(self, *scopes: str) -> int:
        """The institution, if the key has every scope (:class:`MissingScope`: a 403 page)."""
        return self.caller.acting_for(*scopes)

    def page(self, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
        return page(self.request, name, {"console": self, **context}, status_code=status_code)


def sign_in(key: str, context: IssuerContext) -> Caller:
    """The institution caller a key stands for (the API's Bearer check; the administrator
    key is refused: it acts for no institution)."""
    admin_key = context.settings.admin_key
    caller = authenticate(
        key.strip(),
        repo=context.repo,
        admin_key=admin_key.get_secret_value() if admin_key is not None else None,
    )
    caller.acting_for()
    return caller


def _signed_in(request: Request, context: Annotated[IssuerContext, Depends(issuer)]) -> Console:
    key = request.cookies.get(COOKIE)
    back_to = request.url.path if request.method == "GET" else None
    if not key:
        raise LoginRequired(back_to)
    try:
        caller = sign_in(key, context)
    except (Unauthenticated, Forbidden):
        raise LoginRequired(back_to) from None
    assert caller.institution_id is not None  # sign_in refuses the administrator
    entry = get_institution(caller.institution_id, repo=context.repo)
    return Console(request, context, caller, caller.institution_id, entry.name)


SignedIn = Annotated[Console, Depends(_signed_in)]
"""A console route's signed-in request."""


def _same_site(request: Request) -> None:
    """Refuse a form posted from another site (CSRF); a request naming no origin passes
    (the SameSite=Strict cookie is not sent cross-site anyway)."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower().rstrip("/") not in _site_origins(request):
        raise Forbidden(
            f"this form was sent from {origin}, not from this site: nothing was done. "
            "Open the console at this site's address and send the form from there."
        )


def _site_origins(request: Request) -> set[str]:
    own = f"{request.url.scheme}://{request.url.netloc}".lower()
    context: IssuerContext = request.app.state.issuer
    public = urlsplit(context.settings.public_url)
    return {own, f"{public.scheme}://{public.netloc}".lower()}


SameSite = Depends(_same_site)
"""Declared by every console POST (``dependencies=[SameSite]``)."""


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a console page of this site (never an open redirect)."""
    if not target or not target.startswith("/console/") or "//" in target or "\\" in target:
        return None
    return target if urlsplit(target).netloc == "" else None


def page(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A console page: not cached (it shows personal claims), referrer kept on this site."""
    response = render(request, name, {"section": "console", **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def status_of(exc: ChainCredError) -> int:
    """The status the JSON API answers ``exc`` with."""
    for kind, status, _ in STATUS_OF:
        if isinstance(exc, kind):
            if isinstance(exc, ContractReverted):
                return CONTRACT_STATUS.get(exc.error, status)
            return status
    return 500


def error_page(
    request: Request, status: int, message: str, *, problems: list[str] | None = None
) -> HTMLResponse:
    response = page(
        request,
        "console/error.html",
        {
            "title": "Something went wrong",
            "status": status,
            "message": message,
            "problems": problems or [],
        },
        status_code=status,
    )
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _chaincred_error(request: Request, exc: ChainCredError) -> HTMLResponse:
    problems = [str(p) for p in exc.problems] if isinstance(exc, InvalidCredential) else None
    message = "The input is not valid." if problems and len(problems) > 1 else str(exc)
    status = status_of(exc)
    if status == 500:
        _log.error("unmapped error on %s %s: %r", request.method, request.url.path, exc)
        message = "An unexpected error; it has been logged."
    return error_page(request, status, message, problems=problems)


class ConsoleRoute(APIRoute):
    """A console route: errors become pages, and a request not signed in goes to sign in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                target = LOGIN
                if exc.back_to and safe_next(exc.back_to):
                    target += "?next=" + quote(exc.back_to, safe="/")
                response = RedirectResponse(target, status_code=303)
                response.delete_cookie(COOKIE, path="/console")
                return response
            except ChainCredError as exc:
                return _chaincred_error(request, exc)
            except RequestValidationError as exc:
                problems = [
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                ]
                return error_page(request, 422, "The address is not valid.", problems=problems)
            except HTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))

        return console_handler
