"""Signed verification receipts: EIP-191 over the RFC 8785 bytes of the receipt body."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from eth_account import Account
from eth_account.messages import encode_defunct

from chaincred.domain import InvalidCredential
from chaincred.domain.receipt import RECEIPT_FORMAT, check_receipt, sign_receipt
from chaincred.domain.verification import Check, Verdict, VerificationReport
from chaincred.toolchain.anvil import DEV_ACCOUNTS

from .facts import BLOCK, CONTRACT, TOKEN

VERIFIER = Account.from_key(DEV_ACCOUNTS[9])
OTHER = Account.from_key(DEV_ACCOUNTS[8])


def report() -> dict[str, Any]:
    checks = (Check.passed("onchain", "token issued", owner="0xabc"),)
    return VerificationReport(Verdict.VALID, checks, TOKEN, 31337, CONTRACT, BLOCK).to_json()


def receipt() -> dict[str, Any]:
    """As an archive would hold it: parsed back from JSON text."""
    signed: dict[str, Any] = json.loads(json.dumps(sign_receipt(report(), VERIFIER)))
    return signed


def test_a_receipt_carries_the_report_the_verifier_and_a_signature() -> None:
    signed = receipt()

    assert set(signed) == {"format", "verifier", "report", "signature"}
    assert signed["format"] == RECEIPT_FORMAT == "chaincred/verification-receipt/v1"
    assert signed["verifier"] == VERIFIER.address
    assert signed["report"] == report()
    assert signed["signature"].startswith("0x") and len(signed["signature"]) == 132


def test_any_ethereum_tool_recovers_the_signer_from_the_rfc8785_bytes() -> None:
    signed = receipt()
    body = {k: signed[k] for k in ("format", "verifier", "report")}

    signer = Account.recover_message(
        encode_defunct(primitive=rfc8785.dumps(body)), signature=signed["signature"]
    )

    assert signer == VERIFIER.address


def test_an_untouched_receipt_is_authentic() -> None:
    result = check_receipt(receipt())

    assert result.authentic is True
    assert result.signer == VERIFIER.address
    assert result.verdict == "valid"
    assert result.digest == f"0x{TOKEN:064x}"
    assert result.block == {
        "number": BLOCK.number,
        "hash": BLOCK.hash,
        "timestamp": BLOCK.timestamp,
    }


def test_key_order_and_whitespace_do_not_matter() -> None:
    signed = receipt()
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items()))), indent=3))

    assert check_receipt(reordered).authentic is True


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r["report"].update(verdict="invalid"),
        lambda r: r["report"]["block"].update(number=BLOCK.number + 1),
        lambda r: r["report"]["checks"][0]["evidence"].update(owner="0xdef"),
        lambda r: r.update(verifier=OTHER.address),
    ],
    ids=["verdict", "block", "evidence", "verifier"],
)
def test_a_tampered_receipt_is_not_authentic(tamper: Any) -> None:
    signed = receipt()
    tamper(signed)

    result = check_receipt(signed)

    assert result.authentic is False
    assert result.signer not in (signed["verifier"],)


def test_a_receipt_signed_by_another_key_naming_this_verifier_is_not_authentic() -> None:
    forged = sign_receipt(report(), OTHER) | {"verifier": VERIFIER.address}

    result = check_receipt(forged)

    assert result.authentic is False


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        ({"format": "chaincred/verification-receipt/v0"}, "format", "must be"),
        ({"report": ["valid"]}, "report", "must be a JSON object"),
        ({"signature": "0x" + "00" * 65}, "signature", "is not a valid signature"),
        ({"signature": "0x1234"}, "signature", "is not a valid signature"),
        ({"signature": "zz"}, "signature", "is not a valid signature"),
    ],
)
def test_an_unusable_receipt_is_refused_with_its_path(
    change: dict[str, Any], location: str, message: str
) -> None:
    with pytest.raises(InvalidCredential) as caught:
        check_receipt(receipt() | change)

    assert caught.value.location == location
    assert message in str(caught.value)


@pytest.mark.parametrize("missing", ["verifier", "report", "signature"])
def test_a_receipt_missing_a_part_is_refused(missing: str) -> None:
    signed = receipt()
    del signed[missing]

    with pytest.raises(InvalidCredential, match=f"{missing}: is required"):
        check_receipt(signed)


def test_a_receipt_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidCredential, match="a receipt is a JSON object"):
        check_receipt([receipt()])  # type: ignore[arg-type]
