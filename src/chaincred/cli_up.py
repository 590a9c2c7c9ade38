"""``chaincred up``: the whole local stack on embedded defaults, until Ctrl-C.

Anvil (its state kept in the data directory, so a second ``up`` reuses the chain), the
registry deployed once, a demo institution registered on-chain and with the service, the API
(``chaincred serve``), the signer worker (``chaincred worker --no-index``) and the event
follower (``chaincred worker --index-only``) as child processes over one
SQLite file and the built-in pinning store, and a demo credential issued the way an
institution would: through the API, the outbox and the worker.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from chaincred.adapters.chain import (
    RegistryClient,
    RevertDecoder,
    Transactor,
    connect,
    deploy_registry,
)
from chaincred.demo import DEMO_ACHIEVEMENT, DEMO_INSTITUTION, demo_institution_digest
from chaincred.errors import ChainCredError, ChainError
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact

# The steps of ``up`` are public: the issuance benchmark starts the same stack piece by piece.
__all__ = ["bootstrap", "child_env", "prepare_chain", "register", "wait_for_api"]

_REGISTRAR, _SIGNER, _HOLDER = DEV_ACCOUNTS[0], DEV_ACCOUNTS[1], DEV_ACCOUNTS[2]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = commands.add_parser(
        "up",
        help="run the whole local stack (chain, API, worker) and issue a demo credential",
        description=(
            "Start Anvil (state kept in DATA_DIR, or use --rpc), deploy the ChainCred registry "
            "(or reuse the one recorded in DATA_DIR/local.env), register a demo institution, "
            "start the API and the signer worker over a SQLite file and the built-in pinning "
            "store, create an API key, issue a demo credential through the API and wait until "
            "it is on chain. Prints URLs, keys and a ready-to-paste curl, as KEY=VALUE lines "
            "too (also in DATA_DIR/local.env). Ctrl-C stops everything."
        ),
    )
    up.add_argument("--port", type=int, default=8000, help="the API's port (default 8000)")
    up.add_argument("--rpc", metavar="URL", help="use this running chain instead of starting Anvil")
    up.add_argument(
        "--data-dir", type=Path, default=Path(".chaincred"), metavar="DIR",
        help="database, pinned files, chain state, logs and local.env (default .chaincred)",
    )  # fmt: skip
    up.add_argument("--chain-port", type=int, default=0, metavar="PORT", help="Anvil's port")
    up.add_argument("--once", action="store_true", help="stop once the demo is on chain")
    up.set_defaults(handler=run_up)


def run_up(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    data_dir: Path = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = _LocalStack(data_dir, args.port)
    try:
        rpc_url = args.rpc or stack.start_anvil(args.chain_port)
        values = stack.start(rpc_url)
        _print_ready(values, data_dir)
        if not args.once:
            print("the stack is running; press Ctrl-C to stop", flush=True)
            stop.wait()
            print("stopping …", flush=True)
        return 0
    finally:
        stack.stop()


class _LocalStack:
    """The child processes of one ``chaincred up`` and what they were started with."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.previous = _read_env(data_dir / "local.env")
        self.anvil: AnvilProcess | None = None
        self.children: list[subprocess.Popen[bytes]] = []

    def start_anvil(self, port: int) -> str:
        state = self.data_dir / "anvil-state.json"
        extra = ("--state", str(state), "--state-interval", "2")
        self.anvil = (
            AnvilProcess(port=port, extra_args=extra) if port else AnvilProcess(extra_args=extra)
        )
        print(f"starting Anvil on {self.anvil.rpc_url} (state in {state}) …", flush=True)
        self.anvil.start()
        return self.anvil.rpc_url

    def start(self, rpc_url: str) -> dict[str, str]:
        contract, chain_id, institution_id = prepare_chain(rpc_url, self.previous)
        admin_key = self.previous.get("CHAINCRED_ADMIN_KEY") or "cc_admin_" + secrets.token_hex(24)
        api_url = f"http://127.0.0.1:{self.port}"
        env = child_env(rpc_url, contract, self.data_dir, admin_key, api_url)
        self._spawn(["serve", "--port", str(self.port)], env, "api.log")
        # The API creates a fresh database's tables; the others start once it answers (three
        # processes migrating one new SQLite file at once would race).
        wait_for_api(api_url, self.children)
        # The signer and the event follower as two processes: indexing in the signer's loop
        # would stall sending (decoding events costs more CPU than signing them).
        self._spawn(["worker", "--no-index"], env, "worker.log")
        self._spawn(["worker", "--index-only"], env, "indexer.log")
        api_key, achievement_id = bootstrap(api_url, admin_key, institution_id)
        token = _issue_demo(api_url, api_key, achievement_id, self.data_dir)
        return {
            "CHAINCRED_API_URL": api_url,
            "CHAINCRED_API_KEY": api_key,
            "CHAINCRED_ADMIN_KEY": admin_key,
            "CHAINCRED_RPC_URL": rpc_url,
            "CHAINCRED_CHAIN_ID": str(chain_id),
            "CHAINCRED_CONTRACT": contract,
            "CHAINCRED_INSTITUTION_ID": str(institution_id),
            "CHAINCRED_ACHIEVEMENT_ID": achievement_id,
            **token,
        }

    def _spawn(self, command: list[str], env: dict[str, str], log: str) -> None:
        with (self.data_dir / log).open("ab") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "chaincred.cli", *command],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.children.append(child)

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        if self.anvil is not None:
            self.anvil.stop()


