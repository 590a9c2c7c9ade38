"""The API over real HTTP: ``chaincred serve`` as a subprocess on a free port, against the
session Anvil and the deployed registry; tests talk to it with httpx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.domain import CredentialDocument
from chaincred.toolchain.anvil import AnvilProcess, free_port
from tests.conftest import Roles
from tests.contracts.conftest import (  # noqa: F401 - fixtures, re-exported for this tier
    Registry,
    deployed,
    funded_roles,
    registry,
)
from tests.verifier.faultproxy import FaultProxy
from tests.verifier.support import Issue, make_document

CHAINCRED = Path(sys.executable).parent / "chaincred"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_server(rpc_url: str, contract: str, log: Path, *args: str, **env: str) -> Server:
    """``chaincred serve`` (with ``args``) with a clean CHAINCRED_* environment plus ``env``."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHAINCRED_")}
    environment |= {f"CHAINCRED_{k.upper()}": v for k, v in env.items()}
    handle = log.open("wb")
    command = [str(CHAINCRED), "serve", "--port", str(port), "--rpc", rpc_url]
    process = subprocess.Popen(
        [*command, "--contract", contract, *args],
        env=environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chaincred serve exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{server.url}/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"chaincred serve did not answer in 30 s: {log.read_text()}")


@pytest.fixture(scope="session")
def server(
    anvil: AnvilProcess,
    deployed: tuple[RegistryClient, Deployment],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    running = start_server(anvil.rpc_url, deployed[1].address, log, verifier_dev_key="true")
    yield running
    running.stop()


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def broken_server(
    anvil: AnvilProcess,
    deployed: tuple[RegistryClient, Deployment],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """A server whose RPC answers 502 Bad Gateway to everything, and with no receipt key."""
    log = tmp_path_factory.mktemp("serve-broken") / "serve.log"
    with FaultProxy(anvil.rpc_url, fault="http_502") as proxy:
        running = start_server(proxy.url, deployed[1].address, log)
        yield running
        running.stop()


@pytest.fixture
def issue(registry: Registry, roles: Roles) -> Issue:  # noqa: F811
    """``issue(**changes)``: a fresh document of the issuer's institution for the learner,
    anchored on the session registry (not minted)."""

    def build(**changes: Any) -> CredentialDocument:
        arguments: dict[str, Any] = {
            "contract": registry.client.address,
            "recipient": roles.learner.address,
        }
        return make_document(**(arguments | changes))

    return build
