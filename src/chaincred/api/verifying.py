"""What the verifier edges share: reading what a verifier is given (document bytes, a CSV of
token ids, a token id typed or scanned), verifying it with this app's chain reader, and signing
the report as a receipt.

The JSON API (:mod:`chaincred.api.routes_verify`) and the verifier page
(:mod:`chaincred.web.verify_page`) both go through these functions, so a document, a CSV or a
token id reads the same way, and is judged and signed the same way, on either.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from chaincred.api.deps import VerifierContext
from chaincred.domain import parse_json
from chaincred.domain.receipt import sign_receipt
from chaincred.domain.verification import VerificationReport
from chaincred.services.verify import Presented, Unreadable, as_document, verify, verify_many

__all__ = [
    "BULK_LIMIT",
    "read_csv",
    "read_document",
    "read_token_id",
    "signed_receipt",
    "verify_items",
    "verify_one",
]

#: One request verifies at most this many credentials (one batched chain read).
BULK_LIMIT = 10_000


def read_document(data: bytes) -> Presented:
    """An uploaded file's bytes presented as a document; bytes that are not JSON become
    :class:`Unreadable` (with the parser's line and column), which fails the format check."""
    try:
        return as_document(parse_json(data))
    except ValueError as exc:  # MalformedJson (bad UTF-8 included)
        return Unreadable(str(exc))


def read_csv(name: str, data: bytes) -> list[tuple[str, Presented]]:
    """The token ids of a CSV (first column, optional ``token_id`` header, blank rows
    skipped), each named ``"<name> row <n>"``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [(name, Unreadable("the CSV is not UTF-8"))]
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].strip()]
    if rows and rows[0][0].strip().lower() == "token_id":
        rows = rows[1:]
    return [(f"{name} row {i + 1}", read_token_id(r[0].strip())) for i, r in enumerate(rows)]


def read_token_id(text: str) -> int | Unreadable:
    """A token id written as ``0x`` + hex or in decimal; :class:`Unreadable` says what is
    wrong otherwise."""
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return Unreadable(f"{text[:80]!r} is not a token id (0x-hex or decimal)")
    if not 0 < value < 2**256:
        return Unreadable(f"{text[:80]!r} is outside the uint256 range")
    return value


def verify_one(presented: Presented, context: VerifierContext) -> VerificationReport:
    """One credential against this verifier's chain (blocking: run it in a thread)."""
    return verify(presented, chain=context.reader, confirmations=context.settings.confirmations)


def verify_items(
    presented: Iterable[Presented], context: VerifierContext
) -> list[VerificationReport]:
    """Many credentials with one read of the chain (blocking: run it in a thread)."""
    return verify_many(
        presented, chain=context.reader, confirmations=context.settings.confirmations
    )


def signed_receipt(report: VerificationReport, context: VerifierContext) -> dict[str, Any]:
    """``report`` signed by this verifier's receipt key (``ConfigurationError`` without one)."""
    return sign_receipt(report.to_json(), context.require_receipt_key())
