"""Verifier fixtures: the session registry (from the contract tests) with a snapshot per test,
a batched reader on it, documents anchored on it, and a fault-injecting proxy in front of the
session Anvil."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.adapters.chain.reader import RpcReader
from chaincred.domain import CredentialDocument
from chaincred.toolchain.anvil import AnvilProcess
from tests.conftest import Roles
from tests.contracts.conftest import (  # noqa: F401 - fixtures, re-exported for this tier
    Registry,
    deployed,
    funded_roles,
    registry,
)
from tests.verifier.faultproxy import FaultProxy
from tests.verifier.support import Issue, make_document


@pytest.fixture
def contract(deployed: tuple[RegistryClient, Deployment]) -> str:  # noqa: F811
    return deployed[1].address


@pytest.fixture
def reader(anvil: AnvilProcess, contract: str) -> Iterator[RpcReader]:
    chain = RpcReader(anvil.rpc_url, contract, timeout=5.0)
    yield chain
    chain.close()


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


@pytest.fixture(scope="session")
def fault_proxy_server(anvil: AnvilProcess) -> Iterator[FaultProxy]:
    with FaultProxy(anvil.rpc_url) as proxy:
        yield proxy


@pytest.fixture
def proxy(fault_proxy_server: FaultProxy) -> Iterator[FaultProxy]:
    """The session proxy, passing everything through until the test breaks it."""
    fault_proxy_server.reset()
    yield fault_proxy_server
    fault_proxy_server.reset()
