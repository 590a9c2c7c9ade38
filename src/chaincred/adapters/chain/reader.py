"""Fast, batched reads of the registry for verification: raw JSON-RPC + eth_abi.

FIELD-NOTES: web3's per-call contract layer manages ~70 verifications/s; one batch view encoded
with eth_abi and sent as a JSON-RPC batch manages thousands. Anything that is not a
well-formed JSON-RPC answer (timeout, 429, 502, HTML, garbage) raises ``ChainUnavailable``: a
verifier must never read "invalid" into a broken endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from eth_abi.abi import decode, encode
from eth_utils.abi import function_signature_to_4byte_selector

from chaincred.adapters.chain.rows import (
    INSTITUTION_TUPLE,
    decode_credentials,
    institution_from_row,
)
from chaincred.domain.onchain import CredentialRecord, InstitutionRecord
from chaincred.domain.verification import JudgedBlock
from chaincred.errors import ChainUnavailable

__all__ = ["RpcReader"]

_CREDENTIALS = function_signature_to_4byte_selector("credentials(uint256[])")
_INSTITUTION = function_signature_to_4byte_selector("institution(uint24)")


class RpcReader:
    """Reads credentials and institutions of one registry through one keep-alive connection."""

    def __init__(
        self,
        rpc_url: str,
        contract: str,
        *,
        timeout: float = 5.0,
        ids_per_call: int = 100,
    ) -> None:
        self.rpc_url = rpc_url
        self.contract = contract
        self._ids_per_call = ids_per_call
        self._client = httpx.Client(timeout=timeout)
        self._next_id = 0
        self._code_seen_at: int | None = None

    def close(self) -> None:
        self._client.close()

    def chain_head(self) -> tuple[int, JudgedBlock]:
        """The chain id and the latest block, in one round trip."""
        chain_id, block = self._batch(
            [("eth_chainId", []), ("eth_getBlockByNumber", ["latest", False])]
        )
        return _chain_id(chain_id), _block_ref(block)

    def block(self, number: int) -> JudgedBlock | None:
        """The block at ``number`` on the current canonical chain, or None past the head."""
        (block,) = self._batch([("eth_getBlockByNumber", [hex(number), False])])
        return None if block is None else _block_ref(block)

    def runtime_code(self) -> bytes:
        """The registry address's code at the latest block (empty if there is none)."""
        (code,) = self._batch([("eth_getCode", [self.contract, "latest"])])
        return _call_data(code)

    def has_code(self, block: JudgedBlock) -> bool:
        """Whether the registry has code at ``block`` (a positive answer is remembered: the
        registry cannot self-destruct, so it keeps its code at every later block)."""
        if self._code_seen_at is not None and block.number >= self._code_seen_at:
            return True
        (code,) = self._batch([("eth_getCode", [self.contract, hex(block.number)])])
        present = isinstance(code, str) and len(code) > 2
        if present:
            self._code_seen_at = block.number
        return present

    def credentials(self, token_ids: Sequence[int], block: JudgedBlock) -> list[CredentialRecord]:
        """Records of ``token_ids`` at ``block``: one batch view per chunk, one HTTP request."""
        chunks = [
            list(token_ids[i : i + self._ids_per_call])
            for i in range(0, len(token_ids), self._ids_per_call)
        ]
        calls = [
            self._eth_call(_CREDENTIALS + encode(["uint256[]"], [chunk]), block) for chunk in chunks
        ]
        records: list[CredentialRecord] = []
        for chunk, raw in zip(chunks, self._batch(calls), strict=True):
            try:
                records.extend(decode_credentials(chunk, _call_data(raw)))
            except ValueError as exc:
                raise ChainUnavailable("eth_call", f"undecodable answer ({exc})") from exc
        return records

    def institutions(self, ids: Sequence[int], block: JudgedBlock) -> dict[int, InstitutionRecord]:
        unique = sorted(set(ids))
        calls = [self._eth_call(_INSTITUTION + encode(["uint24"], [i]), block) for i in unique]
        result = {}
        for institution_id, raw in zip(unique, self._batch(calls), strict=True):
            (row,) = _decode([INSTITUTION_TUPLE], raw)
            result[institution_id] = institution_from_row(institution_id, row)
        return result

    def _eth_call(self, data: bytes, block: JudgedBlock) -> tuple[str, list[Any]]:
        return ("eth_call", [{"to": self.contract, "data": "0x" + data.hex()}, hex(block.number)])

    def _batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        first = self._next_id
        self._next_id += len(calls)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        try:
            response = self._client.post(self.rpc_url, json=payload)
        except httpx.HTTPError as exc:
            raise ChainUnavailable(self.rpc_url, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise ChainUnavailable(self.rpc_url, f"HTTP {response.status_code}")
        return _results(self.rpc_url, response, first, len(calls))


def _results(rpc_url: str, response: httpx.Response, first: int, count: int) -> list[Any]:
    try:
        answers = response.json()
    except ValueError:
        raise ChainUnavailable(rpc_url, "the answer is not JSON") from None
    if not isinstance(answers, list) or len(answers) != count:
        raise ChainUnavailable(rpc_url, "the answer is not a JSON-RPC batch of the right size")
    # Only integer ids can be ours (an unhashable id, e.g. a list, would not even index).
    by_id = {a["id"]: a for a in answers if isinstance(a, dict) and isinstance(a.get("id"), int)}
    results = []
    for request_id in range(first, first + count):
        answer = by_id.get(request_id)
        if answer is None:
            raise ChainUnavailable(rpc_url, f"no answer to request {request_id} in the batch")
        if "error" in answer:
            raise ChainUnavailable(rpc_url, f"JSON-RPC error: {answer['error']}")
        if "result" not in answer:
            raise ChainUnavailable(rpc_url, "a JSON-RPC answer with neither result nor error")
        results.append(answer["result"])
    return results


def _call_data(raw: Any) -> bytes:
    if not isinstance(raw, str) or not raw.startswith("0x"):
        raise ChainUnavailable("eth_call", f"not ABI data: {str(raw)[:40]!r}")
    try:
        return bytes.fromhex(raw[2:])
    except ValueError:
        raise ChainUnavailable("eth_call", f"undecodable answer (not hex: {raw[:40]!r})") from None


def _decode(types: list[str], raw: Any) -> tuple[Any, ...]:
    data = _call_data(raw)
    try:
        return tuple(decode(types, data))
    except Exception as exc:  # eth_abi raises several unrelated types for bad input
        raise ChainUnavailable("eth_call", f"undecodable answer ({exc})") from exc


def _chain_id(raw: Any) -> int:
    try:
        return int(raw, 16)
    except (TypeError, ValueError):
        raise ChainUnavailable("eth_chainId", f"malformed chain id ({repr(raw)[:40]})") from None


def _block_ref(block: Any) -> JudgedBlock:
    try:
        number, timestamp = int(block["number"], 16), int(block["timestamp"], 16)
        return JudgedBlock(number, str(block["hash"]), timestamp)
    except (TypeError, KeyError, ValueError) as exc:
        raise ChainUnavailable("eth_getBlockByNumber", f"malformed block ({exc})") from exc
