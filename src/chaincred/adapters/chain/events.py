"""The registry's events through ``eth_getLogs``, decoded for the indexer (``EventSource``)."""

from __future__ import annotations

from collections.abc import Sequence
from json import JSONDecodeError
from typing import Any

import requests
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.address import to_checksum_address
from web3.exceptions import BadResponseFormat, BlockNotFound, Web3RPCError
from web3.types import RPCEndpoint

from chaincred.adapters.chain.registry import RegistryClient
from chaincred.adapters.chain.rows import decode_credentials
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
        query = {
            "address": self.contract,
            "fromBlock": hex(first),
            "toBlock": hex(last),
            "topics": [["0x" + t.hex() for t in self._by_topic]],
        }
        # Raw JSON-RPC and hand decoding: web3's log formatters and process_log cost more CPU
        # than the rest of the indexer (docs/benchmarks.md, issuance section).
        answer = self._rpc(
            lambda: self._w3.provider.make_request(RPCEndpoint("eth_getLogs"), [query])
        )
        if "error" in answer:
            message = str(answer["error"]).lower()
            if any(fragment in message for fragment in _TOO_LARGE):
                raise LogRangeTooLarge(first, last, message)
            raise ChainUnavailable(self._url(), message)
        logs = answer.get("result")
        if not isinstance(logs, list):
            raise ChainUnavailable(self._url(), f"eth_getLogs answered {str(logs)[:80]!r}")
        try:
            decoded = [self._decode(log) for log in logs if not log.get("removed")]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ChainUnavailable(self._url(), f"malformed log ({exc})") from exc
        return sorted(
            (e for e in decoded if e is not None), key=lambda e: (e.block_number, e.log_index)
        )

    def institutions_of(self, token_ids: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for i in range(0, len(token_ids), _VIEW_CHUNK):
            chunk = list(token_ids[i : i + _VIEW_CHUNK])
            call = {
                "to": self.contract,
                "data": "0x" + self._registry.encode("credentials", chunk).hex(),
            }
            answer = self._rpc(
                lambda call=call: self._w3.provider.make_request(
                    RPCEndpoint("eth_call"), [call, "latest"]
                )
            )
            try:
                records = decode_credentials(chunk, bytes.fromhex(str(answer["result"])[2:]))
            except (KeyError, ValueError) as exc:
                raise ChainUnavailable(
                    self._url(), f"credentials view: {answer.get('error', exc)}"
                ) from exc
            found.update({record.token_id: record.institution_id for record in records})
        return found

    def _decode(self, log: dict[str, Any]) -> RegistryEvent | None:
        """One raw log (hex strings). Every followed event keeps its ids in indexed topics;
        the data holds at most one static word (a reason or a digest)."""
        topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
        name = self._by_topic.get(topics[0])
        if name is None:
            return None
        data = bytes.fromhex(log["data"][2:])
        at = (int(log["blockNumber"], 16), int(log["logIndex"], 16))
        word = [int.from_bytes(t, "big") for t in topics[1:]]
        match name:
            case "Transfer":  # (from, to, tokenId); a mint's Issued event says more
                return RegistryEvent("Burned", *at, token_id=word[2]) if word[1] == 0 else None
            case "InstitutionRegistered":  # (institutionId; metadataDigest)
                return RegistryEvent(name, *at, institution_id=word[0], metadata_digest=data[:32])
            case "Issued":  # (from, to, tokenId; burnAuth)
                account = to_checksum_address(topics[2][12:])
                return RegistryEvent(name, *at, token_id=word[2], account=str(account))
            case "CredentialSuperseded":  # (tokenId, successorId)
                return RegistryEvent(name, *at, token_id=word[0], successor=word[1])
            case "CredentialReinstated":  # (tokenId)
                return RegistryEvent(name, *at, token_id=word[0], reason=None)
            case _:  # CredentialRevoked / CredentialSuspended: (tokenId; reason)
                reason = Reason(int.from_bytes(data[:32], "big"))
                return RegistryEvent(name, *at, token_id=word[0], reason=reason)

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
