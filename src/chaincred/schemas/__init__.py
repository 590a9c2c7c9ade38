"""JSON Schemas shipped with chaincred, and the generator of the document schema.

- ``credential-document.schema.json``: the credential document (draft 2020-12), generated
  from the domain models by :func:`document_schema` (``python -m chaincred.schemas`` rewrites
  it; a test fails when the file and the models drift apart);
- ``ob_v3p0_achievementcredential.schema.json`` and ``ob_v3p0_context.json``: the Open Badges
  3.0 schema and JSON-LD context, unmodified copies (see SOURCES.md).

Reading package files is I/O, so it lives here and not in :mod:`chaincred.domain`.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from chaincred.domain import CredentialDocument

__all__ = [
    "DOCUMENT_SCHEMA",
    "OB3_CONTEXT",
    "OB3_SCHEMA",
    "document_schema",
    "load",
    "render",
]

DOCUMENT_SCHEMA = "credential-document.schema.json"
OB3_SCHEMA = "ob_v3p0_achievementcredential.schema.json"
OB3_CONTEXT = "ob_v3p0_context.json"

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def load(name: str) -> Any:
    """Parse one of the shipped JSON files (``DOCUMENT_SCHEMA``, ``OB3_SCHEMA``, ...)."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


def document_schema() -> dict[str, Any]:
    """The JSON Schema of the credential document, derived from the domain models.

    Structural only: the rules a schema cannot state (NFC, EIP-55 checksums, derived fields,
    the anchor's token id) are in docs/credential-format.md and enforced by ``parse_document``.
    """
    body = CredentialDocument.model_json_schema(schema_generator=_NoNullSchema)
    return {
        "$schema": _DRAFT_2020_12,
        "$id": "urn:chaincred:schema:credential-document:v1",
        "title": "chaincred credential document",
        "description": (
            "A micro-credential document: its public part (whose RFC 8785 canonical bytes hash "
            "to the ERC-721 token id), the openings of its salted personal claims, and its "
            "chain anchor. Specified in docs/credential-format.md."
        ),
        **{k: v for k, v in body.items() if k not in ("title", "description")},
    }


def render(schema: dict[str, Any]) -> str:
    """The checked-in text form: two-space indent, UTF-8, trailing newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


class _NoNullSchema(GenerateJsonSchema):
    """Optional fields are omitted when absent, never ``null``, so the schema admits no null
    and carries no ``default: null``/``[]`` (pydantic would emit both)."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        out = super().default_schema(schema)
        if "default" in out and out["default"] in (None, [], {}):
            del out["default"]
        return out
