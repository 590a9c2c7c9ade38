"""The chain-side commands: ``compile``, ``deploy`` and ``up`` (the local stack)."""

from __future__ import annotations

import argparse
import difflib
import getpass
import json
import os
import sys
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from chaincred.adapters.chain import (
    RegistryClient,
    RevertDecoder,
    Transactor,
    connect,
    deploy_registry,
)
from chaincred.errors import ConfigurationError
from chaincred.toolchain.anvil import DEV_ACCOUNTS
from chaincred.toolchain.artifact import load_artifact
from chaincred.toolchain.compiler import ARTIFACT_PATH, compile_contracts, find_project_root

__all__ = ["register", "signer_from_args"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compile_ = commands.add_parser(
        "compile",
        help="compile contracts/ into the committed artifact",
        description=(
            "Compile contracts/ with the solc pinned in package.json (standard JSON, fixed "
            "optimizer settings and EVM version) and write "
            f"{ARTIFACT_PATH}. Drives a native solc of the pinned version through py-solc-x "
            "when one is installed (PATH or CHAINCRED_SOLC), otherwise solc-js through node."
        ),
    )
    compile_.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the committed artifact differs from a fresh compile",
    )
    compile_.add_argument(
        "--compiler",
        choices=("auto", "native", "solcjs"),
        default="auto",
        help="which solc to run (default: auto, native when available)",
    )
    compile_.set_defaults(handler=run_compile)

    deploy = commands.add_parser(
        "deploy",
        help="deploy the ChainCred registry to a chain",
        description="Deploy the committed ChainCred bytecode to the chain at --rpc.",
    )
    deploy.add_argument("--rpc", required=True, metavar="URL", help="Ethereum JSON-RPC URL")
    add_signer_options(deploy)
    deploy.add_argument(
        "--registrar",
        metavar="ADDRESS",
        help="account that will register institutions (default: the deploying account)",
    )
    deploy.add_argument(
        "--json", action="store_true", help="print address, chain_id, tx_hash as JSON"
    )
    deploy.set_defaults(handler=run_deploy)


def add_signer_options(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--keystore",
        type=Path,
        metavar="FILE",
        help="encrypted JSON keystore of the sending account; the password comes from "
        "--password-file, CHAINCRED_KEYSTORE_PASSWORD or a prompt",
    )
    who.add_argument(
        "--dev",
        action="store_true",
        help="use Anvil's first well-known development account (local chains only)",
    )
    parser.add_argument(
        "--password-file", type=Path, metavar="FILE", help="file holding the keystore password"
    )


def signer_from_args(args: argparse.Namespace) -> LocalAccount:
    """The sending account named by --keystore/--password-file or --dev."""
    if args.dev:
        dev: LocalAccount = Account.from_key(DEV_ACCOUNTS[0])
        return dev
    keystore: Path = args.keystore
    try:
        encrypted = json.loads(keystore.read_text("utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read the keystore {keystore}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{keystore} is not a JSON keystore: {exc}") from exc
    password = _keystore_password(args)
    try:
        key = Account.decrypt(encrypted, password)
    except ValueError as exc:
        raise ConfigurationError(
            f"cannot decrypt {keystore}: wrong password or damaged file"
        ) from exc
    account: LocalAccount = Account.from_key(key)
    return account


def _keystore_password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        try:
            return str(args.password_file.read_text("utf-8").rstrip("\n"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read {args.password_file}: {exc.strerror}") from exc
    from_env = os.environ.get("CHAINCRED_KEYSTORE_PASSWORD")
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        raise ConfigurationError(
            "the keystore needs a password: pass --password-file or set CHAINCRED_KEYSTORE_PASSWORD"
        )
    return getpass.getpass("keystore password: ")


def run_compile(args: argparse.Namespace) -> int:
    root = find_project_root()
    result = compile_contracts(root, compiler=args.compiler)
    target = root / ARTIFACT_PATH
    if args.check:
        committed = target.read_text("utf-8") if target.is_file() else ""
        if committed == result.artifact_text:
            print(f"{ARTIFACT_PATH} matches a fresh compile ({result.compiler})")
            return 0
        diff = difflib.unified_diff(
            committed.splitlines(),
            result.artifact_text.splitlines(),
            "committed",
            "fresh",
            n=1,
            lineterm="",
        )
        print("\n".join(list(diff)[:40]), file=sys.stderr)
        print(
            f"{ARTIFACT_PATH} is out of date: run `chaincred compile` and commit it",
            file=sys.stderr,
        )
        return 1
    target.write_text(result.artifact_text, "utf-8")
    print(f"wrote {ARTIFACT_PATH} ({result.compiler})")
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    w3 = connect(args.rpc)
    compiled = load_artifact().contract("ChainCred")
    transactor = Transactor(w3, signer_from_args(args), RevertDecoder(compiled.abi))
    deployment = deploy_registry(transactor, registrar=args.registrar)
    client = RegistryClient(w3, deployment.address)
    if args.json:
        print(
            json.dumps(
                {
                    "address": deployment.address,
                    "chain_id": deployment.chain_id,
                    "tx_hash": deployment.tx_hash,
                }
            )
        )
    else:
        print(f"ChainCred deployed at {deployment.address} on chain {deployment.chain_id}")
        print(f"  transaction {deployment.tx_hash} (block {deployment.block_number})")
        print(f"  registrar   {client.call('registrar')}")
    return 0
