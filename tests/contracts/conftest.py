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


@pytest.fixture(scope="session", autouse=True)
def funded_roles(w3: Web3, roles: Roles) -> None:
    """Give every role ether, whether or not Anvil funded its key at genesis.

    ``DEV_ACCOUNTS[4]`` (the stranger) differs from Anvil's fifth mnemonic key in its last
    bytes, so Anvil never funded that address; without this, any transaction the stranger
    sends successfully (e.g. accepting the registrar role) fails with "insufficient funds".
    Session-scoped and taken before the per-test snapshot, so every test starts funded.
    """
    for account in (
        roles.registrar,
        roles.issuer,
        roles.second_issuer,
        roles.other_issuer,
        roles.learner,
        roles.stranger,
    ):
        if w3.eth.get_balance(account.address) == 0:
            w3.provider.make_request("anvil_setBalance", [account.address, hex(10**22)])  # type: ignore[arg-type]
