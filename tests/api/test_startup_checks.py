"""The API refuses to start against the wrong chain or a contract that is not ChainCred, and
says which setting to fix; a node that is down does not stop it."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from chaincred.adapters.chain import Deployment, RegistryClient, RevertDecoder, Transactor
from chaincred.api import create_app
from chaincred.errors import ConfigurationError
from chaincred.settings import load_settings
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact

pytestmark = pytest.mark.chain


def _start(tmp_path: Path, **overrides: object) -> None:
    settings = load_settings(data_dir=tmp_path, **overrides)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code in (200, 503)


@pytest.fixture
def baseline_address(w3: object, snapshot: None) -> str:
    """Some other contract: the gas benchmark's OpenZeppelin baseline."""
    baseline = load_artifact().contract("BaselineCredential")
    sender = Transactor(w3, Account.from_key(DEV_ACCOUNTS[7]), RevertDecoder(baseline.abi))  # type: ignore[arg-type]
    return str(sender.send(None, baseline.bytecode)["contractAddress"])


def test_the_right_chain_and_contract_start(
    tmp_path: Path, anvil: AnvilProcess, deployed: tuple[RegistryClient, Deployment]
) -> None:
    _start(tmp_path, rpc_url=anvil.rpc_url, contract=deployed[1].address, chain_id=31337)


def test_a_wrong_chain_id_is_refused(
    tmp_path: Path, anvil: AnvilProcess, deployed: tuple[RegistryClient, Deployment]
) -> None:
    with pytest.raises(ConfigurationError, match=r"CHAINCRED_CHAIN_ID is 1 but .* chain 31337"):
        _start(tmp_path, rpc_url=anvil.rpc_url, contract=deployed[1].address, chain_id=1)


def test_an_address_without_code_is_refused(tmp_path: Path, anvil: AnvilProcess) -> None:
    with pytest.raises(ConfigurationError, match="there is no contract at CHAINCRED_CONTRACT"):
        _start(tmp_path, rpc_url=anvil.rpc_url, contract="0x" + "12" * 20)


def test_another_contract_is_refused_unless_allowed(
    tmp_path: Path, anvil: AnvilProcess, baseline_address: str
) -> None:
    with pytest.raises(ConfigurationError, match="is not this version's ChainCred"):
        _start(tmp_path / "a", rpc_url=anvil.rpc_url, contract=baseline_address)
    _start(
        tmp_path / "b", rpc_url=anvil.rpc_url, contract=baseline_address, check_contract_code=False
    )


def test_a_node_that_is_down_does_not_stop_the_service(tmp_path: Path) -> None:
    _start(tmp_path, rpc_url="http://127.0.0.1:9", contract="0x" + "12" * 20, rpc_timeout=0.5)
