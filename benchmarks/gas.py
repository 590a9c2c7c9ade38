#!/usr/bin/env python
"""Gas per credential, from receipts: chaincred's ChainCred against an OpenZeppelin baseline.

Run ``.venv/bin/python benchmarks/gas.py --help`` for what it measures and how it reports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from chaincred.adapters.chain import (
    GAS_CAP,
    RegistryClient,
    RevertDecoder,
    Transactor,
    connect,
    deploy_registry,
)
from chaincred.domain.onchain import BurnAuth, Reason
from chaincred.errors import ChainError, ContractReverted
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact

if not __package__:  # run as `python benchmarks/gas.py`: make the `benchmarks` package importable
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.gas_report import BEGIN, END, Cap, Report, Row, render_section, write_doc

DEFAULT_MINT_BATCHES = (1, 10, 100)
DEFAULT_REVOKE_BATCH = 100
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BURN_AUTH = BurnAuth.OWNER_ONLY
REASON = Reason.ISSUED_IN_ERROR
STOCK_CHUNK = 200  # tokens per mintBatch when minting stock to revoke (well under the cap)

Encoder = Callable[[str, Sequence["Credential"]], bytes]


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout carries only the result."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Credential:
    """One credential issued on both contracts: chaincred's token id is the digest, the
    baseline's is the sequential ``serial`` (it stores the digest in its mapping)."""

    holder: str
    digest: int
    serial: int


@dataclass(frozen=True)
class Subject:
    """One contract under test: how each operation is encoded, and the account that sends it."""

    address: str
    transactor: Transactor
    encode: Encoder
    deploy_gas: int

    def send(self, operation: str, creds: Sequence[Credential]) -> tuple[int, int, bytes]:
        """Mine the operation; (gasUsed, block number, calldata)."""
        data = self.encode(operation, creds)
        receipt = self.transactor.send(self.address, data)
        return int(receipt["gasUsed"]), int(receipt["blockNumber"]), data

    def estimate(self, operation: str, creds: Sequence[Credential]) -> int:
        return self.transactor.estimate(self.address, self.encode(operation, creds))


def chaincred_encoder(client: RegistryClient) -> Encoder:
    def encode(operation: str, creds: Sequence[Credential]) -> bytes:
        digests = [c.digest for c in creds]
        match operation:
            case "mint":
                return client.encode("mint", creds[0].holder, digests[0], int(BURN_AUTH))
            case "mintBatch":
                return client.encode(operation, [c.holder for c in creds], digests, int(BURN_AUTH))
            case "revoke":
                return client.encode("revoke", digests[0], int(REASON))
        return client.encode("revokeBatch", digests, int(REASON))

    return encode


def baseline_encoder(contract: Contract) -> Encoder:
    def encode(operation: str, creds: Sequence[Credential]) -> bytes:
        serials = [c.serial for c in creds]
        digests = [c.digest.to_bytes(32, "big") for c in creds]
        args: list[Any]
        match operation:
            case "mint":
                args = [creds[0].holder, serials[0], digests[0]]
            case "mintBatch":
                args = [[c.holder for c in creds], serials, digests]
            case "revoke":
                args = [serials[0], int(REASON)]
            case _:
                args = [serials, int(REASON)]
        return bytes.fromhex(contract.encode_abi(operation, args=args).removeprefix("0x"))

    return encode


