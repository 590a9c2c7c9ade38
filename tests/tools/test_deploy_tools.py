"""`chaincred deploy` and `ape run deploy` put the same committed bytecode on a real Anvil.

Each command runs as a subprocess, as an operator would run it, against an Anvil of this module
(so the session chain's nonces stay untouched). The code at the deployed address is compared
byte for byte with the artifact's runtime bytecode (ChainCred has no immutables, so deployed
code does not depend on constructor arguments).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from chaincred.adapters.chain import connect
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess

pytestmark = [pytest.mark.tools, pytest.mark.chain]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACT = json.loads((ROOT / "src/chaincred/artifacts/contracts.json").read_text("utf-8"))
RUNTIME = bytes.fromhex(ARTIFACT["contracts"]["ChainCred"]["deployedBytecode"].removeprefix("0x"))
REGISTRAR_SELECTOR = Web3.keccak(text="registrar()")[:4]
DEPLOYER = Account.from_key(DEV_ACCOUNTS[0]).address


@pytest.fixture(scope="module")
def chain() -> Iterator[AnvilProcess]:
    with AnvilProcess() as process:
        yield process


@pytest.fixture(scope="module")
def web3(chain: AnvilProcess) -> Web3:
    return connect(chain.rpc_url)


def run(
    args: list[str], *, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout, check=False
    )


def chaincred(*args: str) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "chaincred"), *args])


def registrar_of(web3: Web3, address: str) -> str:
    raw = web3.eth.call({"to": Web3.to_checksum_address(address), "data": REGISTRAR_SELECTOR})
    return Web3.to_checksum_address(raw[-20:])


def assert_is_chaincred(web3: Web3, address: str) -> None:
    code = bytes(web3.eth.get_code(Web3.to_checksum_address(address)))
    assert len(code) == len(RUNTIME)
    assert code == RUNTIME


def test_chaincred_deploy_dev_json(chain: AnvilProcess, web3: Web3) -> None:
    done = chaincred("deploy", "--rpc", chain.rpc_url, "--dev", "--json")

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"address", "chain_id", "tx_hash"}
    assert out["chain_id"] == chain.chain_id == web3.eth.chain_id
    receipt = web3.eth.get_transaction_receipt(out["tx_hash"])
    assert receipt["status"] == 1
    assert receipt["contractAddress"] == Web3.to_checksum_address(out["address"])
    assert_is_chaincred(web3, out["address"])
    assert registrar_of(web3, out["address"]) == DEPLOYER


def test_ape_run_deploy(chain: AnvilProcess, web3: Web3, tmp_path: Path) -> None:
    registrar = Account.create().address
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # ape-foundry connects to this running Anvil instead of starting its own on 8545.
        "APE_FOUNDRY_HOST": chain.rpc_url,
        "APE_DATA_FOLDER": str(tmp_path / "ape"),
    }
    done = run(
        [
            str(BIN / "ape"),
            "run",
            "deploy",
            "--network",
            "ethereum:local:foundry",
            "--registrar",
            registrar,
        ],
        env=env,
        timeout=60,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    address = done.stdout.strip().splitlines()[-1]
    assert Web3.is_checksum_address(address), done.stdout
    assert_is_chaincred(web3, address)
    assert registrar_of(web3, address) == registrar


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A keystore of Anvil's third development account (funded), with its password file."""
    folder = tmp_path_factory.mktemp("keystore")
    account = Account.from_key(DEV_ACCOUNTS[2])
    path = folder / "deployer.json"
    # scrypt at n=2^14 instead of eth-account's 2^18: the same format, a second less per decrypt.
    encrypted = Account.encrypt(account.key, "correct horse", kdf="scrypt", iterations=2**14)
    path.write_text(json.dumps(encrypted), "utf-8")
    password = folder / "password.txt"
    password.write_text("correct horse\n", "utf-8")
    return path, password, account.address


def test_chaincred_deploy_with_keystore(
    chain: AnvilProcess, web3: Web3, keystore: tuple[Path, Path, str]
) -> None:
    path, password, address = keystore

    done = chaincred(
        "deploy",
        "--rpc",
        chain.rpc_url,
        "--keystore",
        str(path),
        "--password-file",
        str(password),
        "--json",
    )

    assert done.returncode == 0, done.stderr
    deployed = json.loads(done.stdout)["address"]
    assert_is_chaincred(web3, deployed)
    assert registrar_of(web3, deployed) == address


def test_chaincred_deploy_wrong_password(
    chain: AnvilProcess, keystore: tuple[Path, Path, str], tmp_path: Path
) -> None:
    path, _, _ = keystore
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("battery staple\n", "utf-8")

    done = chaincred(
        "deploy", "--rpc", chain.rpc_url, "--keystore", str(path), "--password-file", str(wrong)
    )

    assert done.returncode == 2
    assert "wrong password" in done.stderr
    assert done.stdout == ""


def test_chaincred_deploy_missing_keystore(chain: AnvilProcess, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"

    done = chaincred(
        "deploy",
        "--rpc",
        chain.rpc_url,
        "--keystore",
        str(missing),
        "--password-file",
        str(missing),
    )

    assert done.returncode == 2
    assert "cannot read the keystore" in done.stderr
    assert str(missing) in done.stderr


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_chaincred_package_never_imports_ape() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imported_modules(path) if n == "ape" or n.startswith("ape_")
        )
        for path in (ROOT / "src/chaincred").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
