#!/usr/bin/env python
"""Issuance throughput through the HTTP API: the batch endpoint, single requests from
concurrent clients, and the naive web3.py path, on one fresh chain.

Run ``.venv/bin/python benchmarks/issuance.py --help`` for what it measures and how it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import web3

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.issuance_chain import Rpc, balances, mint_counts, mint_logs, records, sent_by
from benchmarks.issuance_paths import (
    PathRun,
    credential_reports,
    log,
    run_batch,
    run_naive,
    run_single,
)
from benchmarks.issuance_profile import profile_accept, replay_indexer
from benchmarks.issuance_report import (
    BEGIN,
    END,
    Figures,
    render_section,
    render_table,
    write_doc,
)
from benchmarks.issuance_stack import Stack, StackOptions, add_naive_signer, running_stack
from benchmarks.verify_report import _cpu_model
from chaincred.domain.onchain import Status

DEFAULT_N, JOB_SIZE, SINGLE_N, CLIENTS, NAIVE_N, PROFILE_ROWS = 5_000, 1_000, 1_000, 16, 200, 1_000
#: API processes of a full run (the written figures): chaincred up runs one.
API_WORKERS = 1
GAS_SAMPLE = 20  # batch credentials whose API gas share is checked against the receipt
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


# ====================================================================== measurements


def gas_from_receipts(stack: Stack, rpc: Rpc, run: PathRun) -> dict[str, dict[str, Any]]:
    """The path's gas from the worker's receipts in the path's blocks."""
    run.gas, receipts = sent_by(rpc, run.blocks, stack.worker_address, stack.contract)
    return receipts


def shares_match(
    shares: dict[str, tuple[str | None, int | None, int | None]],
    receipts: dict[str, dict[str, Any]],
) -> bool:
    """The API's gas share of each credential is its receipt's gasUsed over the mints in it."""
    for tx_hash, share, operations in shares.values():
        receipt = receipts.get(tx_hash or "")
        if receipt is None or share is None or operations is None:
            return False
        mints = len(mint_logs(receipt["logs"]))
        if operations != mints or share != int(receipt["gasUsed"], 16) // operations:
            return False
    return True


def on_chain(stack: Stack, rpc: Rpc, runs: Sequence[PathRun]) -> tuple[dict[str, Any], bool]:
    """Every credential of every path on chain exactly once, held by its recipient."""
    credentials = [c for run in runs for c in run.credentials]
    minted = mint_counts(rpc, stack.contract, rpc.head())
    found = records(stack.rpc_url, stack.contract, [c.token_id for c in credentials])
    matching = sum(
        1
        for c, r in zip(credentials, found, strict=True)
        if r.status is Status.ACTIVE
        and r.owner == c.recipient
        and r.institution_id == stack.institution_id
    )
    held = balances(rpc, stack.contract, [c.recipient for c in credentials])
    once = sum(1 for c in credentials if minted[c.token_id] == 1)
    facts = {
        "credentials": len(credentials),
        "distinct_token_ids": len({c.token_id for c in credentials}),
        "minted_once": once,
        "mint_events": sum(minted.values()),
        "records_match": matching,
        "balance_sum": sum(held),
    }
    total = len(credentials)
    ok = (facts["distinct_token_ids"] == once == facts["mint_events"] == matching == total
          and sum(held) == total and all(b == 1 for b in held))  # fmt: skip
    return facts, ok


def checks_of(
    f: Figures, shares: dict[str, tuple[str | None, int | None, int | None]],
    receipts: dict[str, dict[str, Any]], onchain_ok: bool,
) -> dict[str, bool]:  # fmt: skip
    b, s = f.batch, f.single
    requested = {c.recipient for c in b.credentials}
    return {
        "batch_all_confirmed": b.states == {"confirmed": b.count} and len(requested) == b.count,
        "single_all_accepted": s.notes["refused"] == 0,
        "single_all_confirmed": s.states == {"confirmed": s.count},
        "receipts_mint_each_path_exactly": (b.gas.mints, s.gas.mints) == (b.count, s.count),
        "every_credential_on_chain_once": onchain_ok,
        "api_gas_share_matches_receipts": shares_match(shares, receipts),
        "batch_gas_below_naive": b.gas.per_credential < f.naive.gas.per_credential,
    }


