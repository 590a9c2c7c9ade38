#!/usr/bin/env python
"""Verification speed: bulk (documents and token ids), single latency, and the naive baseline.

Run ``.venv/bin/python benchmarks/verify.py --help`` for what it measures and how it reports.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from web3 import Web3

from chaincred.adapters.chain.reader import RpcReader
from chaincred.adapters.chain.rows import credential_from_row, institution_from_row
from chaincred.domain import parse_json
from chaincred.domain.onchain import Status
from chaincred.domain.verification import Outcome, VerificationReport
from chaincred.services.collector import collector_paused
from chaincred.services.verify import released, verify, verify_many
from chaincred.toolchain.anvil import AnvilProcess
from chaincred.toolchain.artifact import load_artifact

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.verify_profile import breakdown_of
from benchmarks.verify_report import (
    BEGIN,
    END,
    Bulk,
    Figures,
    Latency,
    Naive,
    Setup,
    render_section,
    render_table,
    write_doc,
)
from benchmarks.verify_setup import (
    MINT_CHUNK,
    REVOKED_SHARE,
    SEED,
    SUPERSEDED_SHARE,
    Chain,
    log,
    prepare,
)

DEFAULT_N = 10_000
SINGLE_SAMPLE, NAIVE_SAMPLE, PROFILE_SAMPLE, SINGLETONS = 500, 300, 1_000, 1_000
RUNS = 3  # of each bulk; the median run is reported
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


# ====================================================================== measurements


def _tally(reports: Sequence[VerificationReport]) -> tuple[dict[str, int], dict[str, int]]:
    """Verdict counts, and the codes of failed checks."""
    verdicts = {"valid": 0, "invalid": 0, "indeterminate": 0}
    codes: dict[str, int] = {}
    for report in reports:
        verdicts[report.verdict.value] += 1
        for check in report.checks:
            if check.outcome is Outcome.FAIL and check.code:
                codes[check.code] = codes.get(check.code, 0) + 1
    return verdicts, dict(sorted(codes.items()))


def verify_texts(chain: Chain, texts: Sequence[str]) -> list[VerificationReport]:
    """What the bulk route does with documents: read the JSON with ``parse_json`` (the
    strict reader of the API and the CLI) and verify all with one chain read, each parsed
    document let go of once checked (``released``), the garbage collector paused for both.
    The scan of the young generation that the pause put off runs before the clock stops."""
    reader = RpcReader(chain.rpc_url, chain.contract)
    try:
        with collector_paused():
            parsed = [parse_json(text) for text in texts]
            reports = verify_many(released(parsed), chain=reader)
        gc.collect(0)
        return reports
    finally:
        reader.close()


def verify_texts_collecting(chain: Chain, texts: Sequence[str]) -> list[VerificationReport]:
    """The same, but parsed with the collector running (``verify_many`` still pauses it
    for its own work): what a caller that does not pause for its parsing gets."""
    reader = RpcReader(chain.rpc_url, chain.contract)
    try:
        return verify_many([parse_json(text) for text in texts], chain=reader)
    finally:
        reader.close()


def measure_bulk(chain: Chain, label: str, run: Callable[[], list[VerificationReport]]) -> Bulk:
    """``RUNS`` runs of one bulk; the figures are the median run's (by wall clock), because
    other tenants of the machine make single runs differ by a fifth (docs/benchmarks.md)."""
    log(f"bulk: {label}")
    runs = []
    for _ in range(RUNS):
        start, cpu = time.perf_counter(), time.process_time()
        reports = run()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        log(f"  {len(reports):,} in {seconds:.2f} s = {len(reports) / seconds:,.0f}/s")
        runs.append((seconds, cpu, [r.verdict.value for r in reports], _tally(reports)))
    if any(verdicts != runs[0][2] for _, _, verdicts, _ in runs):
        raise SystemExit(f"bulk {label}: the runs reached different verdicts")
    seconds, cpu, verdict_list, (verdicts, codes) = sorted(runs, key=lambda r: r[0])[RUNS // 2]
    log(f"  median run: {len(verdict_list) / seconds:,.0f}/s; {verdicts}")
    every = [round(r[0], 6) for r in runs]
    return Bulk(label, len(verdict_list), seconds, cpu, verdicts, codes, verdict_list, every)


def bulk_ids(chain: Chain) -> list[VerificationReport]:
    reader = RpcReader(chain.rpc_url, chain.contract)
    try:
        return verify_many([c.token_id for c in chain.issued], chain=reader)
    finally:
        reader.close()


def measure_single(chain: Chain, sample: Sequence[int], *, by_id: bool) -> Latency:
    """One ``verify`` at a time through one reader (a service keeps its connection)."""
    reader = RpcReader(chain.rpc_url, chain.contract)
    verify(chain.issued[sample[0]].token_id, chain=reader)  # connection and code check, untimed
    latencies, verdicts = [], []
    for i in sample:
        item = chain.issued[i]
        start = time.perf_counter()
        report = verify(item.token_id if by_id else parse_json(item.text), chain=reader)
        latencies.append(time.perf_counter() - start)
        verdicts.append(report.verdict.value)
    reader.close()
    return Latency("token id" if by_id else "document", latencies, verdicts)


def measure_naive(chain: Chain, sample: Sequence[int]) -> Naive:
    """Three calls through web3's contract layer per credential (ownerOf, credential,
    institution), and the verdict those chain facts give."""
    contract = chain.w3.eth.contract(
        address=Web3.to_checksum_address(chain.contract),
        abi=load_artifact().contract("ChainCred").abi,
    )
    verdicts = []
    start = time.perf_counter()
    for i in sample:
        item = chain.issued[i]
        owner = contract.functions.ownerOf(item.token_id).call()
        record = credential_from_row(
            item.token_id, contract.functions.credential(item.token_id).call()
        )
        row = contract.functions.institution(record.institution_id).call()
        institution = institution_from_row(record.institution_id, row)
        current = record.status is Status.ACTIVE and owner == item.recipient
        active = institution.registered and not (
            institution.deactivated_at and institution.deactivated_at <= record.issued_at
        )
        verdicts.append("valid" if current and active else "invalid")
    return Naive(len(sample), time.perf_counter() - start, verdicts)


def profile_bulk(chain: Chain, texts: Sequence[str]) -> cProfile.Profile:
    """The bulk document path once more, on a sample, under cProfile."""
    log(f"profiling the bulk path on {len(texts):,} documents")
    profiler = cProfile.Profile()
    profiler.enable()
    verify_texts(chain, texts)
    profiler.disable()
    return profiler


def successors_valid(chain: Chain) -> bool:
    """The corrected documents that replaced the superseded ones verify as valid."""
    if not chain.successors:
        return True
    reports = verify_texts(chain, [s.text for s in chain.successors])
    return all(r.verdict.value == "valid" for r in reports)


def consistency(chain: Chain, figures: Figures, samples: dict[str, list[int]]) -> dict[str, bool]:
    """What must hold for the figures to mean anything: every path reached the verdicts that
    were set up, and the paths agree credential by credential."""
    expected = chain.expected()
    set_up = {"status.revoked": len(chain.revoked), "status.superseded": len(chain.superseded)}
    codes = {code: count for code, count in set_up.items() if count}
    by_bulk = figures.bulk_documents.verdict_list
    single = [by_bulk[i] for i in samples["single"]]
    naive = [by_bulk[i] for i in samples["naive"]]

    def as_set_up(bulk: Bulk) -> bool:
        return bulk.verdicts == expected and bulk.codes == codes

    return {
        "bulk_documents_as_set_up": as_set_up(figures.bulk_documents),
        "bulk_token_ids_as_set_up": as_set_up(figures.bulk_ids),
        "token_ids_agree_with_documents": figures.bulk_ids.verdict_list == by_bulk,
        "single_agrees_with_bulk": figures.single.verdicts == single,
        "single_token_ids_agree_with_bulk": figures.single_ids.verdicts == single,
        "naive_agrees_with_bulk": figures.naive.verdicts == naive,
        "successors_valid": successors_valid(chain),
        "collecting_agrees_with_bulk": figures.bulk_collecting.verdict_list == by_bulk,
        "singletons_valid": figures.bulk_singletons.verdicts
        == {"valid": len(chain.singletons), "invalid": 0, "indeterminate": 0},
    }


def _samples(n: int, single: int, naive: int, profile: int) -> dict[str, list[int]]:
    rng = random.Random(SEED + 1)
    return {
        "single": rng.sample(range(n), min(single, n)),
        "naive": rng.sample(range(n), min(naive, n)),
        "profile": sorted(rng.sample(range(n), min(profile, n))),
    }


def measure(args: argparse.Namespace) -> Figures:
    """Everything on one fresh chain: set up N credentials, then each path in turn."""
    with AnvilProcess() as anvil:
        log(f"fresh Anvil at {anvil.rpc_url}; deploying and issuing {args.n:,} credentials")
        chain = prepare(anvil, args.n, args.singletons)
        samples = _samples(args.n, args.single, args.naive, args.profile)
        texts = [c.text for c in chain.issued]
        alone = [c.text for c in chain.singletons]
        load_before = os.getloadavg()[0]  # others' work slows wall-clock figures: record it
        documents = measure_bulk(chain, "documents", lambda: verify_texts(chain, texts))
        ids = measure_bulk(chain, "token ids", lambda: bulk_ids(chain))
        collecting = measure_bulk(chain, "documents, parsed with the collector running",
                                  lambda: verify_texts_collecting(chain, texts))  # fmt: skip
        singletons = measure_bulk(chain, "documents of as many achievements",
                                  lambda: verify_texts(chain, alone))  # fmt: skip
        log(f"single: {len(samples['single'])} documents, then as many token ids, one by one")
        single = measure_single(chain, samples["single"], by_id=False)
        single_ids = measure_single(chain, samples["single"], by_id=True)
        log(f"naive: {len(samples['naive'])} credentials, three web3 contract calls each")
        naive = measure_naive(chain, samples["naive"])
        profiler = profile_bulk(chain, [texts[i] for i in samples["profile"]])
        setup = Setup.of(chain, load_before)
        figures = Figures(setup, chain.expected(), documents, ids, single, single_ids, naive,
                          breakdown_of(profiler, len(samples["profile"])),
                          bulk_collecting=collecting, bulk_singletons=singletons)  # fmt: skip
        figures.checks.update(consistency(chain, figures, samples))
        return figures


# ====================================================================== command line

EPILOG = f"""\
What it does: starts one fresh Anvil (Anvil slows as storage grows, so every run starts from
an empty chain), deploys ChainCred, registers one institution, and issues --n real credential
documents with issue_document (one CMF-conforming achievement; a distinct recipient per
credential, derived from its serial; deterministic salts), mints them with mintBatch of
{MINT_CHUNK} (under the 2^24 gas cap), revokes {REVOKED_SHARE:.0%} (revokeBatch) and supersedes
{SUPERSEDED_SHARE:.0%} (supersede, each naming a real corrected document); then mints --singletons
more, each of its own achievement. Then, in the same run:

  bulk      verify_many over all N documents as JSON text (parse_json included, the garbage
            collector paused for parsing and verifying, as the bulk route does) through one
            RpcReader, wall clock of the median of 3 runs -> credentials/s; the same with the
            parsing done while the
            collector runs; verify_many over the N token ids (chain facts only); and the
            --singletons documents of as many achievements (nothing shared: the worst case
            for a bulk). The verdict counts must be those set up.
  single    verify(document) one at a time for --single documents -> p50/p90/p99 ms (and
            verify(token id) for the same sample, to separate the chain's share).
  naive     --naive credentials with three calls each through web3's contract layer
            (ownerOf, credential, institution) -> credentials/s, and bulk/naive ratios.
  profile   the bulk document path once more under cProfile on --profile documents: where the
            time goes, phase by phase.

Targets (issue 4): bulk verification >= 5,000 credentials/s; single p50 <= 10 ms.

Output: progress on stderr. With --json, stdout is exactly one JSON object of the figures.
Otherwise stdout is a readable table, and a run with the default sizes rewrites the section
between {BEGIN} and {END} in docs/benchmarks.md (or --output) unless --no-write. The exit
status is 1 when a consistency check fails (a path reached verdicts other than those set up).
"""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a positive integer")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/verify.py",
        description="Verification speed on one fresh Anvil: bulk, single and the naive path.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=_positive, default=DEFAULT_N, help="credentials (10000)")
    parser.add_argument("--json", action="store_true", help="print only the JSON figures")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the document")
    parser.add_argument("--single", type=_positive, default=SINGLE_SAMPLE, metavar="N",
                        help=f"single verifications timed ({SINGLE_SAMPLE})")  # fmt: skip
    parser.add_argument("--naive", type=_positive, default=NAIVE_SAMPLE, metavar="N",
                        help=f"credentials through the naive path ({NAIVE_SAMPLE})")  # fmt: skip
    parser.add_argument("--profile", type=_positive, default=PROFILE_SAMPLE, metavar="N",
                        help=f"documents profiled ({PROFILE_SAMPLE})")  # fmt: skip
    parser.add_argument("--singletons", type=_positive, default=SINGLETONS, metavar="N",
                        help=f"credentials of N different achievements ({SINGLETONS})")  # fmt: skip
    parser.add_argument("--output", type=Path, default=DOC_PATH, metavar="FILE",
                        help="the document whose verify section is rewritten")  # fmt: skip
    return parser.parse_args(argv)


def _is_full_run(args: argparse.Namespace) -> bool:
    sizes = (args.n, args.single, args.naive, args.profile, args.singletons)
    return sizes == (DEFAULT_N, SINGLE_SAMPLE, NAIVE_SAMPLE, PROFILE_SAMPLE, SINGLETONS)


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
    if args.no_write or status:
        return status
    if not _is_full_run(args):
        log(f"not a full run (non-default sizes): {args.output} left as it is")
        return status
    write_doc(args.output, render_section(figures))
    log(f"wrote the verify section of {args.output}")
    return status


if __name__ == "__main__":
    sys.exit(main())
