"""Signed verification receipts: the report, signed by the verifier's key (EIP-191), so that an
employer can archive proof of what was checked, against which block, and by whom.

The signed bytes are the RFC 8785 canonical form of the receipt body; the signature is an
EIP-191 ``personal_sign`` over them, so any Ethereum tool can recover the signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature  # e.g. 65 zero bytes
from eth_utils.exceptions import ValidationError  # e.g. a signature of the wrong length

from chaincred.domain.canonical import canonical_bytes
from chaincred.domain.errors import InvalidCredential

__all__ = ["RECEIPT_FORMAT", "ReceiptCheck", "check_receipt", "sign_receipt"]

RECEIPT_FORMAT = "chaincred/verification-receipt/v1"


@dataclass(frozen=True)
class ReceiptCheck:
    """``signer`` recovered from the signature; ``authentic`` if it is the claimed verifier."""

    signer: str
    authentic: bool
    verdict: str
    digest: str | None
    block: Mapping[str, Any] | None


def sign_receipt(report: Mapping[str, Any], verifier: LocalAccount) -> dict[str, Any]:
    """The receipt for ``report`` (a ``VerificationReport.to_json()``), signed by ``verifier``."""
    body = {"format": RECEIPT_FORMAT, "verifier": verifier.address, "report": dict(report)}
    signed = verifier.sign_message(encode_defunct(primitive=canonical_bytes(body)))
    return {**body, "signature": "0x" + bytes(signed.signature).hex()}


def check_receipt(receipt: Mapping[str, Any]) -> ReceiptCheck:
    """Recover the signer of ``receipt`` and compare it with the verifier it names."""
    if not isinstance(receipt, Mapping):
        raise InvalidCredential.at((), "a receipt is a JSON object")
    if receipt.get("format") != RECEIPT_FORMAT:
        raise InvalidCredential.at(("format",), f"must be {RECEIPT_FORMAT!r}")
    for key in ("verifier", "report", "signature"):
        if key not in receipt:
            raise InvalidCredential.at((key,), "is required")
    if not isinstance(receipt["report"], Mapping):
        raise InvalidCredential.at(("report",), "must be a JSON object")
    body = {k: receipt[k] for k in ("format", "verifier", "report")}
    try:
        signer = Account.recover_message(
            encode_defunct(primitive=canonical_bytes(body)), signature=receipt["signature"]
        )
    except (ValueError, TypeError, BadSignature, ValidationError) as exc:
        raise InvalidCredential.at(("signature",), f"is not a valid signature ({exc})") from None
    report = receipt["report"]
    return ReceiptCheck(
        signer=str(signer),
        authentic=str(signer).lower() == str(receipt["verifier"]).lower(),
        verdict=str(report.get("verdict")),
        digest=report.get("digest"),
        block=report.get("block"),
    )
