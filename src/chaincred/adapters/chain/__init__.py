"""The chain adapter: web3.py against the ChainCred registry, signing locally with eth-account."""

from chaincred.adapters.chain.registry import Deployment, RegistryClient, deploy_registry
from chaincred.adapters.chain.reverts import RevertDecoder
from chaincred.adapters.chain.transactor import GAS_CAP, Transactor, connect

__all__ = [
    "GAS_CAP",
    "Deployment",
    "RegistryClient",
    "RevertDecoder",
    "Transactor",
    "connect",
    "deploy_registry",
]
