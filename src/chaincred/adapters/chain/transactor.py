"""Sending transactions signed locally, with a local nonce counter and explicit fees.

FIELD-NOTES: ``build_transaction`` costs three RPCs per send and halves throughput; a local
nonce counter under one lock is also what keeps concurrent senders from replacing each other.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import TxParams, TxReceipt

from chaincred.adapters.chain.reverts import RevertDecoder
from chaincred.errors import ChainUnavailable, ContractReverted, GasCapExceeded

__all__ = ["GAS_CAP", "Transactor", "connect"]

#: EIP-7825 per-transaction gas cap (live since Fusaka). Anvil does not enforce it by
#: default, so the transactor does.
GAS_CAP = 2**24

_GWEI = 10**9


def connect(rpc_url: str, *, timeout: float = 10.0) -> Web3:
    """A Web3 on ``rpc_url`` that has answered once; ``ChainUnavailable`` otherwise."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    try:
        w3.eth.chain_id  # noqa: B018 - the first request proves the endpoint answers
    except (requests.RequestException, Web3RPCError, ValueError) as exc:
        raise ChainUnavailable(rpc_url, str(exc)) from exc
    return w3


class Transactor:
    """Signs and sends the transactions of one account, one at a time, in nonce order."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        decoder: RevertDecoder,
        *,
        gas_margin: float = 1.25,
        priority_fee: int = 1 * _GWEI,
        receipt_timeout: float = 120.0,
    ) -> None:
        self.w3 = w3
        self.account = account
        self._decoder = decoder
        self._gas_margin = gas_margin
        self._priority_fee = priority_fee
        self._receipt_timeout = receipt_timeout
        self._nonce: int | None = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return str(self.account.address)

    def estimate(self, to: str | None, data: bytes) -> int:
        """Gas for the call, or the decoded revert as ``ContractReverted``."""
        params: TxParams = {"from": self.account.address, "data": HexBytes(data)}
        if to is not None:
            params["to"] = Web3.to_checksum_address(to)
        try:
            return int(self.w3.eth.estimate_gas(params))
        except ContractLogicError as exc:
            raise self._decoder.decode(exc.data if isinstance(exc.data, str) else None) from exc

    def send(self, to: str | None, data: bytes, *, gas: int | None = None) -> TxReceipt:
        """Sign, send and wait for the receipt; a reverted receipt raises ``ContractReverted``."""
        needed = gas if gas is not None else self.estimate(to, data)
        if needed > GAS_CAP:
            raise GasCapExceeded(needed, GAS_CAP)
        limit = gas if gas is not None else min(int(needed * self._gas_margin), GAS_CAP)
        with self._lock:
            tx = self._build(to, data, limit)
            signed = self.account.sign_transaction(tx)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            self._nonce = int(tx["nonce"]) + 1
        receipt = self.w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=self._receipt_timeout, poll_latency=0.02
        )
        if receipt["status"] != 1:
            raise self._replay_revert(to, data, receipt)
        return receipt

    def _build(self, to: str | None, data: bytes, gas: int) -> dict[str, Any]:
        if self._nonce is None:
            self._nonce = self.w3.eth.get_transaction_count(self.account.address, "pending")
        base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
        tx: dict[str, Any] = {
            "chainId": self.w3.eth.chain_id,
            "nonce": self._nonce,
            "gas": gas,
            "maxPriorityFeePerGas": self._priority_fee,
            "maxFeePerGas": 2 * base_fee + self._priority_fee,
            "data": HexBytes(data),
            "value": 0,
        }
        if to is not None:
            tx["to"] = Web3.to_checksum_address(to)
        return tx

    def _replay_revert(self, to: str | None, data: bytes, receipt: TxReceipt) -> ContractReverted:
        try:
            self.w3.eth.call(
                {"from": self.account.address, "to": to, "data": HexBytes(data)},  # type: ignore[typeddict-item]
                receipt["blockNumber"] - 1,
            )
        except ContractLogicError as exc:
            return self._decoder.decode(exc.data if isinstance(exc.data, str) else None)
        return ContractReverted("UnknownRevert", (receipt["transactionHash"].hex(),))
