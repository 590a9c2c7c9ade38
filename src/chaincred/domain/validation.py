"""Turning pydantic's validation errors into :class:`InvalidCredential` with JSON paths.

Cross-field checks run inside the models (so that constructing a model directly enforces them
too) and name the field they concern with :func:`field_error`; the converter below moves that
name into the path, so every problem is addressed to one field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from chaincred.domain.errors import InvalidCredential, PathPart, Problem

__all__ = ["field_error", "problems_of", "validate_model"]

M = TypeVar("M", bound=BaseModel)

_CROSS_FIELD = "cross_field"

# pydantic's wording for the common cases, said the way a document author needs to hear it.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field (unknown fields are rejected, not ignored)",
    "model_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "tuple_type": "must be a JSON array",
    "list_type": "must be a JSON array",
    "string_type": "must be a string",
    "string_unicode": "contains a lone surrogate, which cannot be encoded as UTF-8",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
}


def field_error(field: str | Sequence[PathPart], message: str) -> PydanticCustomError:
    """An error for a model validator to raise about ``field`` (a name or a relative path)."""
    path = (field,) if isinstance(field, str) else tuple(field)
    return PydanticCustomError(_CROSS_FIELD, "{message}", {"message": message, "path": path})


def validate_model(model: type[M], raw: object, *, prefix: Sequence[PathPart] = ()) -> M:
    """``model.model_validate(raw)``, raising :class:`InvalidCredential` (every problem, each
    with its path under ``prefix``) instead of pydantic's error."""
    if not isinstance(raw, Mapping) and not isinstance(raw, BaseModel):
        raise InvalidCredential.at(prefix, "must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidCredential(problems_of(exc, prefix)) from None


def problems_of(exc: ValidationError, prefix: Sequence[PathPart] = ()) -> list[Problem]:
    return [_problem(error, tuple(prefix)) for error in exc.errors(include_url=False)]


def _problem(error: ErrorDetails, prefix: tuple[PathPart, ...]) -> Problem:
    loc: tuple[PathPart, ...] = tuple(error["loc"])
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if error["type"] == _CROSS_FIELD:
        return Problem((*prefix, *loc, *ctx["path"]), str(ctx["message"]))
    if loc and loc[-1] == "[key]":
        # A dict key failed its Literal: the key itself is the unknown name.
        return Problem((*prefix, *loc[:-1]), f"is not a known name ({error['msg']})")
    message = _MESSAGES.get(error["type"], error["msg"])
    return Problem((*prefix, *loc), message)
