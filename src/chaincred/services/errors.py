"""Errors of the issuer services. Structured (the API maps each class to a status in
``chaincred.api.problems``); messages say what happened and what to do."""

from __future__ import annotations

from chaincred.errors import ChainCredError

__all__ = [
    "AchievementInUse",
    "AlreadyExists",
    "ClaimLinkUsed",
    "DocumentErased",
    "Forbidden",
    "Gone",
    "IdempotencyKeyRequired",
    "IdempotencyKeyReused",
    "InvalidIdentifier",
    "InvalidTransition",
    "IssuerError",
    "MissingScope",
    "NotAcceptable",
    "NotFound",
    "OperationPending",
    "Unauthenticated",
    "UnsupportedMediaType",
]


class IssuerError(ChainCredError):
    """Root of the issuer services' errors."""


class Unauthenticated(IssuerError):
    """No key, or a key that is unknown, malformed or revoked (never says which)."""

    def __init__(self, detail: str = "a valid API key is required (Authorization: Bearer …)"):
        super().__init__(detail)


class Forbidden(IssuerError, PermissionError):
    """A valid key that may not do this (an institution key on an admin call and vice versa)."""


class MissingScope(Forbidden):
    """The institution's key lacks a scope the call needs."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"this API key lacks the {scope!r} scope")
        self.scope = scope


class NotFound(IssuerError, LookupError):
    """No such thing, or it belongs to another institution (indistinguishable on purpose)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"no {kind} {ident}")
        self.kind = kind
        self.ident = ident


class AlreadyExists(IssuerError):
    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} exists already")
        self.kind = kind
        self.ident = ident


class InvalidIdentifier(IssuerError, ValueError):
    """A path parameter that cannot name anything (a token id that is not a uint256, a CID
    that is not a CIDv1)."""


class AchievementInUse(IssuerError):
    """Credentials were issued from the achievement: changing it would make them disagree."""

    def __init__(self, achievement_id: str) -> None:
        super().__init__(
            f"achievement {achievement_id} has been used to issue credentials and can no longer "
            "be edited; create a new achievement (and archive this one) instead"
        )
        self.achievement_id = achievement_id


class IdempotencyKeyRequired(IssuerError, ValueError):
    def __init__(self, detail: str = "this request needs an Idempotency-Key header") -> None:
        super().__init__(detail)


class IdempotencyKeyReused(IssuerError):
    """The key answered another request before: a client bug, never retried into a second
    issuance."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was used for a different request; use a new key for a "
            "new request"
        )
        self.key = key


class InvalidTransition(IssuerError):
    """The credential's status does not allow the operation (revoking a revoked one, …)."""

    def __init__(self, operation: str, status: str) -> None:
        super().__init__(f"cannot {operation} a credential that is {status}")
        self.operation = operation
        self.status = status


class OperationPending(IssuerError):
    """Another lifecycle operation on the credential is still queued or submitted."""

    def __init__(self, credential_id: str, kind: str, operation_id: int | None) -> None:
        super().__init__(
            f"credential {credential_id} has a {kind} operation ({operation_id}) still in "
            "progress; retry once it is confirmed or failed"
        )
        self.credential_id = credential_id
        self.kind = kind
        self.operation_id = operation_id


class Gone(IssuerError):
    """The thing existed and is no longer available."""


class ClaimLinkUsed(Gone):
    def __init__(self) -> None:
        super().__init__(
            "this claim link has been used; ask the institution for a new one if needed"
        )


class DocumentErased(Gone):
    def __init__(self, credential_id: str) -> None:
        super().__init__(f"the document of credential {credential_id} has been erased")
        self.credential_id = credential_id


class UnsupportedMediaType(IssuerError, ValueError):
    def __init__(self, given: str, accepted: tuple[str, ...]) -> None:
        super().__init__(f"content type {given!r} is not accepted here; use {', '.join(accepted)}")
        self.given = given
        self.accepted = accepted


class NotAcceptable(IssuerError):
    def __init__(self, given: str, offered: tuple[str, ...]) -> None:
        super().__init__(f"cannot answer {given!r}; this endpoint offers {', '.join(offered)}")
        self.given = given
        self.offered = offered
