"""A ChainCred registry deployed once per session, two institutions registered, and a fresh
snapshot for every test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from web3 import Web3

from chaincred.adapters.chain import Deployment, RegistryClient, Transactor, deploy_registry
from tests.conftest import Roles

ISSUER_INSTITUTION = 1
OTHER_INSTITUTION = 2


@dataclass
class Registry:
    """The deployed registry with one transactor per role (fresh nonces each test)."""

    client: RegistryClient
    deployment: Deployment
    registrar: Transactor
    issuer: Transactor
    second_issuer: Transactor
    other_issuer: Transactor
    learner: Transactor
    stranger: Transactor

    @property
    def w3(self) -> Web3:
        return self.client.w3


def new_digest() -> int:
    """A random non-zero 256-bit token id, as a credential digest would be."""
    return int.from_bytes(secrets.token_bytes(32), "big") | 1


def fresh_holder() -> str:
    """An address that has never held anything (a cold balance slot)."""
    return str(Account.create().address)


@pytest.fixture(scope="session")
def deployed(w3: Web3, roles: Roles) -> tuple[RegistryClient, Deployment]:
    from chaincred.adapters.chain import RevertDecoder
    from chaincred.toolchain.artifact import load_artifact

    decoder = RevertDecoder(load_artifact().contract("ChainCred").abi)
    registrar = Transactor(w3, roles.registrar, decoder)
    deployment = deploy_registry(registrar)
    client = RegistryClient(w3, deployment.address)
    first = client.register_institution(
        registrar, b"\x01" * 32, [roles.issuer.address, roles.second_issuer.address]
    )
    second = client.register_institution(registrar, b"\x02" * 32, [roles.other_issuer.address])
    assert (first, second) == (ISSUER_INSTITUTION, OTHER_INSTITUTION)
    return client, deployment


@pytest.fixture
def registry(
    w3: Web3, roles: Roles, deployed: tuple[RegistryClient, Deployment], snapshot: None
) -> Iterator[Registry]:
    client, deployment = deployed

    def tx(account: object) -> Transactor:
        return Transactor(w3, account, client.decoder)  # type: ignore[arg-type]

    yield Registry(
        client=client,
        deployment=deployment,
        registrar=tx(roles.registrar),
        issuer=tx(roles.issuer),
        second_issuer=tx(roles.second_issuer),
        other_issuer=tx(roles.other_issuer),
        learner=tx(roles.learner),
        stranger=tx(roles.stranger),
    )
