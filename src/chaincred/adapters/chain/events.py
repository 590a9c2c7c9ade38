"""The registry's events through ``eth_getLogs``, decoded for the indexer (``EventSource``)."""

from __future__ import annotations

from collections.abc import Sequence
from json import JSONDecodeError
from typing import Any

import requests
from eth_utils.abi import event_abi_to_log_topic
from web3.exceptions import BadResponseFormat, BlockNotFound, Web3RPCError

from chaincred.adapters.chain.registry import RegistryClient
from chaincred.domain.onchain import Reason
from chaincred.errors import ChainUnavailable
from chaincred.ports.indexing import LogRangeTooLarge, RegistryEvent
from chaincred.ports.pipeline import BlockRef

__all__ = ["Web3EventSource"]

#: The events that change what the database records about credentials and institutions.
_FOLLOWED = (
    "InstitutionRegistered",
    "Issued",
    "CredentialRevoked",
    "CredentialSuspended",
    "CredentialReinstated",
    "CredentialSuperseded",
    "Transfer",  # to the zero address: a burn
)
_ZERO = "0x" + "0" * 40
#: Token ids per ``credentials`` view call (an eth_call has a gas allowance too).
_VIEW_CHUNK = 500
#: How nodes say that a log query is too wide (geth, Erigon, Alchemy, Infura, QuickNode).
_TOO_LARGE = ("more than", "too many", "range", "limit exceeded", "block range", "10000")


class Web3EventSource:
    """Implements ``EventSource`` for one registry."""

    def __init__(self, registry: RegistryClient) -> None:
        self._registry = registry
        self._w3 = registry.w3
        self.contract = str(registry.address)
        abi: list[dict[str, Any]] = list(registry.contract.abi)  # type: ignore[arg-type]
        self._by_topic: dict[bytes, str] = {
            event_abi_to_log_topic(entry): str(entry["name"])  # type: ignore[arg-type]
            for entry in abi
            if entry.get("type") == "event" and entry["name"] in _FOLLOWED
        }

    def head(self) -> BlockRef:
        block = self._rpc(lambda: self._w3.eth.get_block("latest"))
        return BlockRef(int(block["number"]), "0x" + bytes(block["hash"]).hex())

    def block_hash(self, number: int) -> str | None:
        try:
            block = self._rpc(lambda: self._w3.eth.get_block(number))
        except BlockNotFound:
            return None
        return "0x" + bytes(block["hash"]).hex()

    def events(self, first: int, last: int) -> list[RegistryEvent]:
        query: Any = {
            "address": self.contract,
            "fromBlock": first,
            "toBlock": last,
            "topics": [["0x" + t.hex() for t in self._by_topic]],
        }
        try:
            logs = self._w3.eth.get_logs(query)
        except Web3RPCError as exc:
            message = str(exc).lower()
            if any(fragment in message for fragment in _TOO_LARGE):
                raise LogRangeTooLarge(first, last, message) from exc
            raise ChainUnavailable(self._url(), message) from exc
        except (requests.RequestException, OSError, BadResponseFormat, JSONDecodeError) as exc:
            raise ChainUnavailable(self._url(), f"{type(exc).__name__}: {exc}") from exc
        decoded = (self._decode(log) for log in logs if not log.get("removed"))
        return sorted(
            (e for e in decoded if e is not None), key=lambda e: (e.block_number, e.log_index)
        )

    def institutions_of(self, token_ids: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for i in range(0, len(token_ids), _VIEW_CHUNK):
            chunk = list(token_ids[i : i + _VIEW_CHUNK])
            view = self._registry.contract.functions.credentials(chunk)
            rows = self._rpc(lambda view=view: view.call(block_identifier="latest"))
            found.update({token: int(row[1]) for token, row in zip(chunk, rows, strict=True)})
        return found

    def _decode(self, log: Any) -> RegistryEvent | None:
        name = self._by_topic.get(bytes(log["topics"][0]))
        if name is None:
            return None
        args = self._registry.contract.events[name]().process_log(log)["args"]
        at = (int(log["blockNumber"]), int(log["logIndex"]))
        if name == "Transfer":
            if str(args["to"]).lower() != _ZERO:
                return None  # a mint: its Issued event says more
            return RegistryEvent("Burned", *at, token_id=int(args["tokenId"]))
        if name == "InstitutionRegistered":
            return RegistryEvent(
                name,
                *at,
                institution_id=int(args["institutionId"]),
                metadata_digest=bytes(args["metadataDigest"]),
            )
        if name == "Issued":
            return RegistryEvent(name, *at, token_id=int(args["tokenId"]), account=str(args["to"]))
        if name == "CredentialSuperseded":
            return RegistryEvent(
                name, *at, token_id=int(args["tokenId"]), successor=int(args["successorId"])
            )
        reason = Reason(int(args["reason"])) if "reason" in args else None
        return RegistryEvent(name, *at, token_id=int(args["tokenId"]), reason=reason)

    def _rpc(self, call: Any) -> Any:
        try:
            return call()
        except BlockNotFound:
            raise
        except (
            Web3RPCError,
            requests.RequestException,
            OSError,
            BadResponseFormat,
            JSONDecodeError,
        ) as exc:
            raise ChainUnavailable(self._url(), f"{type(exc).__name__}: {exc}") from exc

    def _url(self) -> str:
        return str(getattr(self._w3.provider, "endpoint_uri", "the node"))
