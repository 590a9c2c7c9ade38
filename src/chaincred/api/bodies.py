"""Request bodies of the issuer routes: read strictly, validated by the services.

FastAPI's own JSON reading accepts duplicate keys (the last wins) and ``NaN``, and reports
malformed JSON as 422; the issuer routes read bodies with the domain's strict parser instead
(malformed JSON is a 400 with line and column) and let the services validate them, so error
paths are the request's own (``recipient``, ``[3].claims.name``). ``documented`` puts the
model's schema into the OpenAPI description all the same.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from chaincred.domain import InvalidCredential, parse_json

__all__ = ["documented", "json_body", "json_object"]


async def json_body(request: Request) -> Any:
    """The body as JSON (an empty body reads as ``{}``)."""
    data = await request.body()
    return parse_json(data) if data.strip() else {}


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidCredential.at((), "the body must be a JSON object")
    return body


def documented(schema: type[BaseModel] | dict[str, Any], *media: str) -> dict[str, Any]:
    """``openapi_extra`` declaring the request body (flat models only: no ``$defs``)."""
    if not isinstance(schema, dict):
        schema = schema.model_json_schema(ref_template="#/components/schemas/{model}")
    types = media or ("application/json",)
    content = {m: {"schema": schema} for m in types}
    return {"requestBody": {"required": True, "content": content}}
