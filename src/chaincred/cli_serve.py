"""``chaincred serve``: the HTTP API (verifier endpoints) under uvicorn."""

from __future__ import annotations

import argparse
import os

__all__ = ["register"]


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
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from chaincred.api import create_app
    from chaincred.settings import load_settings

    overrides = {k: v for k, v in (("rpc_url", args.rpc), ("contract", args.contract)) if v}
    if "CHAINCRED_PUBLIC_URL" not in os.environ:
        overrides["public_url"] = f"http://{args.host}:{args.port}"
    app = create_app(load_settings(**overrides))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
