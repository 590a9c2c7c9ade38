"""The issuer API over real HTTP: the app under uvicorn in a thread on a free port, on the
session Anvil and registry, once against a SQLite file and once against a PostgreSQL schema
(when CHAINCRED_TEST_DATABASE_URL is set). Each test gets institutions of its own, so tests
share a server without seeing each other's data; ``server.db`` reads the committed rows and
plays the transaction pipeline."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.adapters.db import create_db_engine
from chaincred.api import create_app
from chaincred.demo import DEMO_ACHIEVEMENT
from chaincred.settings import Settings, load_settings
from chaincred.toolchain.anvil import AnvilProcess, free_port
from tests.adapters.db.repository_support import DbPipeline, database_url

ADMIN_KEY = "admin-" + secrets.token_urlsafe(16)
LEARNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_LEARNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"

#: The achievement tenants define (the demo's CMF-conforming one; change it with ``|``).
ACHIEVEMENT: dict[str, Any] = DEMO_ACHIEVEMENT

_INSTITUTION_IDS = itertools.count(100)


class ThreadedServer:
    """uvicorn serving ``app`` from a thread (signals stay with the main thread)."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start (see the log above)")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass
class IssuerServer:
    url: str
    kind: str
    settings: Settings
    db: DbPipeline

    def client(self, key: str | None = ADMIN_KEY, **headers: str) -> httpx.Client:
        auth = {"Authorization": f"Bearer {key}"} if key is not None else {}
        return httpx.Client(base_url=self.url, timeout=120, headers=auth | headers)


def serve(
    kind: str,
    folder: Path,
    rpc_url: str,
    contract: str,
    **overrides: Any,
) -> Iterator[IssuerServer]:
    """A running issuer API on a fresh database of ``kind``."""
    port = free_port()
    with database_url(kind, folder) as url:
        given: dict[str, Any] = {
            "rpc_url": rpc_url,
            "contract": contract,
            "data_dir": folder / "data",
            "database_url": url,
            "admin_key": ADMIN_KEY,
            "signer_dev_key": True,
            "public_url": f"http://127.0.0.1:{port}",
        }
        settings = load_settings(**(given | overrides))
        with ThreadedServer(create_app(settings), port):
            engine = create_db_engine(url)
            try:
                yield IssuerServer(f"http://127.0.0.1:{port}", kind, settings, DbPipeline(engine))
            finally:
                engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest,
    anvil: AnvilProcess,
    deployed: tuple[RegistryClient, Deployment],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[IssuerServer]:
    folder = tmp_path_factory.mktemp(f"issuer-{request.param}")
    yield from serve(request.param, folder, anvil.rpc_url, deployed[1].address)


@dataclass
class Tenant:
    """One institution of the server, with a key of every scope."""

    server: IssuerServer
    id: int
    key: str
    http: httpx.Client

    def new_key(self, *scopes: str) -> dict[str, Any]:
        """A new key of the institution (the administrator's answer: id, key, scopes…)."""
        with self.server.client() as admin:
            answer = admin.post(f"/v1/institutions/{self.id}/keys", json={"scopes": list(scopes)})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def key_with(self, *scopes: str) -> httpx.Client:
        return self.server.client(self.new_key(*scopes)["key"])

    def achievement(self, **changes: Any) -> str:
        answer = self.http.post("/v1/achievements", json=ACHIEVEMENT | changes)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def issue(
        self, achievement_id: str, /, key: str | None = None, **changes: Any
    ) -> httpx.Response:
        body = {
            "achievement_id": achievement_id,
            "recipient": LEARNER,
            "claims": {"name": "Ada Lovelace", "student_id": "s-1815"},
        }
        headers = {"Idempotency-Key": key or secrets.token_hex(8)}
        return self.http.post("/v1/credentials", json=body | changes, headers=headers)

    def issued(self, achievement_id: str, /, **changes: Any) -> dict[str, Any]:
        answer = self.issue(achievement_id, **changes)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())


def new_tenant(server: IssuerServer, name: str = "Test University") -> Iterator[Tenant]:
    institution_id = next(_INSTITUTION_IDS)
    with server.client() as admin:
        created = admin.post("/v1/institutions", json={"id": institution_id, "name": name})
        assert created.status_code == 201, created.text
        key = admin.post(
            f"/v1/institutions/{institution_id}/keys", json={"scopes": ["issue", "revoke", "read"]}
        )
        assert key.status_code == 201, key.text
    with server.client(key.json()["key"]) as http:
        yield Tenant(server, institution_id, key.json()["key"], http)


@pytest.fixture
def tenant(server: IssuerServer) -> Iterator[Tenant]:
    yield from new_tenant(server)


@pytest.fixture
def other(server: IssuerServer) -> Iterator[Tenant]:
    """Another institution on the same server."""
    yield from new_tenant(server, "Other College")


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """The problem+json body of ``response``, after checking its status and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:chaincred:problem:{slug}", body
    assert body["status"] == status
    return body
