"""The HTTP edge: a FastAPI app factory. Routes parse, call one service, shape the response."""

from chaincred.api.app import create_app

__all__ = ["create_app"]