def deploy_subjects(w3: Web3) -> tuple[Subject, Subject]:
    """ChainCred (one institution registered, issuing from its own account) and the baseline."""
    artifact = load_artifact()
    accounts = [Account.from_key(key) for key in DEV_ACCOUNTS[:3]]
    registrar, issuer, minter = (
        Transactor(w3, account, RevertDecoder(artifact.contract(name).abi))
        for account, name in zip(
            accounts, ("ChainCred", "ChainCred", "BaselineCredential"), strict=True
        )
    )
    deployment = deploy_registry(registrar)
    client = RegistryClient(w3, deployment.address)
    client.register_institution(
        registrar, hashlib.sha256(b"benchmark institution").digest(), [issuer.address]
    )
    ours_gas = int(w3.eth.get_transaction_receipt(deployment.tx_hash)["gasUsed"])  # type: ignore[arg-type]
    compiled = artifact.contract("BaselineCredential")
    receipt = minter.send(None, compiled.bytecode)
    address = str(receipt["contractAddress"])
    baseline = w3.eth.contract(address=Web3.to_checksum_address(address), abi=compiled.abi)
    return (
        Subject(client.address, issuer, chaincred_encoder(client), ours_gas),
        Subject(address, minter, baseline_encoder(baseline), int(receipt["gasUsed"])),
    )


@dataclass
class Bench:
    """Both contracts on one fresh chain, and the credentials issued so far."""

    w3: Web3
    ours: Subject
    baseline: Subject
    trace: bool
    _serial: int = field(default=0, init=False)

    def fresh(self, n: int, holder: Callable[[int], str] | None = None) -> list[Credential]:
        """``n`` new credentials; by default each to a fresh holder (never held anything)."""
        creds = []
        for _ in range(n):
            self._serial += 1
            digest = hashlib.sha256(f"chaincred gas benchmark {self._serial}".encode()).digest()
            address = holder(self._serial) if holder else str(Account.create().address)
            creds.append(Credential(address, int.from_bytes(digest, "big"), self._serial))
        return creds

    def row(self, operation: str, creds: Sequence[Credential]) -> Row:
        log(f"  {operation} of {len(creds)}")
        gas, block, data = self.ours.send(operation, creds)
        baseline_gas, _, _ = self.baseline.send(operation, creds)
        breakdown = self.breakdown(data, block, gas) if self.trace else None
        return Row(operation, len(creds), gas, baseline_gas, breakdown)

    def breakdown(self, data: bytes, block: int, gas_used: int) -> dict[str, int]:
        """Re-run a mined chaincred call with Geth's struct logger on the state before it."""
        call = {
            "from": self.ours.transactor.address,
            "to": self.ours.address,
            "data": "0x" + data.hex(),
        }
        options = {"disableStack": True, "disableStorage": True, "disableMemory": True}
        response = self.w3.provider.make_request("debug_traceCall", [call, hex(block - 1), options])  # type: ignore[arg-type]
        result = response["result"]
        parts: Counter[str] = Counter()
        for step in result["structLogs"]:
            op = str(step["op"])
            parts[_KINDS.get(op[:3], "other")] += int(step["gasCost"])
        if int(result["gas"]) != gas_used:
            raise ChainError(f"the trace used {result['gas']} gas, the receipt {gas_used}")
        intrinsic = gas_used - sum(parts.values())
        return {"base": 21_000, "calldata": intrinsic - 21_000, **parts}

    def stock(self, n: int, subjects: Sequence[Subject]) -> list[Credential]:
        """``n`` credentials minted (unmeasured) in chunks, to be revoked; revocation never
        touches the holder, so these go to cheap derived addresses."""
        creds = self.fresh(n, holder=_derived_holder)
        for start in range(0, n, STOCK_CHUNK):
            for subject in subjects:
                subject.send("mintBatch", creds[start : start + STOCK_CHUNK])
        return creds


_KINDS = {"LOG": "events", "SLO": "storage", "SST": "storage"}  # by opcode prefix


def _derived_holder(serial: int) -> str:
    return Web3.to_checksum_address(hashlib.sha256(f"holder {serial}".encode()).digest()[:20])


