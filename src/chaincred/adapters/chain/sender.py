"""The signer worker's chain port over web3.py: one local account, one registry.

Fees, nonces and gas are the worker's (FIELD-NOTES: ``build_transaction`` halves throughput);
this adapter signs, sends raw bytes and reads receipts, blocks and balances. Calldata and
revert decoding are the registry client's (:class:`RegistryClient`), gas cap the transactor's.
"""

from __future__ import annotations

from json import JSONDecodeError
from typing import Any

import requests
import rlp  # type: ignore[import-untyped]
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_address, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import (
    BadResponseFormat,
    BlockNotFound,
    ContractLogicError,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxParams

from chaincred.adapters.chain.registry import RegistryClient
from chaincred.adapters.chain.transactor import GAS_CAP
from chaincred.errors import ChainUnavailable
from chaincred.ports.pipeline import (
    BlockRef,
    Fees,
    Receipt,
    SendOutcome,
    SignedTx,
    TxRejected,
    UnsignedTx,
)

__all__ = ["Web3ChainSender", "open_web3"]

_GWEI = 10**9
_EIP1559 = 2

#: How nodes word the refusals the worker handles (geth, Anvil, Erigon, Nethermind).
_OUTCOMES: tuple[tuple[str, SendOutcome], ...] = (
    ("nonce too low", SendOutcome.NONCE_TOO_LOW),
    ("already known", SendOutcome.KNOWN),
    ("already imported", SendOutcome.KNOWN),
    ("known transaction", SendOutcome.KNOWN),
    ("underpriced", SendOutcome.UNDERPRICED),
    ("less than block base fee", SendOutcome.UNDERPRICED),
    ("fee cap less than", SendOutcome.UNDERPRICED),
    ("insufficient funds", SendOutcome.INSUFFICIENT_FUNDS),
)
#: Refusals that resending cannot cure. Any other error is taken for an outage and retried:
#: failing operations on a proxy's hiccup would lose them.
_FOR_GOOD = (
    "intrinsic gas",
    "gas limit",
    "exceeds block gas limit",
    "oversized data",
    "invalid sender",
    "invalid chain id",
    "exceeds the configured cap",
    "tx fee",
)


def open_web3(rpc_url: str, *, timeout: float) -> Web3:
    """A Web3 that fails fast: no retries inside web3 (the worker's loop backs off itself)."""
    provider = Web3.HTTPProvider(
        rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
    )
    return Web3(provider)


class Web3ChainSender:
    """Implements ``ChainSender`` (``chaincred.ports.pipeline``)."""

    gas_cap = GAS_CAP

    def __init__(
        self,
        registry: RegistryClient,
        account: LocalAccount,
        *,
        priority_fee: int = 1 * _GWEI,
        chain_id: int | None = None,
    ) -> None:
        self._registry = registry
        self._w3 = registry.w3
        self._account = account
        self._priority_fee = priority_fee
        self.address = str(account.address)
        self.contract = str(registry.address)
        self._chain_id = chain_id
        self._functions = _function_types(registry.contract.abi)

    @property
    def chain_id(self) -> int:
        """Read once, when first needed (the node may be down when the worker starts)."""
        if self._chain_id is None:
            self._chain_id = int(self._rpc(lambda: self._w3.eth.chain_id))
        return self._chain_id

    def encode(self, function: str, *args: Any) -> bytes:
        # eth_abi straight from the ABI: web3's contract layer takes ~0.25 s per 300-mint batch.
        selector, types = self._functions[function]
        return selector + abi_encode(types, [_plain(a) for a in args])

    def institution(self) -> int:
        return int(self._rpc(lambda: self._registry.call("institutionOf", self.address)))

    def estimate(self, data: bytes) -> int:
        params = self._call(data)
        try:
            return int(self._rpc(lambda: self._w3.eth.estimate_gas(params)))
        except ContractLogicError as exc:
            raise self._registry.decoder.decode(_revert_data(exc)) from exc

    def replay(self, data: bytes, block_number: int) -> Exception | None:
        params = self._call(data)
        try:
            self._rpc(lambda: self._w3.eth.call(params, block_number))
        except ContractLogicError as exc:
            return self._registry.decoder.decode(_revert_data(exc))
        return None

    def _call(self, data: bytes) -> TxParams:
        return {
            "from": to_checksum_address(self.address),
            "to": to_checksum_address(self.contract),
            "data": HexBytes(data),
        }

    def sign(self, tx: UnsignedTx) -> SignedTx:
        fields: dict[str, Any] = {
            "type": _EIP1559,
            "chainId": tx.chain_id,
            "nonce": tx.nonce,
            "to": to_checksum_address(tx.to),
            "data": HexBytes(tx.data),
            "gas": tx.gas,
            "maxFeePerGas": tx.max_fee_per_gas,
            "maxPriorityFeePerGas": tx.max_priority_fee_per_gas,
            "value": tx.value,
        }
        signed = self._account.sign_transaction(fields)
        return SignedTx(tx=tx, raw=bytes(signed.raw_transaction), tx_hash=_hex(signed.hash))

    def decode(self, raw: bytes) -> UnsignedTx:
        if not raw or raw[0] != _EIP1559:
            raise ValueError("not an EIP-1559 transaction (the worker signs only those)")
        chain_id, nonce, tip, max_fee, gas, to, value, data = rlp.decode(raw[1:])[:8]
        return UnsignedTx(
            chain_id=_int(chain_id),
            nonce=_int(nonce),
            to=to_checksum_address(bytes(to)),
            data=bytes(data),
            gas=_int(gas),
            max_fee_per_gas=_int(max_fee),
            max_priority_fee_per_gas=_int(tip),
            value=_int(value),
        )

    def send(self, raw: bytes) -> SendOutcome:
        try:
            self._rpc(lambda: self._w3.eth.send_raw_transaction(raw), refusals=True)
        except Web3RPCError as exc:
            message = _message(exc)
            for fragment, outcome in _OUTCOMES:
                if fragment in message:
                    return outcome
            if any(fragment in message for fragment in _FOR_GOOD):
                raise TxRejected(message) from exc
            raise ChainUnavailable(self._rpc_url(), f"send refused: {message}") from exc
        return SendOutcome.ACCEPTED

    def receipt(self, tx_hash: str) -> Receipt | None:
        # Raw JSON-RPC: web3's formatters take ~0.6 s over the 900 logs of a 300-mint batch.
        found = self._raw("eth_getTransactionReceipt", tx_hash)
        if found is None:
            return None
        return Receipt(
            tx_hash=str(found["transactionHash"]),
            block_number=int(found["blockNumber"], 16),
            block_hash=str(found["blockHash"]),
            succeeded=int(found["status"], 16) == 1,
            gas_used=int(found["gasUsed"], 16),
            effective_gas_price=int(found.get("effectiveGasPrice") or "0x0", 16),
        )

    def is_known(self, tx_hash: str) -> bool:
        return self._raw("eth_getTransactionByHash", tx_hash) is not None

    def head(self) -> BlockRef:
        block = self._rpc(lambda: self._w3.eth.get_block("latest"))
        return BlockRef(int(block["number"]), _hex(block["hash"]))

    def block_hash(self, number: int) -> str | None:
        try:
            block = self._rpc(lambda: self._w3.eth.get_block(number))
        except BlockNotFound:
            return None
        return _hex(block["hash"])

    def nonce(self) -> int:
        return int(
            self._rpc(lambda: self._w3.eth.get_transaction_count(self._account.address, "latest"))
        )

    def balance(self) -> int:
        return int(self._rpc(lambda: self._w3.eth.get_balance(self._account.address)))

    def fees(self) -> Fees:
        block = self._rpc(lambda: self._w3.eth.get_block("latest"))
        return Fees(base_fee=int(block.get("baseFeePerGas", 0)), priority_fee=self._priority_fee)

    def _rpc(self, call: Any, *, refusals: bool = False) -> Any:
        """Run one RPC; a node that does not answer usefully becomes ``ChainUnavailable``.
        Lookups that find nothing and reverts pass through; so do the node's JSON-RPC errors
        when ``refusals`` (``send`` reads them)."""
        try:
            return call()
        except (TransactionNotFound, BlockNotFound, ContractLogicError):
            raise
        except Web3RPCError as exc:
            if refusals:
                raise
            raise ChainUnavailable(self._rpc_url(), _message(exc)) from exc
        except (requests.RequestException, OSError, BadResponseFormat, JSONDecodeError) as exc:
            raise ChainUnavailable(self._rpc_url(), f"{type(exc).__name__}: {exc}") from exc

    def _raw(self, method: str, *params: Any) -> Any:
        answer = self._rpc(lambda: self._w3.provider.make_request(method, list(params)))  # type: ignore[arg-type]
        if not isinstance(answer, dict) or "error" in answer or "result" not in answer:
            detail = answer.get("error") if isinstance(answer, dict) else answer
            raise ChainUnavailable(self._rpc_url(), f"{method}: {detail}")
        return answer["result"]

    def _rpc_url(self) -> str:
        return str(getattr(self._w3.provider, "endpoint_uri", "the node"))


def _plain(value: Any) -> Any:
    """Addresses in lower case: eth_abi takes them so, with no keccak per address (a mixed
    case that is not a valid checksum is refused first: a typo, not an address)."""
    if isinstance(value, str) and is_address(value):
        return value.lower()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _function_types(abi: Any) -> dict[str, tuple[bytes, list[str]]]:
    """Selector and argument types of each function by name (of an overloaded one, such as
    safeTransferFrom, the last form: the worker calls none of them)."""
    functions = {}
    for entry in abi:
        if entry.get("type") == "function":
            types = [_abi_type(p) for p in entry["inputs"]]
            signature = f"{entry['name']}({','.join(types)})"
            functions[entry["name"]] = (function_signature_to_4byte_selector(signature), types)
    return functions


def _abi_type(param: Any) -> str:
    if str(param["type"]).startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){str(param['type'])[5:]}"
    return str(param["type"])


def _message(exc: Web3RPCError) -> str:
    error = exc.rpc_response.get("error") if isinstance(exc.rpc_response, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or exc).lower()


def _revert_data(exc: ContractLogicError) -> str | None:
    return exc.data if isinstance(exc.data, str) else None


def _int(field: bytes) -> int:
    return int.from_bytes(field, "big")


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()
