"""``chaincred verify`` and ``chaincred verify-receipt``: check a credential with nothing but
the document, an RPC URL and the registry address."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address

from chaincred.adapters.chain.reader import RpcReader
from chaincred.domain import DomainError, parse_json
from chaincred.domain.receipt import check_receipt
from chaincred.domain.verification import Check, Outcome, Verdict, VerificationReport
from chaincred.errors import ConfigurationError
from chaincred.services.verify import Presented, Unreadable, as_document, verify

__all__ = ["EXIT_CODES", "register"]

#: valid 0, invalid 1, indeterminate 2 (also for input that cannot be read at all).
EXIT_CODES = {Verdict.VALID: 0, Verdict.INVALID: 1, Verdict.INDETERMINATE: 2}
_MARKS = {Outcome.PASS: "✓", Outcome.FAIL: "✗", Outcome.INDETERMINATE: "?"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify_ = commands.add_parser(
        "verify",
        help="verify a credential document (or a token id) against the chain",
        description=(
            "Check a credential against the chain alone: format, integrity (digest and "
            "disclosed claims), the token on the trusted registry, its status, the issuer's "
            "registration and accreditation, the validity period (by the judged block's "
            "time) and the conformance facts. Exit code: 0 valid, 1 invalid, 2 indeterminate "
            "(for instance when the RPC cannot be read)."
        ),
    )
    verify_.add_argument(
        "credential", metavar="FILE|TOKEN_ID", help="document JSON, or 0x… token id"
    )
    verify_.add_argument("--rpc", required=True, metavar="URL", help="Ethereum JSON-RPC URL")
    verify_.add_argument("--contract", required=True, metavar="ADDRESS", help="trusted registry")
    verify_.add_argument(
        "--confirmations",
        type=int,
        default=1,
        metavar="N",
        help="judge the state N-1 blocks below the head (default 1: the head itself)",
    )
    verify_.add_argument("--json", action="store_true", help="print the JSON report")
    verify_.set_defaults(handler=run_verify)

    receipt = commands.add_parser(
        "verify-receipt",
        help="check the signature of a verification receipt",
        description=(
            "Recover the signer of a signed verification receipt (EIP-191 over the RFC 8785 "
            "bytes of the receipt) and compare it with the verifier it names, and with "
            "--verifier if given. Exit 0 when authentic, 1 otherwise."
        ),
    )
    receipt.add_argument("receipt", type=Path, metavar="FILE")
    receipt.add_argument("--verifier", metavar="ADDRESS", help="the verifier address you trust")
    receipt.set_defaults(handler=run_verify_receipt)


def run_verify(args: argparse.Namespace) -> int:
    if not is_address(args.contract):
        raise ConfigurationError(f"--contract {args.contract!r} is not an address")
    presented = _presented(args.credential)
    reader = RpcReader(args.rpc, to_checksum_address(args.contract))
    try:
        report = verify(presented, chain=reader, confirmations=args.confirmations)
    finally:
        reader.close()
    print(json.dumps(report.to_json(), indent=2) if args.json else render(report))
    return EXIT_CODES[report.verdict]


def _presented(argument: str) -> Presented:
    if argument.startswith("0x") and not Path(argument).exists():
        try:
            return int(argument, 16)
        except ValueError:
            raise ConfigurationError(f"{argument!r} is neither a file nor a token id") from None
    path = Path(argument)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        parsed: Any = parse_json(text)
    except DomainError as exc:
        return Unreadable(str(exc))
    return as_document(parsed)


def render(report: VerificationReport) -> str:
    where = (
        f"at block {report.block.number} ({report.block.hash}) on chain {report.chain_id}"
        if report.block
        else "without a readable chain"
    )
    token = f"0x{report.token_id:064x}" if report.token_id is not None else "(unknown token)"
    lines = [f"credential {token}", f"judged {where}", ""]
    lines += [_line(check) for check in report.checks]
    lines += ["", f"verdict: {report.verdict.value.upper()}"]
    return "\n".join(lines)


def _line(check: Check) -> str:
    code = f"  [{check.code}]" if check.code and check.outcome is not Outcome.PASS else ""
    return f"  {_MARKS[check.outcome]} {check.name:<12} {check.message}{code}"


def run_verify_receipt(args: argparse.Namespace) -> int:
    try:
        receipt = parse_json(args.receipt.read_bytes())
    except OSError as exc:
        raise ConfigurationError(f"cannot read {args.receipt}: {exc.strerror}") from exc
    result = check_receipt(receipt)
    trusted = args.verifier is None or result.signer.lower() == args.verifier.lower()
    authentic = result.authentic and trusted
    print(f"signed by {result.signer}: {'authentic' if authentic else 'NOT authentic'}")
    if result.authentic and not trusted:
        print(f"  the receipt is signed by {result.signer}, not by {args.verifier}")
    block = result.block or {}
    where = f"block {block.get('number')} ({block.get('hash')})" if block else "no block"
    print(f"  verdict {result.verdict} for {result.digest}, judged at {where}")
    return 0 if authentic else 1
