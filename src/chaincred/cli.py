"""``chaincred``: the command line. Parses, wires adapters, presents; the work is elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from chaincred import __version__
from chaincred.errors import ChainCredError, ConfigurationError, ToolchainError

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chaincred",
        description=(
            "Issue, hold and verify micro-credentials as soulbound ERC-721 tokens. "
            "Each command has its own --help."
        ),
    )
    parser.add_argument("--version", action="version", version=f"chaincred {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    from chaincred import cli_chain, cli_documents, cli_serve, cli_up, cli_verify, cli_worker

    cli_chain.register(commands)
    cli_up.register(commands)
    cli_documents.register(commands)
    cli_verify.register(commands)
    cli_serve.register(commands)
    cli_worker.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except (ConfigurationError, ToolchainError) as exc:
        print(f"chaincred {args.command}: {exc}", file=sys.stderr)
        return 2
    except ChainCredError as exc:
        print(f"chaincred {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
