"""The app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chaincred import __version__
from chaincred.api import (
    routes_achievements,
    routes_admin,
    routes_credentials,
    routes_lifecycle,
    routes_public,
)
from chaincred.api.deps import build_issuer, build_verifier, database_nonces
from chaincred.api.problems import install_problem_handlers
from chaincred.api.routes_verify import router as verify_router
from chaincred.api.routes_verify import vcalm_router
from chaincred.settings import Settings
from chaincred.web import install_pages

__all__ = ["create_app"]


def create_app(settings: Settings) -> FastAPI:
    """A chaincred API for ``settings``; adapters are built when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.verifier = build_verifier(settings)
        try:
            app.state.issuer = build_issuer(settings, app.state.verifier.reader)
        except BaseException:
            app.state.verifier.close()
            raise
        # Possession challenges live in the database: every API process (replicas, or
        # `chaincred serve --workers N`) answers the challenges of the others, once.
        app.state.verifier.nonces = database_nonces(app.state.issuer)
        try:
            yield
        finally:
            app.state.issuer.close()
            app.state.verifier.close()

    app = FastAPI(
        title="chaincred",
        version=__version__,
        description="Micro-credentials as soulbound ERC-721 tokens: issue, hold, verify.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(verify_router)
    app.include_router(vcalm_router)
    for issuer_routes in (
        routes_admin,
        routes_achievements,
        routes_credentials,
        routes_lifecycle,
        routes_public,
    ):
        app.include_router(issuer_routes.router)
    install_pages(app)
    return app
