"""Fixtures shared by every test tier: a real Anvil on a free port, accounts named by role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chaincred.adapters.chain import connect
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess


@dataclass(frozen=True)
class Roles:
    """Anvil's development accounts, named by what they do in the tests."""

    registrar: LocalAccount
    issuer: LocalAccount
    other_issuer: LocalAccount
    learner: LocalAccount
    stranger: LocalAccount
    second_issuer: LocalAccount  # a second signing account of the issuer's institution


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilProcess]:
    with AnvilProcess() as process:
        yield process


@pytest.fixture(scope="session")
def w3(anvil: AnvilProcess) -> Web3:
    return connect(anvil.rpc_url)


@pytest.fixture(scope="session")
def roles() -> Roles:
    keys = [Account.from_key(k) for k in DEV_ACCOUNTS[:6]]
    return Roles(*keys)


@pytest.fixture
def snapshot(w3: Web3) -> Iterator[None]:
    """Run the test on a snapshot of the session chain and revert it afterwards."""
    snapshot_id = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield
    reverted = w3.provider.make_request("evm_revert", [snapshot_id])  # type: ignore[arg-type]
    assert reverted["result"] is True, reverted
