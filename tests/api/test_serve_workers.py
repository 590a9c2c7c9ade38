"""``chaincred serve --workers 2``: two API processes on one port and one database. A
possession challenge one process issued is answered at the other, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.domain import CredentialDocument
from chaincred.toolchain.anvil import AnvilProcess
from tests.api.conftest import Server, start_server
from tests.api.test_verify_api import challenge, minted, signed  # noqa: F401 - minted: a fixture
from tests.conftest import Roles
from tests.verifier.support import as_json

pytestmark = pytest.mark.chain

ROUNDS = 16


@pytest.fixture(scope="module")
def two_workers(
    anvil: AnvilProcess,
    deployed: tuple[RegistryClient, Deployment],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve-workers")
    running = start_server(
        anvil.rpc_url, deployed[1].address, folder / "serve.log", "--workers", "2",
        data_dir=str(folder / "data"),
    )  # fmt: skip
    yield running
    running.stop()


def _worker_pids(server: Server) -> set[int]:
    """The server's worker processes (multiprocessing spawns them; its resource tracker is
    another child, not a worker)."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids = {int(pid) for pid in children.read_text().split()}
    return {p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()}


def test_two_processes_serve_and_share_the_possession_challenges(
    two_workers: Server,
    minted: CredentialDocument,  # noqa: F811 - the fixture imported above
    roles: Roles,
) -> None:
    assert len(_worker_pids(two_workers)) == 2
    token_id = int(minted.token_id())
    verdicts = []
    for _ in range(ROUNDS):
        # A new connection for each request: the kernel spreads them over both processes.
        with httpx.Client(base_url=two_workers.url, timeout=60) as http:
            issued = challenge(http, token_id, roles.learner.address)
        proof = {
            "message": issued["message"],
            "signature": signed(issued["message"], roles.learner),
            "document": as_json(minted),
        }
        with httpx.Client(base_url=two_workers.url, timeout=60) as http:
            verdicts.append(http.post("/v1/verify/possession", json=proof).json()["verdict"])
        with httpx.Client(base_url=two_workers.url, timeout=60) as http:
            replay = http.post("/v1/verify/possession", json=proof).json()
        assert replay["verdict"] == "invalid"
    assert verdicts == ["valid"] * ROUNDS