def prepare_chain(rpc_url: str, previous: dict[str, str]) -> tuple[str, int, int]:
    """The registry (reused if the data directory's one is still on this chain) and the demo
    institution's on-chain id (registered once, with the worker's key as its signer)."""
    w3 = connect(rpc_url)
    decoder = RevertDecoder(load_artifact().contract("ChainCred").abi)
    registrar = Transactor(w3, Account.from_key(_REGISTRAR), decoder)
    contract = previous.get("CHAINCRED_CONTRACT")
    runtime = load_artifact().contract("ChainCred").deployed_bytecode
    if contract and bytes(w3.eth.get_code(Web3.to_checksum_address(contract))) == runtime:
        print(f"reusing the ChainCred registry at {contract}", flush=True)
    else:
        print("deploying the ChainCred registry …", flush=True)
        contract = deploy_registry(registrar).address
    client = RegistryClient(w3, contract)
    signer = Account.from_key(_SIGNER).address
    institution_id = int(client.call("institutionOf", signer))
    if institution_id == 0:
        institution_id = client.register_institution(registrar, demo_institution_digest(), [signer])
    return contract, int(w3.eth.chain_id), institution_id


def child_env(
    rpc_url: str, contract: str, data_dir: Path, admin_key: str, api_url: str
) -> dict[str, str]:
    settings = {
        "MODE": "local",
        "RPC_URL": rpc_url,
        "CONTRACT": contract,
        "DATA_DIR": str(data_dir),
        "ADMIN_KEY": admin_key,
        "SIGNER_DEV_KEY": "true",
        "VERIFIER_DEV_KEY": "true",
        "PUBLIC_URL": api_url,
        "PINNING": "builtin",
    }
    # The caller's other CHAINCRED_* settings (batch size, database URL, …) pass through;
    # these are the stack's own and win.
    return dict(os.environ) | {f"CHAINCRED_{key}": value for key, value in settings.items()}


