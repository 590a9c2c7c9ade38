"""``chaincred serve``: the HTTP API (verifier endpoints) under uvicorn."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["app_from_environment", "register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP API",
        description=(
            "Serve the chaincred API (OpenAPI at /docs). Configuration comes from CHAINCRED_* "
            "variables: at least CHAINCRED_RPC_URL and CHAINCRED_CONTRACT; see "
            "chaincred.settings.Settings for every field. --rpc and --contract override them."
        ),
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--rpc", metavar="URL", help="overrides CHAINCRED_RPC_URL")
    serve.add_argument("--contract", metavar="ADDRESS", help="overrides CHAINCRED_CONTRACT")
    serve.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="API processes on the one port (default 1). They share the database, so a "
        "possession challenge issued by one is answered at another; accepting a batch is "
        "CPU-bound, so more processes accept more rows per second where there are cores",
    )  # fmt: skip
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from chaincred.api import create_app
    from chaincred.settings import load_settings

    overrides = {k: v for k, v in (("rpc_url", args.rpc), ("contract", args.contract)) if v}
    if "CHAINCRED_PUBLIC_URL" not in os.environ:
        overrides["public_url"] = f"http://{args.host}:{args.port}"
    settings = load_settings(**overrides)
    if args.workers <= 1:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
        return 0
    # Each worker process builds its app from the environment: hand the overrides down, and
    # migrate once here (N processes migrating a new SQLite file at once would race).
    for name, value in overrides.items():
        os.environ[f"CHAINCRED_{name.upper()}"] = str(value)
    from chaincred.api.deps import migrated_engine

    migrated_engine(settings).dispose()
    uvicorn.run(
        "chaincred.cli_serve:app_from_environment", factory=True, workers=args.workers,
        host=args.host, port=args.port, log_level="info",
    )  # fmt: skip
    return 0


def app_from_environment() -> FastAPI:
    """The app of one ``--workers`` process, configured by the CHAINCRED_* variables."""
    from chaincred.api import create_app
    from chaincred.settings import load_settings

    return create_app(load_settings())
