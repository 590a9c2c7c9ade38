"""The shipped schemas: the document schema matches the models, the OB 3.0 copies are
unmodified, and documents validate against the document schema."""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chaincred.schemas import (
    DOCUMENT_SCHEMA,
    OB3_CONTEXT,
    OB3_SCHEMA,
    document_schema,
    load,
    render,
)

from .factories import VECTOR_NAMES, load_vector

# From /work/shared/schemas/SOURCES.md: the upstream files' SHA-256.
UPSTREAM_SHA256 = {
    OB3_SCHEMA: "5753fb3ecf7d024ed273dd364bd683f483eb47257e718e6618832cf89eb2083a",
    OB3_CONTEXT: "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
}


def _shipped(name: str) -> bytes:
    return resources.files("chaincred.schemas").joinpath(name).read_bytes()


@pytest.mark.parametrize("name", sorted(UPSTREAM_SHA256))
def test_ob3_copies_are_byte_for_byte_upstream(name: str) -> None:
    assert hashlib.sha256(_shipped(name)).hexdigest() == UPSTREAM_SHA256[name]


def test_document_schema_file_is_what_the_models_generate() -> None:
    # On failure: .venv/bin/python -m chaincred.schemas
    assert _shipped(DOCUMENT_SCHEMA).decode("utf-8") == render(document_schema())


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = load(DOCUMENT_SCHEMA)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_vectors_validate_against_the_document_schema(
    validator: Draft202012Validator, name: str
) -> None:
    assert list(validator.iter_errors(load_vector(name))) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("public", "achievement", "ects"), 0, "exclusiveMinimum"),
        (("public", "valid_until"), None, "type"),
        (("public", "surprise"), 1, "additionalProperties"),
        (("claims", "nickname"), {"value": "x", "salt": "0x" + "00" * 16}, "enum"),
        (("anchor", "token_id"), 12, "type"),
    ],
)
def test_schema_rejects_what_the_parser_rejects(
    validator: Draft202012Validator, path: tuple[str, ...], value: Any, expected: str
) -> None:
    document = load_vector("cmf-5ects-eqf6")
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert expected in {e.validator for e in validator.iter_errors(document)}
