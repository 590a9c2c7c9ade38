"""The web pages over real HTTP: the app (API and pages) under uvicorn in a thread on a free
port, on the session Anvil and registry, with a SQLite file. The database variants are the
issuer API's business (tests/api/issuer); the pages only read and call the same services.

``site`` is shared by every page test; each test makes its own institution (``tenant``), so
tests do not see each other's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.toolchain.anvil import AnvilProcess
from tests.api.issuer.conftest import IssuerServer, Tenant, new_tenant, serve
from tests.contracts.conftest import (  # noqa: F401 - fixtures, re-exported for this tier
    Registry,
    deployed,
    funded_roles,
    registry,
)


@pytest.fixture(scope="session")
def site(
    anvil: AnvilProcess,
    deployed: tuple[RegistryClient, Deployment],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[IssuerServer]:
    folder = tmp_path_factory.mktemp("web-sqlite")
    yield from serve("sqlite", folder, anvil.rpc_url, deployed[1].address, verifier_dev_key=True)


@pytest.fixture
def tenant(site: IssuerServer) -> Iterator[Tenant]:
    yield from new_tenant(site)
