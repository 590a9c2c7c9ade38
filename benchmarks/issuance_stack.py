"""The issuance benchmark's stack: a fresh Anvil, the registry, the API and the signer worker
as child processes (as ``chaincred up`` runs them), and a second signer for the naive path.

Split from ``benchmarks/issuance.py`` (which measures) to keep each module short.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy
from eth_account import Account
from web3 import Web3

from chaincred.adapters.chain import RegistryClient, RevertDecoder, Transactor, connect
from chaincred.adapters.db import create_db_engine, migrate
from chaincred.cli_up import bootstrap, child_env, prepare_chain, wait_for_api
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess, free_port
from chaincred.toolchain.artifact import load_artifact

#: The naive path's own key (Anvil's fourth account), added as a second signer of the same
#: institution: the worker keeps Anvil's second account and its nonces to itself.
NAIVE_KEY = DEV_ACCOUNTS[3]
_REGISTRAR, _WORKER_KEY = DEV_ACCOUNTS[0], DEV_ACCOUNTS[1]


@dataclass(frozen=True)
class StackOptions:
    """How the stack is started (the worker's settings are ``chaincred up``'s defaults unless
    given)."""

    block_time: float | None = None  # None: automine, one block per transaction
    database_url: str | None = None  # None: a SQLite file in the data directory
    batch_size: int | None = None  # CHAINCRED_BATCH_SIZE
    batch_interval: float | None = None  # CHAINCRED_BATCH_INTERVAL
    confirmations: int | None = None  # CHAINCRED_CONFIRMATIONS
    data_dir: Path | None = None  # None: a temporary directory, removed afterwards
    worker_args: tuple[str, ...] = ()  # more options of the signer (chaincred worker)
    api_workers: int = 1  # chaincred serve --workers
    rpc_url: str | None = None  # a running (fresh) chain instead of starting Anvil


@dataclass
class Stack:
    """A running stack and what a client needs to use it."""

    rpc_url: str
    w3: Web3
    contract: str
    institution_id: int
    api_url: str
    api_key: str
    achievement_id: str
    data_dir: Path
    database: str  # "sqlite" or "postgresql"
    pids: dict[str, int]  # process group of each part (this process: itself)
    worker_address: str = field(default_factory=lambda: Account.from_key(_WORKER_KEY).address)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, headers=self.headers, timeout=120.0)


@contextmanager
def running_stack(options: StackOptions) -> Iterator[Stack]:
    """Anvil, the registry and the demo institution, then ``chaincred serve`` and
    ``chaincred worker`` with ``chaincred up``'s environment; everything stopped on exit."""
    with ExitStack() as cleanup:
        data_dir = options.data_dir or Path(
            cleanup.enter_context(tempfile.TemporaryDirectory(prefix="chaincred-issuance-"))
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        pids = {}
        rpc_url = options.rpc_url
        if rpc_url is None:
            extra = ("--block-time", f"{options.block_time:g}") if options.block_time else ()
            anvil = cleanup.enter_context(AnvilProcess(extra_args=extra))
            rpc_url, pids["Anvil"] = anvil.rpc_url, anvil.pid
        with redirect_stdout(sys.stderr):  # it prints progress: stdout is for the figures
            contract, _, institution_id = prepare_chain(rpc_url, {})
        database_url = (
            cleanup.enter_context(_fresh_schema(options.database_url))
            if options.database_url
            else None
        )
        admin_key = "cc_admin_" + secrets.token_hex(24)
        api_url = f"http://127.0.0.1:{free_port()}"
        env = child_env(rpc_url, contract, data_dir, admin_key, api_url)
        env |= _worker_settings(options, database_url)
        children: list[subprocess.Popen[bytes]] = []
        cleanup.callback(_stop, children)
        port = api_url.rsplit(":", 1)[1]
        serve = ["serve", "--port", port, "--workers", str(options.api_workers)]
        children.append(_spawn(serve, env, data_dir))
        wait_for_api(api_url, children)  # as chaincred up: the API migrates, then the others
        # As chaincred up: the signer with --no-index, the event follower as its own process.
        children.append(_spawn(["worker", "--no-index", *options.worker_args], env, data_dir))
        children.append(_spawn(["worker", "--index-only"], env, data_dir, log="indexer"))
        api_key, achievement_id = bootstrap(api_url, admin_key, institution_id)
        yield Stack(
            rpc_url=rpc_url,
            w3=connect(rpc_url),
            contract=contract,
            institution_id=institution_id,
            api_url=api_url,
            api_key=api_key,
            achievement_id=achievement_id,
            data_dir=data_dir,
            database="postgresql" if database_url else "sqlite",
            pids={
                "API (chaincred serve)": children[0].pid,
                "worker (chaincred worker --no-index)": children[1].pid,
                "indexer (chaincred worker --index-only)": children[2].pid,
                **pids,
                "benchmark client": os.getpid(),
            },
        )


def _worker_settings(options: StackOptions, database_url: str | None) -> dict[str, str]:
    values = {
        "BATCH_SIZE": options.batch_size,
        "BATCH_INTERVAL": options.batch_interval,
        "CONFIRMATIONS": options.confirmations,
        "DATABASE_URL": database_url,
    }
    return {f"CHAINCRED_{k}": str(v) for k, v in values.items() if v is not None}


def _spawn(
    command: list[str], env: dict[str, str], data_dir: Path, log: str | None = None
) -> subprocess.Popen[bytes]:
    # As chaincred up's _LocalStack._spawn: own session, output into the data directory.
    with (data_dir / f"{log or command[0]}.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "chaincred.cli", *command],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in reversed(children):
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


@contextmanager
def _fresh_schema(url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for this run (dropped afterwards): the URL the children use."""
    schema = f"bench_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    scoped = f"{url}{separator}options=-csearch_path%3D{schema}"
    try:
        # Migrated here, once: the API and the worker would otherwise both create the tables
        # of the empty schema at the same moment.
        engine = create_db_engine(scoped)
        migrate(engine)
        engine.dispose()
        yield scoped
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def add_naive_signer(stack: Stack) -> str:
    """Register the naive path's key as a second signer of the stack's institution."""
    decoder = RevertDecoder(load_artifact().contract("ChainCred").abi)
    registrar = Transactor(stack.w3, Account.from_key(_REGISTRAR), decoder)
    client = RegistryClient(stack.w3, stack.contract)
    naive = Account.from_key(NAIVE_KEY).address
    client.transact(registrar, "addSigner", stack.institution_id, naive)
    return str(naive)