def _setup(args: argparse.Namespace, stack: Stack, load_before: float) -> dict[str, Any]:
    return {
        "job_size": args.job_size,
        "clients": args.clients,
        "anvil": str(stack.w3.client_version),
        "mining": _mining(args),
        "database": stack.database,
        "batch_size": args.batch_size or 300,
        "batch_interval": args.batch_interval or 1.0,
        "confirmations": 1,
        "worker_args": list(args.worker_arg),
        "api_workers": args.api_workers,
        "machine": {
            "cores": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
            "web3": web3.__version__,
            "load_average_before": round(load_before, 2),
            "load_average_after": round(os.getloadavg()[0], 2),
        },
        "date": datetime.now(UTC).date().isoformat(),
    }


def _mining(args: argparse.Namespace) -> str:
    if args.rpc:
        return "a running chain (--rpc)"
    return f"--block-time {args.block_time:g}" if args.block_time else "automine"


def measure(args: argparse.Namespace) -> Figures:
    began = time.perf_counter()
    options = StackOptions(
        block_time=args.block_time, database_url=args.database_url,
        batch_size=args.batch_size, batch_interval=args.batch_interval,
        data_dir=args.data_dir, worker_args=tuple(args.worker_arg), rpc_url=args.rpc,
        api_workers=args.api_workers,
    )  # fmt: skip
    with running_stack(options) as stack:
        rpc = Rpc(stack.rpc_url)
        log(f"stack up in {time.perf_counter() - began:.1f} s (Anvil {stack.rpc_url}, API "
            f"{stack.api_url}, {stack.database}, data in {stack.data_dir})")  # fmt: skip
        add_naive_signer(stack)
        load_before = os.getloadavg()[0]  # others' work slows wall-clock figures: record it
        log(f"naive: {args.naive:,} credentials, one web3.py transaction each")
        naive = run_naive(stack, rpc, args.naive)
        log(f"batch: {args.n:,} credentials in jobs of {args.job_size:,}")
        batch = run_batch(stack, rpc, args.n, args.job_size, args.timeout)
        log(f"  all confirmed after {batch.seconds:.2f} s = {batch.per_second:,.0f}/s")
        log(f"single: {args.single:,} credentials from {args.clients} clients")
        single = run_single(stack, rpc, args.single, args.clients, args.timeout)
        log(f"  all confirmed after {single.seconds:.2f} s = {single.per_second:,.0f}/s")
        receipts = gas_from_receipts(stack, rpc, batch) | gas_from_receipts(stack, rpc, single)
        figures = Figures(_setup(args, stack, load_before), batch, single, naive)
        log("checking every credential on chain, gas shares against receipts")
        sample = random.Random(3).sample(batch.credentials, min(GAS_SAMPLE, batch.count))
        shares = single.notes["gas_shares"] | {
            r["id"]: (r["transaction"]["hash"], r["transaction"]["gas_used"],
                      r["transaction"]["operations_in_transaction"])
            for r in credential_reports(stack, [c.credential_id or "" for c in sample])
        }  # fmt: skip
        figures.onchain, onchain_ok = on_chain(stack, rpc, (naive, batch, single))
        figures.onchain["shares_checked"] = len(shares)
        figures.checks = checks_of(figures, shares, receipts, onchain_ok)
        if args.profile:
            log(f"profiling the accept path on {args.profile:,} rows; replaying the indexer")
            figures.accept = profile_accept(stack, args.profile)
            figures.indexer = replay_indexer(stack, figures.onchain["credentials"])
        rpc.close()
    figures.setup["total_seconds"] = round(time.perf_counter() - began, 1)
    return figures


# ====================================================================== findings

