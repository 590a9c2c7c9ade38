"""What the issuance benchmark reads outside the API: the chain (receipts, mint events, the
registry's views, balances, by raw JSON-RPC) and the CPU time of the stack's processes.

Split from ``benchmarks/issuance.py`` to keep each module short.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.crypto import keccak

from chaincred.adapters.chain.reader import RpcReader
from chaincred.domain.onchain import CredentialRecord

TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
ZERO_TOPIC = "0x" + "00" * 32
_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
_PER_REQUEST = 200  # JSON-RPC calls per HTTP request


class Rpc:
    """Raw JSON-RPC through one keep-alive connection (web3's formatters are slow in bulk)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.Client(timeout=120.0)
        self._id = 0

    def close(self) -> None:
        self._client.close()

    def call(self, method: str, *params: Any) -> Any:
        return self.batch([(method, list(params))])[0]

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        results: list[Any] = []
        for first in range(0, len(calls), _PER_REQUEST):
            chunk = calls[first : first + _PER_REQUEST]
            payload = [
                {"jsonrpc": "2.0", "id": self._id + i, "method": method, "params": params}
                for i, (method, params) in enumerate(chunk)
            ]
            self._id += len(chunk)
            answers = self._client.post(self.url, json=payload).raise_for_status().json()
            by_id = {a["id"]: a for a in answers}
            for i in range(len(chunk)):
                answer = by_id[payload[i]["id"]]
                if "error" in answer:
                    raise RuntimeError(f"{chunk[i][0]}: {answer['error']}")
                results.append(answer["result"])
        return results

    def head(self) -> int:
        return int(self.call("eth_blockNumber"), 16)


@dataclass
class GasTally:
    """Gas of a path's transactions, from their receipts."""

    transactions: int = 0
    gas_used: int = 0
    mints: int = 0  # ERC-721 Transfer events from the zero address in those transactions

    def add(self, gas_used: int, mints: int) -> None:
        self.transactions += 1
        self.gas_used += gas_used
        self.mints += mints

    @property
    def per_credential(self) -> float:
        return self.gas_used / self.mints if self.mints else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "transactions": self.transactions,
            "gas_used": self.gas_used,
            "mints": self.mints,
            "gas_per_credential": round(self.per_credential, 1),
        }


def sent_by(
    rpc: Rpc, blocks: tuple[int, int], sender: str, contract: str
) -> tuple[GasTally, dict[str, dict[str, Any]]]:
    """The receipts of ``sender``'s transactions to ``contract`` mined after ``blocks[0]`` up
    to ``blocks[1]``: their gas and mints, and each receipt by transaction hash."""
    first, last = blocks
    calls = [("eth_getBlockReceipts", [hex(b)]) for b in range(first + 1, last + 1)]
    tally, receipts = GasTally(), {}
    for block in rpc.batch(calls):
        for receipt in block or []:
            if (receipt["from"].lower(), (receipt.get("to") or "").lower()) != (
                sender.lower(),
                contract.lower(),
            ):
                continue
            if int(receipt["status"], 16) != 1:
                raise RuntimeError(f"a reverted transaction: {receipt['transactionHash']}")
            tally.add(int(receipt["gasUsed"], 16), len(mint_logs(receipt["logs"])))
            receipts[receipt["transactionHash"]] = receipt
    return tally, receipts


def mint_logs(logs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [
        log
        for log in logs
        if len(log["topics"]) == 4
        and log["topics"][0] == TRANSFER
        and log["topics"][1] == ZERO_TOPIC
    ]


def mint_counts(rpc: Rpc, contract: str, last_block: int) -> Counter[int]:
    """How many times each token id was minted on the whole chain (ERC-721 ``Transfer`` from
    the zero address): a credential on chain exactly once counts 1."""
    logs = rpc.call(
        "eth_getLogs",
        {"address": contract, "fromBlock": "0x0", "toBlock": hex(last_block),
         "topics": [TRANSFER, ZERO_TOPIC]},
    )  # fmt: skip
    return Counter(int(log["topics"][3], 16) for log in logs if not log.get("removed"))


def records(rpc_url: str, contract: str, token_ids: Sequence[int]) -> list[CredentialRecord]:
    """The registry's ``credentials(ids)`` view for every token id, at the head."""
    reader = RpcReader(rpc_url, contract, timeout=120.0)
    try:
        _, head = reader.chain_head()
        return reader.credentials(token_ids, head)
    finally:
        reader.close()


def balances(rpc: Rpc, contract: str, holders: Sequence[str]) -> list[int]:
    """``balanceOf`` of each holder, at the head."""
    calls = [
        ("eth_call",
         [{"to": contract, "data": "0x" + (_BALANCE_OF + encode(["address"], [h])).hex()},
          "latest"])
        for h in holders
    ]  # fmt: skip
    return [int(result, 16) for result in rpc.batch(calls)]


# ====================================================================== CPU time

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(groups: Mapping[str, int]) -> dict[str, float]:
    """User + system CPU seconds so far of each process group (every process whose group id
    is the given one; the group ``os.getpid()`` stands for this process alone). Linux's
    ``/proc``; elsewhere every figure is 0."""
    totals = dict.fromkeys(groups, 0.0)
    wanted = {pgid: name for name, pgid in groups.items()}
    own = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        pid, fields = int(stat.parent.name), text[text.rfind(")") + 2 :].split()
        group = own if pid == own else int(fields[2])
        if group in wanted and (group != own or pid == own):
            totals[wanted[group]] += (int(fields[11]) + int(fields[12])) / _TICK
    return totals