def run_rows(bench: Bench, mint_batches: Sequence[int], revoke_batch: int) -> list[Row]:
    """Mint, mintBatch of each size, revoke, revokeBatch — each on both contracts."""
    single = bench.fresh(1)
    rows = [bench.row("mint", single)]
    batched: list[Credential] = []
    for n in mint_batches:
        creds = bench.fresh(n)
        rows.append(bench.row("mintBatch", creds))
        batched += creds
    missing = max(0, revoke_batch - len(batched))
    batched += bench.stock(missing, [bench.ours, bench.baseline])
    rows.append(bench.row("revoke", single))
    rows.append(bench.row("revokeBatch", batched[:revoke_batch]))
    return rows


# ====================================================================== the 2^24 cap


def largest_fitting(fits: Callable[[int], bool], lo: int, hi: int) -> int:
    """The largest n in [lo, hi) with ``fits(n)``, given fits(lo), not fits(hi), monotone."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def cap_bound(rows: Sequence[Row], single: str, batched: str) -> int:
    """A batch size a little above the cap, extrapolated from two measured rows."""
    one = next(r for r in rows if r.operation == single)
    many = max((r for r in rows if r.operation == batched), key=lambda r: r.batch)
    if many.batch < 2:
        raise ValueError(f"the cap search needs a measured {batched} larger than 1")
    marginal = (many.gas_used - one.gas_used) / (many.batch - 1)
    return math.ceil((GAS_CAP - one.gas_used) / marginal * 1.05) + 2


def measure_cap(subject: Subject, operation: str, creds: Sequence[Credential]) -> Cap:
    """Binary search with eth_estimateGas over prefixes of ``creds``, then confirm by mining:
    one credential more runs out of gas at a 2^24 gas limit, the largest batch succeeds."""

    def estimate(n: int) -> int:
        return subject.estimate(operation, creds[:n])

    if estimate(len(creds)) <= GAS_CAP:
        raise ChainError(f"{len(creds)} credentials fit the cap: the search bound is too low")
    largest = largest_fitting(lambda n: estimate(n) <= GAS_CAP, 1, len(creds))
    next_estimate = estimate(largest + 1)
    _expect_out_of_gas(subject, subject.encode(operation, creds[: largest + 1]))
    gas_used, _, _ = subject.send(operation, creds[:largest])
    log(f"  {operation}: {largest} fit ({gas_used:,} gas); {largest + 1} need {next_estimate:,}")
    return Cap(operation, largest, gas_used, next_estimate)


def _expect_out_of_gas(subject: Subject, data: bytes) -> None:
    """Mine ``data`` with exactly the cap as its gas limit; it must fail."""
    try:
        subject.transactor.send(subject.address, data, gas=GAS_CAP)
    except ContractReverted as exc:
        # The transactor replays a failed transaction without a gas limit to decode the
        # reason; the replay succeeds, so no reason is found: the transaction ran out of gas.
        if exc.error != "UnknownRevert":
            raise
        return
    raise ChainError("a batch above the cap succeeded when mined: the estimate is off")


def measure_caps(bench: Bench, rows: Sequence[Row]) -> list[Cap]:
    log("largest batches under the 2^24 cap (binary search with eth_estimateGas, then mined)")
    caps = [measure_cap(bench.ours, "mintBatch", bench.fresh(cap_bound(rows, "mint", "mintBatch")))]
    bound = cap_bound(rows, "revoke", "revokeBatch")
    log(f"  minting {bound} credentials to revoke")
    caps.append(measure_cap(bench.ours, "revokeBatch", bench.stock(bound, [bench.ours])))
    return caps


# ====================================================================== command line

EPILOG = f"""\
What it does: starts one fresh Anvil (Anvil slows as storage grows, so every run starts from
an empty chain), deploys ChainCred and the baseline (OpenZeppelin ERC721 + a digest mapping,
sequential token ids), registers one institution, and measures gasUsed from receipts, on both
contracts, for: mint to a fresh holder; mintBatch of each --mint-batches size, each credential
to a distinct fresh holder; revoke of one token; revokeBatch of --revoke-batch tokens. Per
credential = gasUsed / batch size; ratio = chaincred / baseline. Targets (issue 6): mint
<= 76,000; mintBatch of 100 <= 52,000 per credential; revoke <= 33,000; revokeBatch of 100
<= 9,000 per credential.

