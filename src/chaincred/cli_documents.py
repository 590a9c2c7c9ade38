"""The document commands: ``digest`` and ``export``.

Both read a credential document (docs/credential-format.md), validate it completely, and exit
with status 2 and a message naming the line/column or field path when the input is bad.
Runs stand-alone too: ``python -m chaincred.cli_documents digest FILE``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from chaincred.domain import (
    CredentialDocument,
    DomainError,
    InvalidCredential,
    badge_of,
    cid_of,
    digest_hex,
    erc721_metadata,
    open_badge_credential,
    parse_document,
    parse_json,
    token_uri_of,
)

__all__ = ["BAD_INPUT", "main", "register", "run_digest", "run_export"]

BAD_INPUT = 2
_MAX_PROBLEMS = 5

_FORMAT_HELP = (
    "A credential document is a JSON object {public, claims, anchor}; see "
    "docs/credential-format.md. FILE may be '-' for standard input."
)

_EXIT_HELP = "Exit status: 0 ok; 2 bad input (unreadable file, malformed JSON, invalid document)."


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``digest`` and ``export`` to the ``chaincred`` command line."""
    digest = commands.add_parser(
        "digest",
        help="print a credential document's digest, CID and token URI",
        description=(
            "Validate a credential document and print the SHA-256 digest of the RFC 8785 "
            "canonical bytes of its public part (the ERC-721 token id), its CIDv1 (raw, "
            "sha2-256, base32) and the token URI ipfs://<cid>. " + _FORMAT_HELP
        ),
        epilog=_EXIT_HELP,
    )
    digest.add_argument("file", metavar="FILE", help="the credential document (JSON)")
    digest.add_argument(
        "--json",
        action="store_true",
        help='print {"digest", "cid", "token_uri"} as JSON instead of aligned text',
    )
    digest.set_defaults(handler=run_digest)

    export = commands.add_parser(
        "export",
        help="write a credential document's OB 3.0, ERC-721 or SVG export to stdout",
        description=(
            "Validate a credential document and write one export to standard output: "
            "ob3 = an Open Badges 3.0 OpenBadgeCredential (VC 2.0 JSON, with the disclosed "
            "claims only); erc721 = the token metadata wallets fetch from the token URI (the "
            "exact canonical bytes, no trailing newline, so its CID is the token's); svg = the "
            "badge image whose CID is the metadata's image. " + _FORMAT_HELP
        ),
        epilog=_EXIT_HELP,
    )
    export.add_argument("file", metavar="FILE", help="the credential document (JSON)")
    export.add_argument(
        "--format",
        required=True,
        choices=sorted(_EXPORTS),
        help="which export to write",
    )
    export.set_defaults(handler=run_export)


def run_digest(args: argparse.Namespace) -> int:
    document = _load(args.file, "digest")
    if document is None:
        return BAD_INPUT
    digest = document.digest()
    facts = {"digest": digest_hex(digest), "cid": cid_of(digest), "token_uri": token_uri_of(digest)}
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        for key, value in facts.items():
            print(f"{key:<10} {value}")
    return 0


def _ob3(document: CredentialDocument) -> bytes:
    text = json.dumps(open_badge_credential(document), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


_EXPORTS: dict[str, Callable[[CredentialDocument], bytes]] = {
    "ob3": _ob3,
    "erc721": erc721_metadata,
    "svg": badge_of,
}


def run_export(args: argparse.Namespace, out: BinaryIO | None = None) -> int:
    document = _load(args.file, "export")
    if document is None:
        return BAD_INPUT
    sink = out if out is not None else sys.stdout.buffer
    sink.write(_EXPORTS[args.format](document))
    sink.flush()
    return 0


def _load(file: str, command: str) -> CredentialDocument | None:
    """The validated document, or None after telling stderr exactly what is wrong."""
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        _complain(command, f"cannot read {file}: {exc.strerror or exc}")
        return None
    try:
        raw: Any = parse_json(data)
        if not isinstance(raw, dict):
            _complain(command, f"{file}: a credential document is a JSON object")
            return None
        return parse_document(raw)
    except InvalidCredential as exc:
        shown = [str(p) for p in exc.problems[:_MAX_PROBLEMS]]
        if len(exc.problems) > _MAX_PROBLEMS:
            shown.append(f"... and {len(exc.problems) - _MAX_PROBLEMS} more problems")
        _complain(command, f"{file}: invalid credential document:\n  " + "\n  ".join(shown))
        return None
    except DomainError as exc:
        _complain(command, f"{file}: {exc}")
        return None


def _complain(command: str, message: str) -> None:
    print(f"chaincred {command}: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point with just these two commands."""
    parser = argparse.ArgumentParser(
        prog="chaincred", description="Credential document tools (digest, export)."
    )
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
