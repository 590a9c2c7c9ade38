"""``chaincred up``: the local stack on embedded defaults, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from eth_account import Account

from chaincred.adapters.chain import (
    RegistryClient,
    RevertDecoder,
    Transactor,
    connect,
    deploy_registry,
)
from chaincred.demo import demo_token
from chaincred.domain.onchain import BurnAuth
from chaincred.errors import ChainError
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = commands.add_parser(
        "up",
        help="start a local chain, deploy, issue a demo credential, keep running",
        description=(
            "Start Anvil on a free port (or use --rpc), deploy the ChainCred registry, register "
            "a demo institution, issue a demo micro-credential and print where everything is, "
            "as KEY=VALUE lines too (also written to DATA_DIR/local.env). Runs until Ctrl-C."
        ),
    )
    up.add_argument("--rpc", metavar="URL", help="use this running chain instead of starting Anvil")
    up.add_argument(
        "--chain-port",
        type=int,
        default=0,
        metavar="PORT",
        help="Anvil's port (default: a free one)",
    )
    up.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".chaincred"),
        metavar="DIR",
        help="where local.env is written",
    )
    up.add_argument(
        "--once", action="store_true", help="exit after printing instead of waiting for Ctrl-C"
    )
    up.set_defaults(handler=run_up)


def run_up(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    anvil = None
    if args.rpc is None:
        anvil = AnvilProcess(port=args.chain_port) if args.chain_port else AnvilProcess()
        print(f"starting Anvil on {anvil.rpc_url} …", flush=True)
        anvil.start()
    try:
        values = _deploy_demo(args.rpc or (anvil.rpc_url if anvil else ""), args.data_dir)
        if not args.once:
            print("the chain is running; press Ctrl-C to stop", flush=True)
            stop.wait()
            print("stopping …", flush=True)
        return 0 if values else 1
    finally:
        if anvil is not None:
            anvil.stop()


def _deploy_demo(rpc_url: str, data_dir: Path) -> dict[str, str]:
    w3 = connect(rpc_url)
    decoder = RevertDecoder(load_artifact().contract("ChainCred").abi)
    registrar = Transactor(w3, Account.from_key(DEV_ACCOUNTS[0]), decoder)
    issuer = Transactor(w3, Account.from_key(DEV_ACCOUNTS[1]), decoder)
    learner = Account.from_key(DEV_ACCOUNTS[2]).address
    print("deploying the ChainCred registry …", flush=True)
    deployment = deploy_registry(registrar)
    client = RegistryClient(w3, deployment.address)
    institution_id = int(client.call("institutionCount")) + 1
    issued_at = datetime.fromtimestamp(int(w3.eth.get_block("latest")["timestamp"]), UTC)
    token = demo_token(
        learner,
        chain_id=deployment.chain_id,
        contract=deployment.address,
        institution_id=institution_id,
        issued_at=issued_at,
    )
    registered = client.register_institution(registrar, token.institution_digest, [issuer.address])
    if registered != institution_id:
        raise ChainError(f"the registry assigned institution id {registered}, not {institution_id}")
    client.mint(issuer, learner, token.token_id, BurnAuth.OWNER_ONLY)
    record = client.credential(token.token_id)
    values = {
        "CHAINCRED_RPC_URL": rpc_url,
        "CHAINCRED_CHAIN_ID": str(deployment.chain_id),
        "CHAINCRED_CONTRACT": deployment.address,
        "CHAINCRED_INSTITUTION_ID": str(institution_id),
        "CHAINCRED_TOKEN_ID": hex(token.token_id),
        "CHAINCRED_TOKEN_URI": client.token_uri(token.token_id),
        "CHAINCRED_TOKEN_STATUS": record.status.name.lower(),
        "CHAINCRED_HOLDER": learner,
    }
    print(f"contract   {deployment.address} (chain {deployment.chain_id})")
    print(f"token id   {hex(token.token_id)}  «{token.title}»")
    print(f"tokenURI   {values['CHAINCRED_TOKEN_URI']}")
    status = record.status.name.lower()
    print(f"status     {status}, held by {record.owner}, institution {institution_id}")
    data_dir.mkdir(parents=True, exist_ok=True)
    env_lines = "".join(f"{key}={value}\n" for key, value in values.items())
    (data_dir / "local.env").write_text(env_lines, "utf-8")
    (data_dir / "demo-credential.json").write_text(token.document_json, "utf-8")
    print(env_lines, end="", flush=True)
    document = data_dir / "demo-credential.json"
    print(f"(also in {data_dir / 'local.env'}; the learner's document is {document})")
    print(f"verify it: chaincred verify {document} --rpc {rpc_url} --contract {deployment.address}")
    return values
