"""``ape run deploy``: deploy ChainCred from the committed artifact (what `chaincred deploy` sends).

The contract type is built from ``src/chaincred/artifacts/contracts.json`` (ABI and creation
bytecode), so ape compiles nothing. On a local network the deployer defaults to ape's first test
account (Anvil's first development account); elsewhere pass ``--account ALIAS`` (an ``ape
accounts`` alias). The registrar defaults to the deployer.

    ape run deploy                                   # local Anvil (see ape-config.yaml)
    APE_FOUNDRY_HOST=http://127.0.0.1:8546 ape run deploy --registrar 0x…
    ape run deploy --network ethereum:sepolia:node --account operator

Operators' tooling only: chaincred's package never imports ape.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import click
from ape import accounts
from ape.cli import ConnectedProviderCommand
from ape.contracts import ContractContainer
from ethpm_types import ContractType

ROOT = Path(__file__).resolve().parents[1]
ARTIFACT = ROOT / "src" / "chaincred" / "artifacts" / "contracts.json"
NPM_ANVIL_DIR = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin"

# ape-foundry 0.8.12 looks for Anvil on PATH only; this runs before ape connects.
if shutil.which("anvil") is None and (NPM_ANVIL_DIR / "anvil").is_file():
    os.environ["PATH"] = f"{NPM_ANVIL_DIR}{os.pathsep}{os.environ.get('PATH', '')}"


def chaincred_contract_type(artifact: Path = ARTIFACT) -> ContractType:
    """ChainCred's contract type from the committed artifact (ABI, creation and runtime code)."""
    entry: dict[str, Any] = json.loads(artifact.read_text("utf-8"))["contracts"]["ChainCred"]
    return ContractType.model_validate(
        {
            "contractName": "ChainCred",
            "sourceId": entry["source"],
            "abi": entry["abi"],
            "deploymentBytecode": {"bytecode": entry["bytecode"]},
            "runtimeBytecode": {"bytecode": entry["deployedBytecode"]},
        }
    )


def _deployer(alias: str | None, is_local: bool) -> Any:
    if alias is not None:
        return accounts.load(alias)
    if not is_local:
        raise click.UsageError("on a live network, name the deploying account with --account ALIAS")
    return accounts.test_accounts[0]


@click.command(
    cls=ConnectedProviderCommand, short_help="Deploy ChainCred from the committed artifact"
)
@click.option(
    "--account",
    "alias",
    metavar="ALIAS",
    help="ape account alias (default on local networks: test account 0)",
)
@click.option(
    "--registrar",
    metavar="ADDRESS",
    help="account that registers institutions (default: the deployer)",
)
def cli(network: Any, alias: str | None, registrar: str | None) -> None:
    deployer = _deployer(alias, network.is_local)
    container = ContractContainer(chaincred_contract_type())
    contract = container.deploy(registrar or deployer.address, sender=deployer)
    click.echo(contract.address)