Then (unless --json or --no-cap) it finds the largest mintBatch of fresh distinct holders and
the largest revokeBatch that fit the 2^24 per-transaction gas cap (EIP-7825): a binary search
with eth_estimateGas, confirmed by mining one more with a 2^24 gas limit (it must run out of
gas) and the largest batch itself (it must succeed).

Output: progress on stderr. With --json, stdout is exactly a JSON list of rows
{{"operation", "batch", "gas_per_credential", "baseline_gas_per_credential", "ratio",
"target", "met", "gas_used", "baseline_gas_used"}}. Otherwise stdout is a Markdown report
(table, deployment gas, cap figures, a per-credential breakdown by kind of cost from
debug_traceCall), and a full run with the default sizes rewrites the section between
{BEGIN} and {END} in docs/benchmarks.md (or --output), unless --no-write;
other runs leave the document alone. Takes about 15 s.
"""


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in text.split(","))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("batch sizes are positive integers, e.g. 1,10,100")
    return sizes


def _positive(text: str) -> int:
    return _sizes(text)[0]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/gas.py",
        description="Gas per credential from receipts: chaincred's ChainCred against an "
        "OpenZeppelin ERC-721 baseline, on one fresh Anvil.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print only the JSON rows on stdout (no cap search, no document)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the document")
    parser.add_argument(
        "--no-cap", action="store_true", help="skip the search for the largest batches"
    )
    parser.add_argument(
        "--mint-batches", type=_sizes, default=DEFAULT_MINT_BATCHES, metavar="N,N,...",
        help="mintBatch sizes (default: 1,10,100)",
    )  # fmt: skip
    parser.add_argument(
        "--revoke-batch", type=_positive, default=DEFAULT_REVOKE_BATCH, metavar="N",
        help="revokeBatch size (default: 100)",
    )  # fmt: skip
    parser.add_argument(
        "--output", type=Path, default=DOC_PATH, metavar="FILE",
        help="the document whose gas section is rewritten (default: docs/benchmarks.md)",
    )  # fmt: skip
    return parser.parse_args(argv)


def _is_full_run(args: argparse.Namespace) -> bool:
    return (
        tuple(args.mint_batches) == DEFAULT_MINT_BATCHES
        and args.revoke_batch == DEFAULT_REVOKE_BATCH
        and not args.no_cap
    )


def measure(args: argparse.Namespace) -> Report | list[Row]:
    """Everything measured on one fresh chain: the rows alone for --json, else the report."""
    with AnvilProcess() as anvil:
        log(f"fresh Anvil at {anvil.rpc_url}; deploying ChainCred and the baseline")
        w3 = connect(anvil.rpc_url)
        ours, baseline = deploy_subjects(w3)
        bench = Bench(w3, ours, baseline, trace=not args.json)
        rows = run_rows(bench, args.mint_batches, args.revoke_batch)
        if args.json:
            return rows
        caps = [] if args.no_cap else measure_caps(bench, rows)
        info = w3.provider.make_request("anvil_nodeInfo", [])["result"]  # type: ignore[arg-type]
        deploy_gas = {"ChainCred": ours.deploy_gas, "BaselineCredential": baseline.deploy_gas}
        date = datetime.now(UTC).date().isoformat()
        return Report(rows, caps, deploy_gas, str(w3.client_version), str(info["hardFork"]), date)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = measure(args)
    if isinstance(result, list):
        print(json.dumps([row.to_json() for row in result], indent=2))
        return 0
    section = render_section(result)
    print(section)
    if args.no_write:
        return 0
    if not _is_full_run(args):
        log(f"not a full run (non-default sizes or --no-cap): {args.output} left as it is")
        return 0
    write_doc(args.output, section)
    log(f"wrote the gas section of {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
