"""One table from chaincred's errors to HTTP statuses, answered as RFC 9457 problem+json.

Only this module decides statuses; services raise chaincred errors and nothing returns error
dicts. No input should reach the last-resort 500 handler.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chaincred.domain.errors import DomainError, InvalidCredential, MalformedJson
from chaincred.errors import (
    ChainCredError,
    ChainUnavailable,
    ConfigurationError,
    ContentNotFound,
    ContractReverted,
    GasCapExceeded,
    InputTooLarge,
    PinningError,
)
from chaincred.ports.issuer import StorageConflict, StorageUnavailable
from chaincred.services.errors import (
    AchievementInUse,
    AlreadyExists,
    ClaimLinkUsed,
    DocumentErased,
    Forbidden,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidIdentifier,
    InvalidTransition,
    MissingScope,
    NotAcceptable,
    NotFound,
    OperationPending,
    Unauthenticated,
    UnsupportedMediaType,
)

__all__ = ["STATUS_OF", "install_problem_handlers", "problem"]

_log = logging.getLogger(__name__)

#: The first matching class (in order) decides the status.
STATUS_OF: tuple[tuple[type[ChainCredError], int, str], ...] = (
    (MalformedJson, 400, "malformed-json"),
    (InvalidCredential, 422, "invalid-input"),
    (DomainError, 422, "invalid-input"),
    (InputTooLarge, 413, "too-many-items"),
    (ChainUnavailable, 503, "chain-unavailable"),
    (GasCapExceeded, 422, "gas-cap-exceeded"),
    (ContractReverted, 409, "contract-reverted"),
    (ConfigurationError, 503, "not-configured"),
    # the issuer service
    (Unauthenticated, 401, "unauthenticated"),
    (MissingScope, 403, "missing-scope"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not-found"),
    (ContentNotFound, 404, "not-found"),
    (InvalidIdentifier, 400, "invalid-identifier"),
    (IdempotencyKeyRequired, 400, "idempotency-key-required"),
    (NotAcceptable, 406, "not-acceptable"),
    (IdempotencyKeyReused, 409, "idempotency-key-reused"),
    (AlreadyExists, 409, "already-exists"),
    (AchievementInUse, 409, "achievement-in-use"),
    (InvalidTransition, 409, "invalid-transition"),
    (OperationPending, 409, "operation-pending"),
    (StorageConflict, 409, "conflict"),
    (ClaimLinkUsed, 410, "claim-link-used"),
    (DocumentErased, 410, "document-erased"),
    (UnsupportedMediaType, 415, "unsupported-media-type"),
    (PinningError, 503, "pinning-unavailable"),
    (StorageUnavailable, 503, "database-unavailable"),
)

#: Contract custom errors with a status of their own (the rest of ContractReverted is 409).
CONTRACT_STATUS = {
    "ChainCredNotAnIssuer": 403,
    "ChainCredNotTokenIssuer": 403,
    "ChainCredInstitutionInactive": 403,
    "ChainCredBurnNotAllowed": 403,
    "ERC721NonexistentToken": 404,
    "ChainCredZeroDigest": 422,
    "ChainCredBadBatch": 422,
    "ChainCredInvalidReason": 422,
}

PROBLEM_JSON = "application/problem+json"


def problem(status: int, slug: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:chaincred:problem:{slug}",
        "title": slug.replace("-", " "),
        "status": status,
    }
    body |= {"detail": detail, **extra}
    headers = {"Retry-After": "5"} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="chaincred"'}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _for_chaincred(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChainCredError)
    for kind, status, slug in STATUS_OF:
        if isinstance(exc, kind):
            extra: dict[str, Any] = {}
            if isinstance(exc, InvalidCredential):
                extra["errors"] = [{"path": p.location, "message": p.message} for p in exc.problems]
            if isinstance(exc, ContractReverted):
                status = CONTRACT_STATUS.get(exc.error, status)
                extra["error"] = exc.error
            return problem(status, slug, str(exc), **extra)
    return problem(500, "internal-error", "an unexpected chaincred error", error=type(exc).__name__)


def _for_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    return problem(
        422, "invalid-input", "the request does not have the expected shape", errors=errors
    )


def _for_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, slug, str(exc.detail))


def _last_resort(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal-error", "an unexpected error; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ChainCredError, _for_chaincred)
    app.add_exception_handler(RequestValidationError, _for_validation)
    app.add_exception_handler(StarletteHTTPException, _for_http)
    app.add_exception_handler(Exception, _last_resort)