FINDINGS_MISSED = """\
### What would have to change

The batch path reached {rate:,.0f} confirmed credentials/s, short of 500/s. {accept_line}
{index_line} In `src/`:

1. **Accepting** (`services/issuance.py`, `services/publishing.py`, `domain/`): a row's
   public part — about 170 JSON values, most of them the achievement's and the
   institution's, the same for the whole cohort — is canonicalized once (`PublicPart.canonical`:
   the digest hashes those bytes and they are pinned as the metadata; {canon}
   `canonical_bytes` calls per row in all, counting one per claim), with the full `_checked`
   walk (NFC and surrogate check of every string, a copy of every value). Checking the
   cohort-wide part once per achievement (only the recipient, the dates and the salted claim
   commitments differ per row) would remove most of what is left. The API does all of it in
   one process: `chaincred serve` runs one uvicorn worker, so building a batch's documents in
   a process pool (or serving with several workers) is the other lever on a machine with
   cores to spare.
2. **The worker** (`cli_worker.run_worker`): the signer runs with `--no-index` and the event
   follower as its own process (`chaincred worker --index-only`), as `chaincred up` starts
   them, so decoding events no longer stalls sending; but the indexer still competes for the
   same cores. Decoding the logs with `eth_abi` from raw JSON-RPC (as the pipeline's receipts
   already are) instead of web3's `process_log`, and reading institutions through the raw
   `credentials` view (as `RpcReader` does), would cut its CPU.
3. **The chain** is not the limit: Anvil spent {anvil:,} µs of CPU per credential.
"""

FINDINGS_MET = """\
### Where the margin is

The batch path reached {rate:,.0f} confirmed credentials/s. {accept_line} {index_line}
"""


def findings(f: Figures) -> str:
    b = f.batch
    per = {k.split()[0]: v for k, v in b.cpu.items()}
    accept_line = (
        f"Accepting alone costs the API {per['API'] / b.count * 1e6:,.0f} µs of CPU per row "
        f"({sum(b.latencies) / b.count * 1e6:,.0f} µs of wall time per row at the client): "
        f"one API process, even with a core to itself, accepts at most "
        f"≈{b.count / per['API']:,.0f} rows/s."
    )
    index_line = ""
    if f.indexer is not None:
        worker_us = per["worker"] / b.count * 1e6
        indexer_us = per.get("indexer", 0.0) / b.count * 1e6
        index_line = (
            f"The signer worker spent {worker_us:,.0f} µs of CPU per credential and the "
            f"indexer process {indexer_us:,.0f} µs; replaying the indexer alone costs "
            f"{f.indexer.us_per_credential:,.0f} µs per credential."
        )
    values = {
        "rate": b.per_second,
        "accept_line": accept_line,
        "index_line": index_line,
        "canon": round(f.accept.canonical_calls / f.accept.rows) if f.accept else "several",
        "anvil": round(per.get("Anvil", 0.0) / b.count * 1e6),
    }
    met = all(t["met"] for t in f.targets())
    return (FINDINGS_MET if met else FINDINGS_MISSED).format(**values)


# ====================================================================== command line

