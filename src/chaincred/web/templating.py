"""Templates and static assets shared by the pages.

Jinja2 autoescapes every value (the pages show documents written by others: a learner's name,
an institution's description), so a template never marks input ``|safe``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "render", "templates"]

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """``name`` rendered with ``context``; ``title`` names the page in the browser tab.

    Every page answers with a Content-Security-Policy that allows only this app's own
    scripts, styles and images (and ``data:`` images for the QR codes), so a value that
    escaped autoescaping still could not run.
    """
    response = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
