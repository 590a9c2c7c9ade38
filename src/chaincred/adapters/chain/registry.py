"""The ChainCred registry contract through web3.py: deployment, typed views, transactions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from chaincred.adapters.chain.reverts import RevertDecoder
from chaincred.adapters.chain.rows import credential_from_row, institution_from_row
from chaincred.adapters.chain.transactor import Transactor
from chaincred.domain.onchain import BurnAuth, CredentialRecord, InstitutionRecord, Reason
from chaincred.errors import ChainError
from chaincred.toolchain.artifact import Artifact, load_artifact

__all__ = ["Deployment", "RegistryClient", "deploy_registry"]

CONTRACT_NAME = "ChainCred"


@dataclass(frozen=True)
class Deployment:
    """Where and how the registry was deployed."""

    address: str
    chain_id: int
    tx_hash: str
    block_number: int


def deploy_registry(
    transactor: Transactor, *, registrar: str | None = None, artifact: Artifact | None = None
) -> Deployment:
    """Deploy the committed ChainCred bytecode; the registrar defaults to the deployer."""
    compiled = (artifact or load_artifact()).contract(CONTRACT_NAME)
    w3 = transactor.w3
    owner = Web3.to_checksum_address(registrar or transactor.address)
    receipt = transactor.send(None, compiled.bytecode + encode(["address"], [owner]))
    address = receipt["contractAddress"]
    if address is None:
        raise ChainError("the deployment receipt names no contract address")
    return Deployment(
        address=str(address),
        chain_id=int(w3.eth.chain_id),
        tx_hash="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
        block_number=int(receipt["blockNumber"]),
    )


class RegistryClient:
    """Typed access to one deployed registry. Reverts surface as ``ContractReverted``."""

    def __init__(self, w3: Web3, address: str, *, artifact: Artifact | None = None) -> None:
        compiled = (artifact or load_artifact()).contract(CONTRACT_NAME)
        self.w3 = w3
        self.address = Web3.to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(address=self.address, abi=compiled.abi)
        self.decoder = RevertDecoder(compiled.abi)

    # ------------------------------------------------------------------ views

    def call(self, function: str, *args: Any) -> Any:
        """Call a view; a revert raises the decoded custom error."""
        try:
            return self.contract.functions[function](*args).call()
        except ContractLogicError as exc:
            raise self.decoder.decode(exc.data if isinstance(exc.data, str) else None) from exc

    def credential(self, token_id: int) -> CredentialRecord:
        return credential_from_row(token_id, self.call("credential", token_id))

    def credentials(self, token_ids: Sequence[int]) -> list[CredentialRecord]:
        rows = self.call("credentials", list(token_ids))
        return [credential_from_row(t, row) for t, row in zip(token_ids, rows, strict=True)]

    def institution(self, institution_id: int) -> InstitutionRecord:
        return institution_from_row(institution_id, self.call("institution", institution_id))

    def token_uri(self, token_id: int) -> str:
        return str(self.call("tokenURI", token_id))

    # ------------------------------------------------------------------ transactions

    def encode(self, function: str, *args: Any) -> bytes:
        encoded = self.contract.functions[function](*args)._encode_transaction_data()
        return bytes.fromhex(encoded.removeprefix("0x"))

    def transact(self, transactor: Transactor, function: str, *args: Any) -> TxReceipt:
        """Send ``function(*args)`` from the transactor's account and wait for the receipt."""
        return transactor.send(self.address, self.encode(function, *args))

    def register_institution(
        self, transactor: Transactor, metadata_digest: bytes, signers: Sequence[str]
    ) -> int:
        """Register an institution (registrar only) and return its new id."""
        receipt = self.transact(
            transactor,
            "registerInstitution",
            metadata_digest,
            [Web3.to_checksum_address(s) for s in signers],
        )
        (event,) = self.contract.events.InstitutionRegistered().process_receipt(
            receipt, errors=DISCARD
        )
        return int(event["args"]["institutionId"])

    def mint(
        self,
        transactor: Transactor,
        to: str,
        token_id: int,
        burn_auth: BurnAuth = BurnAuth.OWNER_ONLY,
    ) -> TxReceipt:
        return self.transact(
            transactor, "mint", Web3.to_checksum_address(to), token_id, int(burn_auth)
        )

    def mint_batch(
        self,
        transactor: Transactor,
        recipients: Sequence[str],
        token_ids: Sequence[int],
        burn_auth: BurnAuth = BurnAuth.OWNER_ONLY,
    ) -> TxReceipt:
        to = [Web3.to_checksum_address(r) for r in recipients]
        return self.transact(transactor, "mintBatch", to, list(token_ids), int(burn_auth))

    def revoke(self, transactor: Transactor, token_id: int, reason: Reason) -> TxReceipt:
        return self.transact(transactor, "revoke", token_id, int(reason))
