"""Who is calling: ``Authorization: Bearer <key>``, an institution's API key or the
administrator key. Route signatures say what they need (``Reader``, ``Issuer``, ``Admin``…)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chaincred.api.deps import IssuerContext, issuer
from chaincred.services.keys import Caller, authenticate

__all__ = ["Admin", "Issuer", "IssuerRevoker", "Reader", "Revoker", "caller"]

_bearer = HTTPBearer(
    auto_error=False,
    description="An institution's API key (cc_…) or, for /v1/institutions, the administrator key",
)


def caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    context: Annotated[IssuerContext, Depends(issuer)],
) -> Caller:
    token = credentials.credentials if credentials is not None else None
    admin_key = context.settings.admin_key
    return authenticate(
        token,
        repo=context.repo,
        admin_key=admin_key.get_secret_value() if admin_key is not None else None,
    )


def _admin(who: Annotated[Caller, Depends(caller)]) -> None:
    who.require_admin()


def _reader(who: Annotated[Caller, Depends(caller)]) -> int:
    return who.acting_for("read")


def _issuer(who: Annotated[Caller, Depends(caller)]) -> int:
    return who.acting_for("issue")


def _revoker(who: Annotated[Caller, Depends(caller)]) -> int:
    return who.acting_for("revoke")


def _issuer_revoker(who: Annotated[Caller, Depends(caller)]) -> int:
    return who.acting_for("issue", "revoke")


Admin = Annotated[None, Depends(_admin)]
"""The administrator key."""
Reader = Annotated[int, Depends(_reader)]
"""The institution of a key with the ``read`` scope."""
Issuer = Annotated[int, Depends(_issuer)]
"""The institution of a key with the ``issue`` scope."""
Revoker = Annotated[int, Depends(_revoker)]
"""The institution of a key with the ``revoke`` scope."""
IssuerRevoker = Annotated[int, Depends(_issuer_revoker)]
"""The institution of a key with both scopes (supersede issues a credential and retires one)."""