EPILOG = f"""\
What it does: starts one fresh Anvil (automine unless --block-time: Anvil slows as storage
grows, so every run starts from an empty chain), deploys ChainCred, registers the demo
institution with Anvil's second key as its signer (as `chaincred up` does), and starts
`chaincred serve` and `chaincred worker` as child processes over a fresh data directory
(SQLite, or a fresh schema in --database-url), with `chaincred up`'s environment. Then:

  naive   --naive credentials, each one web3.py build_transaction + sign + send +
          wait_for_transaction_receipt, from a second signer of the same institution
  batch   --n credentials through POST /v1/credentials/batch in jobs of --job-size, one
          client; GET /v1/jobs/{{id}} polled until every credential is confirmed
  single  --single credentials through POST /v1/credentials from --clients threads

Each path: confirmed credentials/s (first request -> all confirmed), request latency p50/p99,
gas per credential from the receipts of its transactions, CPU seconds of each process. Every
credential must be on chain exactly once (mint events, the credentials(ids) view, balanceOf)
and the API's gas shares must match the receipts; otherwise the exit status is 1. Then the
API's accept path is profiled in this process (--profile rows; 0: skip) and the worker's
indexer replays the chain, to say where the time goes.

Targets (issue 3): batch path >= 500 confirmed credentials/s, and >= 10x the naive path.

Output: progress on stderr. With --json, stdout is exactly one JSON object of the figures.
Otherwise a readable report, and a run with the default sizes and settings rewrites the
section between {BEGIN} and {END} in docs/benchmarks.md (or --output) unless --no-write.
"""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a positive integer")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/issuance.py",
        description="Issuance throughput through the HTTP API on one fresh Anvil.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--n", type=_positive, default=DEFAULT_N, help=f"batch-path credentials ({DEFAULT_N})")
    add("--job-size", type=_positive, default=JOB_SIZE, help=f"rows per job ({JOB_SIZE})")
    add("--single", type=_positive, default=SINGLE_N, help=f"single requests ({SINGLE_N})")
    add("--clients", type=_positive, default=CLIENTS, help=f"concurrent clients ({CLIENTS})")
    add("--naive", type=_positive, default=NAIVE_N, help=f"naive credentials ({NAIVE_N})")
    add("--profile", type=int, default=PROFILE_ROWS, metavar="ROWS",
        help=f"rows of the in-process accept profile ({PROFILE_ROWS}; 0: no profile)")  # fmt: skip
    add("--block-time", type=float, default=None, metavar="SECONDS",
        help="mine every SECONDS instead of one block per transaction (automine)")  # fmt: skip
    add("--database-url", metavar="URL", help="PostgreSQL (a fresh schema is made and dropped)")
    add("--batch-size", type=int, metavar="N", help="CHAINCRED_BATCH_SIZE (default 300)")
    add("--batch-interval", type=float, metavar="S", help="CHAINCRED_BATCH_INTERVAL (1.0)")
    add("--api-workers", type=_positive, default=1, metavar="N",
        help="API processes (chaincred serve --workers N; default 1)")  # fmt: skip
    add("--worker-arg", action="append", default=[], metavar="ARG",
        help="pass ARG to chaincred worker (it already runs with --no-index)")  # fmt: skip
    add("--rpc", metavar="URL", help="use this running, fresh chain instead of starting Anvil")
    add("--timeout", type=float, default=600.0, help="seconds a path may take (600)")
    add("--data-dir", type=Path, metavar="DIR", help="keep the stack's data and logs here")
    add("--json", action="store_true", help="print only the JSON figures")
    add("--no-write", action="store_true", help="do not rewrite the document")
    add("--output", type=Path, default=DOC_PATH, metavar="FILE",
        help="the document whose issuance section is rewritten")  # fmt: skip
    return parser.parse_args(argv)


def _is_full_run(args: argparse.Namespace) -> bool:
    sizes = (args.n, args.job_size, args.single, args.clients, args.naive, args.profile)
    defaults = (DEFAULT_N, JOB_SIZE, SINGLE_N, CLIENTS, NAIVE_N, PROFILE_ROWS)
    settings = (args.block_time, args.batch_size, args.batch_interval, args.worker_arg, args.rpc)
    return (
        sizes == defaults
        and settings == (None, None, None, [], None)
        and args.api_workers == API_WORKERS
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    figures = measure(args)
    status = 0 if all(figures.checks.values()) else 1
    if status:
        failed = [name for name, ok in figures.checks.items() if not ok]
        log(f"CONSISTENCY CHECKS FAILED: {', '.join(failed)}")
    if args.json:
        print(json.dumps(figures.to_json(), indent=2))
        return status
    print("\n".join(render_table(figures)))
    print("\n" + findings(figures))
    if args.no_write or status:
        return status
    if not _is_full_run(args):
        log(f"not a full run (non-default sizes or settings): {args.output} left as it is")
        return status
    write_doc(args.output, render_section(figures, findings(figures)))
    log(f"wrote the issuance section of {args.output}")
    return status


if __name__ == "__main__":
    sys.exit(main())
