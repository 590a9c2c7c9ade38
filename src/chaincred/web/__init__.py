"""The web pages: server-rendered HTML for the three users of chaincred.

``/verify`` (anyone checking a credential), ``/learner`` (a wallet's holder) and ``/console``
(an institution, logged in with its API key). Each page module owns its router and its
templates under ``templates/<page>/``; they share ``templates/base.html`` and the vendored
assets under ``static/`` (no CDN: everything is served by this app). The pages call the same
services as the JSON API; a page never re-implements a rule.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chaincred.web.templating import STATIC_DIR

__all__ = ["install_pages"]


def install_pages(app: FastAPI) -> None:
    """Mount the static assets and every page's router on ``app``."""
    # Imported here: the pages import chaincred.api (its dependencies), whose package
    # imports the app factory, which imports this module.
    from chaincred.web import pages

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in pages.ROUTERS:
        app.include_router(router)