def wait_for_api(
    api_url: str, children: list[subprocess.Popen[bytes]], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise ChainCredError(
                "the API, the worker or the indexer exited at start: see api.log / worker.log "
                "/ indexer.log"
            )
        try:
            httpx.get(f"{api_url}/healthz", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise ChainCredError(f"the API did not answer on {api_url} within {timeout:.0f} s")


def bootstrap(api_url: str, admin_key: str, institution_id: int) -> tuple[str, str]:
    """The demo institution with the service, a fresh API key and the demo achievement."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    body = {
        "id": institution_id,
        "name": DEMO_INSTITUTION["name"],
        "country": DEMO_INSTITUTION["country"],
    }
    created = httpx.post(f"{api_url}/v1/institutions", json=body, headers=admin, timeout=30)
    if created.status_code not in (201, 409):  # 409: registered by an earlier run
        raise ChainCredError(f"creating the demo institution failed: {created.text}")
    key = _ok(httpx.post(
        f"{api_url}/v1/institutions/{institution_id}/keys",
        json={"scopes": ["issue", "revoke", "read"]}, headers=admin, timeout=30,
    ))["key"]  # fmt: skip
    issuer = {"Authorization": f"Bearer {key}"}
    achievement = _ok(
        httpx.post(f"{api_url}/v1/achievements", json=DEMO_ACHIEVEMENT, headers=issuer, timeout=30)
    )
    return str(key), str(achievement["id"])


def _issue_demo(api_url: str, api_key: str, achievement_id: str, data_dir: Path) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": secrets.token_hex(8)}
    holder = Account.from_key(_HOLDER).address
    body = {
        "achievement_id": achievement_id,
        "recipient": holder,
        "claims": {"name": "Demo Learner"},
    }
    accepted = _ok(httpx.post(f"{api_url}/v1/credentials", json=body, headers=headers, timeout=30))
    print(f"issuing a demo credential through the API ({accepted['id']}) …", flush=True)
    credential = _await_confirmation(api_url, headers, str(accepted["id"]))
    document = httpx.get(
        f"{api_url}/v1/credentials/{accepted['id']}/document", headers=headers, timeout=30
    )
    (data_dir / "demo-credential.json").write_bytes(_checked(document).content)
    return {
        "CHAINCRED_TOKEN_ID": str(credential["token_id"]),
        "CHAINCRED_TOKEN_URI": str(credential["token_uri"]),
        "CHAINCRED_TOKEN_STATUS": str(credential["status"]),
        "CHAINCRED_HOLDER": holder,
    }


def _await_confirmation(
    api_url: str, headers: dict[str, str], credential_id: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        credential = _ok(
            httpx.get(f"{api_url}/v1/credentials/{credential_id}", headers=headers, timeout=30)
        )
        if credential["state"] == "confirmed":
            return credential
        if credential["state"] == "failed":
            raise ChainError(f"the demo credential failed: {credential.get('failure')}")
        time.sleep(0.3)
    raise ChainError("the demo credential was not confirmed within 90 s: see worker.log")


def _ok(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = _checked(response).json()
    return body


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise ChainCredError(
            f"{response.request.method} {response.request.url.path}: {response.text}"
        )
    return response


def _read_env(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    pairs = (line.partition("=") for line in path.read_text("utf-8").splitlines())
    return {key: value for key, sep, value in pairs if sep}


def _print_ready(values: dict[str, str], data_dir: Path) -> None:
    env_lines = "".join(f"{key}={value}\n" for key, value in values.items())
    (data_dir / "local.env").write_text(env_lines, "utf-8")
    document = data_dir / "demo-credential.json"
    api, key = values["CHAINCRED_API_URL"], values["CHAINCRED_API_KEY"]
    print(f"\nAPI        {api}  (OpenAPI: {api}/docs)")
    print(f"contract   {values['CHAINCRED_CONTRACT']} (chain {values['CHAINCRED_CHAIN_ID']})")
    print(f"token id   {values['CHAINCRED_TOKEN_ID']}")
    print(f"tokenURI   {values['CHAINCRED_TOKEN_URI']}")
    print(f"status     {values['CHAINCRED_TOKEN_STATUS']}, held by {values['CHAINCRED_HOLDER']}")
    print(f"document   {document}\n")
    print("web pages (open in a browser):")
    print(f"  verify     {api}/verify?token={values['CHAINCRED_TOKEN_ID']}")
    print(f"  learner    {api}/learner?address={values['CHAINCRED_HOLDER']}")
    print(f"  console    {api}/console  (log in with CHAINCRED_API_KEY below)\n")
    print(env_lines, end="")
    print(f"(also in {data_dir / 'local.env'})\n")
    print("issue another credential:")
    print(
        f"  curl -s {api}/v1/credentials -H 'Authorization: Bearer {key}' "
        f"-H \"Idempotency-Key: $(date +%s%N)\" -H 'Content-Type: application/json' "
        f'-d \'{{"achievement_id": "{values["CHAINCRED_ACHIEVEMENT_ID"]}", '
        f'"recipient": "{values["CHAINCRED_HOLDER"]}", "claims": {{"name": "Ada Lovelace"}}}}\''
    )
    print("verify the demo credential:")
    print(
        f"  {_command_name()} verify {document} --rpc {values['CHAINCRED_RPC_URL']} "
        f"--contract {values['CHAINCRED_CONTRACT']}",
        flush=True,
    )


def _command_name() -> str:
    """How to run chaincred from a shell: the virtualenv's script when it is not on PATH."""
    script = Path(sys.executable).parent / "chaincred"
    return (
        "chaincred"
        if shutil.which("chaincred") == str(script) or not script.exists()
        else str(script)
    )
