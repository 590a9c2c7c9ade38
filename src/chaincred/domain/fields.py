"""Field types shared by the models: each validates one kind of value and says precisely what
is wrong with it. Strings are NFC-normalized here, at validation, so that everything after
validation is canonicalizable (see :mod:`chaincred.domain.canonical`)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from eth_utils.address import is_hex_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chaincred.domain.addresses import is_checksum_address
from chaincred.domain.canonical import MAX_SAFE_INTEGER
from chaincred.domain.validation import field_error

__all__ = [
    "Address",
    "ChainId",
    "Count",
    "EqfLevel",
    "Hash32Hex",
    "HttpsUrl",
    "InstitutionId",
    "IsoDate",
    "LanguageTag",
    "Model",
    "PositiveNumber",
    "Salt16Hex",
    "ShortText",
    "Text",
    "Timestamp",
    "TokenIdDecimal",
    "timestamp_of",
]


class Model(BaseModel):
    """Base of every domain model: immutable, unknown fields rejected (not ignored), and
    ``null`` refused: an absent optional value is written by omitting the field, so that each
    credential has exactly one JSON form (and so one digest)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: object) -> object:
        # One Python call per object rather than one per field: bulk verification validates
        # tens of fields per document.
        if isinstance(data, dict) and None in data.values():
            for key, value in data.items():
                if value is None and key in cls.model_fields:
                    raise field_error(key, "null is not allowed; omit the field instead")
        return data


def _nfc(value: str) -> str:
    # Lone surrogates never get here: pydantic refuses them as "string_unicode" (see
    # validation._MESSAGES), so normalization cannot fail.
    return unicodedata.normalize("NFC", value)


#: Unicode's control characters (general category Cc) are exactly C0, DEL and C1.
_CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]


def _no_controls(allowed: str) -> Callable[[str], str]:
    # Control characters have no place in a credential, and most are illegal in the SVG badge
    # (XML 1.0) that displays the title and the institution's name.
    refused = re.compile("[" + "".join(re.escape(c) for c in _CONTROLS if c not in allowed) + "]")

    def check(value: str) -> str:
        found = refused.search(value)
        if found is not None:
            raise PydanticCustomError(
                "control_character",
                "contains the control character U+{code} at index {index}",
                {"code": f"{ord(found.group()):04X}", "index": found.start()},
            )
        return value

    return check


Text = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=4000),
    AfterValidator(_nfc),
    AfterValidator(_no_controls("\n\t")),
]
"""Non-empty free text (newlines and tabs allowed), NFC-normalized."""

ShortText = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=300),
    AfterValidator(_nfc),
    AfterValidator(_no_controls("")),
]
"""A title, name or code on one line: non-empty, at most 300 characters, NFC-normalized."""


def _positive_number(value: float) -> float | int:
    # Integral values serialize as ints (5, not 5.0): JCS prints both as "5", but documents
    # read better and other languages' JSON writers do the same.
    return int(value) if value.is_integer() else value


PositiveNumber = Annotated[
    float,
    Strict(),
    Field(gt=0, le=100_000),
    PlainSerializer(_positive_number),
]
"""A finite number > 0 (ECTS credits, hours)."""

Count = Annotated[int, Strict(), Field(ge=1, le=1200)]
EqfLevel = Annotated[int, Strict(), Field(ge=1, le=8)]
InstitutionId = Annotated[int, Strict(), Field(ge=1, le=2**24 - 1)]  # uint24 on-chain
ChainId = Annotated[int, Strict(), Field(ge=1, le=MAX_SAFE_INTEGER)]

LanguageTag = Annotated[
    str,
    Strict(),
    # The BCP 47 subset that the Open Badges 3.0 schema accepts for `inLanguage`.
    StringConstraints(pattern=r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"),
]

HttpsUrl = Annotated[
    str, Strict(), StringConstraints(pattern=r"^https://[^\s/?#]+[^\s]*$", max_length=2000)
]

Salt16Hex = Annotated[str, Strict(), StringConstraints(pattern=r"^0x[0-9a-f]{32}$")]
"""A 16-byte salt as ``0x`` + 32 lower-case hex digits."""

Hash32Hex = Annotated[str, Strict(), StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
"""A SHA-256 value as ``0x`` + 64 lower-case hex digits."""

TokenIdDecimal = Annotated[str, Strict(), StringConstraints(pattern=r"^(0|[1-9][0-9]{0,77})$")]
"""A uint256 in decimal, as a string: JSON numbers lose precision beyond 2^53."""


@functools.lru_cache(maxsize=256)  # every document of a bulk names the same contract
def _checksummed(value: str) -> str:
    if is_checksum_address(value):
        return value
    if is_hex_address(value):
        raise PydanticCustomError(
            "address_checksum",
            "must be an EIP-55 checksummed address (did you mean {expected}?)",
            {"expected": to_checksum_address(value)},
        )
    raise PydanticCustomError(
        "address", "must be an Ethereum address: 0x followed by 40 hex digits"
    )


Address = Annotated[
    str,
    Strict(),
    AfterValidator(_checksummed),
    WithJsonSchema(
        {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$", "description": "EIP-55 checksummed"}
    ),
]
"""An EIP-55 checksummed Ethereum address."""


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)


def _canonical_timestamp(value: str) -> str:
    if not _TIMESTAMP.fullmatch(value):
        raise PydanticCustomError(
            "timestamp",
            "must be a UTC time written YYYY-MM-DDThh:mm:ssZ, e.g. 2025-06-30T12:00:00Z",
        )
    try:
        datetime.fromisoformat(value[:-1])  # the form is fixed above; this checks the ranges
    except ValueError:
        raise PydanticCustomError("timestamp", "is not a valid date and time") from None
    return value


Timestamp = Annotated[
    str,
    Strict(),
    AfterValidator(_canonical_timestamp),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}
    ),
]
"""A point in time in the one form documents use: UTC, whole seconds, ``Z`` suffix."""


def timestamp_of(moment: datetime) -> str:
    """The :data:`Timestamp` form of an aware datetime.

    Sub-second parts are dropped because the chain records issued-at in whole seconds
    (``uint32 issuedAt``). A naive datetime is refused: its zone would be guessed.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("must carry a time zone (ISO 8601 with offset or Z)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def _iso_date(value: str) -> str:
    try:
        if len(value) != 10:
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "iso_date", "must be a calendar date written YYYY-MM-DD"
        ) from None
    return value


IsoDate = Annotated[
    str,
    BeforeValidator(_date_text),
    Strict(),
    AfterValidator(_iso_date),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
"""A calendar date ``YYYY-MM-DD`` (a :class:`datetime.date` is accepted on input)."""
