"""Presenting the verification benchmark: figures, the profile breakdown, and the
"Verification speed" section of docs/benchmarks.md.

No chain here beyond reading machine facts: ``benchmarks/verify.py`` measures and passes the
figures in. Split from it to keep each module short.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import web3

from benchmarks import docfile
from benchmarks.docfile import markers
from benchmarks.verify_profile import Breakdown
from benchmarks.verify_setup import Chain

SECTION = "verify"
BEGIN, END = markers(SECTION)
BULK_TARGET = 5_000  # credentials/s, issue 4
P50_TARGET_MS = 10.0  # single verification, issue 4


@dataclass(frozen=True)
class Bulk:
    """One ``verify_many`` over every credential."""

    label: str
    count: int
    seconds: float
    cpu_seconds: float  # this process only (not Anvil): what other work on the machine spares
    verdicts: dict[str, int]
    codes: dict[str, int]  # failed checks' codes
    verdict_list: list[str] = field(repr=False)
    every_run: list[float] = field(default_factory=list)  # seconds of each run

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "seconds": round(self.seconds, 6),
            "per_second": round(self.per_second, 1),
            "cpu_seconds": round(self.cpu_seconds, 6),
            "per_cpu_second": round(self.count / self.cpu_seconds, 1),
            "verdicts": self.verdicts,
            "failed_codes": self.codes,
            "seconds_of_each_run": self.every_run,
        }


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class Latency:
    """Single verifications, one at a time; latencies in seconds."""

    label: str
    latencies: list[float] = field(repr=False)
    verdicts: list[str] = field(repr=False)

    def ms(self, q: float) -> float:
        return _percentile(self.latencies, q) * 1000

    def to_json(self) -> dict[str, Any]:
        return {
            "count": len(self.latencies),
            "p50_ms": round(self.ms(50), 3),
            "p90_ms": round(self.ms(90), 3),
            "p99_ms": round(self.ms(99), 3),
            "mean_ms": round(sum(self.latencies) / len(self.latencies) * 1000, 3),
        }


@dataclass(frozen=True)
class Naive:
    """Three web3 contract calls per credential."""

    count: int
    seconds: float
    verdicts: list[str] = field(repr=False)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "calls_per_credential": 3,
            "seconds": round(self.seconds, 6),
            "per_second": round(self.per_second, 1),
        }


@dataclass(frozen=True)
class Setup:
    """What was set up, how long it took, and on what."""

    n: int
    revoked: int
    superseded: int
    seconds: dict[str, float]
    anvil: str
    machine: dict[str, Any]
    date: str

    @classmethod
    def of(cls, chain: Chain, load_before: float) -> Setup:
        machine = {
            "cores": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
            "web3": web3.__version__,
            "load_average_before": round(load_before, 2),  # 1 min, before the measurements
            "load_average_after": round(os.getloadavg()[0], 2),
        }
        date = datetime.now(UTC).date().isoformat()
        revoked, superseded = len(chain.revoked), len(chain.superseded)
        anvil = str(chain.w3.client_version)
        return cls(len(chain.issued), revoked, superseded, chain.seconds, anvil, machine, date)


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown"


# ====================================================================== the figures


@dataclass
class Figures:
    """Everything one run measured, and whether its paths agreed."""

    setup: Setup
    expected: dict[str, int]
    bulk_documents: Bulk
    bulk_ids: Bulk
    single: Latency
    single_ids: Latency
    naive: Naive
    breakdown: Breakdown
    bulk_collecting: Bulk  # the documents parsed while the collector runs
    bulk_singletons: Bulk  # documents of as many achievements: nothing shared
    checks: dict[str, bool] = field(default_factory=dict)

    def targets(self) -> list[dict[str, Any]]:
        bulk, p50 = self.bulk_documents.per_second, self.single.ms(50)
        return [
            {"name": "bulk verification of documents", "target": f">= {BULK_TARGET:,}/s",
             "value": round(bulk, 1), "met": bulk >= BULK_TARGET},
            {"name": "full single verification p50", "target": f"<= {P50_TARGET_MS:g} ms",
             "value": round(p50, 3), "met": p50 <= P50_TARGET_MS},
        ]  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        s = self.setup
        return {
            "n": s.n,
            "recipients": "distinct (one derived address per credential)",
            "revoked": s.revoked,
            "superseded": s.superseded,
            "expected_verdicts": self.expected,
            "bulk_documents": self.bulk_documents.to_json(),
            "bulk_token_ids": self.bulk_ids.to_json(),
            "bulk_documents_parsed_with_collector_running": self.bulk_collecting.to_json(),
            "bulk_documents_of_as_many_achievements": self.bulk_singletons.to_json(),
            "single_documents": self.single.to_json(),
            "single_token_ids": self.single_ids.to_json(),
            "naive": self.naive.to_json(),
            "ratio_bulk_documents_to_naive": round(
                self.bulk_documents.per_second / self.naive.per_second, 2
            ),
            "ratio_bulk_token_ids_to_naive": round(
                self.bulk_ids.per_second / self.naive.per_second, 2
            ),
            "targets": self.targets(),
            "checks": self.checks,
            "breakdown": self.breakdown.to_json(),
            "setup_seconds": s.seconds,
            "anvil": s.anvil,
            "machine": s.machine,
            "date": s.date,
        }


def _rate(value: float) -> str:
    return f"{value:,.0f}/s"


def render_figures(f: Figures) -> list[str]:
    naive = f.naive.per_second
    return [
        "| measure | value | target | met |",
        "|---|--:|--:|---|",
        f"| bulk, {f.bulk_documents.count:,} documents of one course (`verify_many`, JSON "
        f"parsing included) | {_rate(f.bulk_documents.per_second)} | ≥ {BULK_TARGET:,}/s "
        f"| {_met(f.targets()[0]['met'])} |",
        f"| the same, parsed while the garbage collector runs "
        f"| {_rate(f.bulk_collecting.per_second)} | — | — |",
        f"| bulk, {f.bulk_singletons.count:,} documents of {f.bulk_singletons.count:,} different "
        f"achievements (nothing shared) | {_rate(f.bulk_singletons.per_second)} | — | — |",
        f"| bulk, {f.bulk_ids.count:,} token ids (chain facts only) "
        f"| {_rate(f.bulk_ids.per_second)} | — | — |",
        f"| bulk documents, per second of this process's CPU time "
        f"| {_rate(f.bulk_documents.count / f.bulk_documents.cpu_seconds)} | — | — |",
        f"| bulk token ids, per second of this process's CPU time "
        f"| {_rate(f.bulk_ids.count / f.bulk_ids.cpu_seconds)} | — | — |",
        f"| single `verify(document)`, p50 / p90 / p99 ({len(f.single.latencies)} one by one) "
        f"| {_ms(f.single)} | p50 ≤ {P50_TARGET_MS:g} ms | {_met(f.targets()[1]['met'])} |",
        f"| single `verify(token id)`, p50 / p90 / p99 | {_ms(f.single_ids)} | — | — |",
        f"| naive: 3 web3 contract calls per credential ({f.naive.count}) "
        f"| {_rate(naive)} | — | — |",
        f"| ratio bulk documents / naive | {f.bulk_documents.per_second / naive:,.1f} "
        "times | — | — |",
        f"| ratio bulk token ids / naive | {f.bulk_ids.per_second / naive:,.1f} times | — | — |",
    ]


def _ms(latency: Latency) -> str:
    return " / ".join(f"{latency.ms(q):.2f}" for q in (50, 90, 99)) + " ms"


def _met(met: bool) -> str:
    return "met" if met else "**missed**"


def render_verdicts(f: Figures) -> list[str]:
    lines = ["| path | valid | invalid | indeterminate | failed checks |", "|---|--:|--:|--:|---|"]
    e = f.expected
    lines.append(f"| set up | {e['valid']:,} | {e['invalid']:,} | {e['indeterminate']:,} "
                 f"| {f.setup.revoked:,} revoked, {f.setup.superseded:,} superseded |")  # fmt: skip
    for bulk in (f.bulk_documents, f.bulk_collecting, f.bulk_ids):
        v, codes = bulk.verdicts, ", ".join(f"`{k}` {n:,}" for k, n in bulk.codes.items())
        lines.append(f"| bulk {bulk.label} | {v['valid']:,} | {v['invalid']:,} "
                     f"| {v['indeterminate']:,} | {codes or '—'} |")  # fmt: skip
    v = f.bulk_singletons.verdicts
    lines.append(f"| {f.bulk_singletons.count:,} of as many achievements (all set up valid) "
                 f"| {v['valid']:,} | {v['invalid']:,} | {v['indeterminate']:,} | — |")  # fmt: skip
    return lines


def render_breakdown(f: Figures) -> list[str]:
    b = f.breakdown
    per = f.bulk_documents.seconds / f.bulk_documents.count * 1e6  # µs per credential, unprofiled
    lines = ["| phase | share | ≈ µs per credential |", "|---|--:|--:|"]
    for name, seconds in b.phases:
        share = seconds / b.seconds
        lines.append(f"| {name} | {share:.1%} | {share * per:,.0f} |")
    lines.append(f"| **total** | 100% | {per:,.0f} |")
    return lines


INTRO_PROSE = """\
_Written by `benchmarks/verify.py` on {date}; rerun the script rather than editing this section._

One command, `.venv/bin/python benchmarks/verify.py`: one fresh Anvil ({anvil}) on a machine
with {cores} cores ({cpu}; Python {python}, web3 {web3}). Other work shared the machine: the
1-minute load average was {load_average_before} before the measurements and
{load_average_after} after them, which slows every wall-clock figure (Anvil included); the
rate per second of this process's CPU time is less sensitive to it. ChainCred is deployed, one
institution registered, and **{n:,} real credential documents** are built with
`issue_document` (one CMF-conforming achievement; a distinct recipient per credential,
derived from its serial; deterministic salts; {build:.0f} s) and minted with `mintBatch` of
300 ({mint:.0f} s); then {revoked:,} are revoked (`revokeBatch`) and {superseded:,} superseded
(`supersede`, each naming a real corrected document, which verifies as valid); then
{singletons:,} more are minted, each of its own achievement. Every figure comes from that one
chain in that one run, and each path's verdicts are checked against what was set up and
against the other paths, credential by credential.

- **bulk**: `verify_many` over all N documents as JSON text, read by `parse_json` (the strict
  reader of the API and the CLI: duplicate keys and `NaN` refused) through one `RpcReader`
  (the contract's `credentials` batch view, 100 ids per `eth_call`, all calls in one JSON-RPC
  batch), with the garbage collector paused for parsing and verifying and each parsed
  document let go of once checked (`released`), as the bulk route does
  (`services/collector.py`; the young-generation scan the pause put off runs inside the
  clock). Each bulk runs {runs} times and the median run is reported (every run's seconds are
  in the `--json` output): other tenants of this virtual machine make single runs differ by a
  fifth. The N documents are one course's: `CohortReader` validates what they share once
  (`domain/cohort.py`). Beside it: the same documents parsed while the collector runs;
  `verify_many` over the N token ids (chain facts only); and the {singletons:,} documents of
  as many achievements, where nothing is shared: the worst case.
- **single**: `verify(document)` one at a time, {single} documents, through one reader (a
  service keeps its connection); `verify(token id)` for the same sample shows the chain's share.
- **naive**: {naive} credentials through web3's contract layer, three calls each
  (`ownerOf`, `credential`, `institution`), giving the same verdicts as the batched path.
"""


def render_intro(f: Figures) -> str:
    s = f.setup
    return INTRO_PROSE.format(
        date=s.date,
        anvil=s.anvil,
        **s.machine,
        n=s.n,
        build=s.seconds.get("build_documents", 0.0),
        mint=s.seconds.get("mint", 0.0),
        revoked=s.revoked,
        superseded=s.superseded,
        singletons=f.bulk_singletons.count,
        runs=len(f.bulk_documents.every_run),
        single=len(f.single.latencies),
        naive=f.naive.count,
    )


BUDGET_PROSE = """\
{target} credentials/s leaves {budget:,.0f} µs per credential; the document path takes
{per:,.0f} µs, of which the chain read is {chain:,.0f} µs and the local checks (format and
integrity: parsing, validation, canonicalization, digests) {local:,.0f} µs. `canonical_bytes` runs
{calls:,.0f} times per credential ({canonical:.0%} of the profiled time, all callers) and
pydantic validation takes {pydantic:.0%}. A single verification adds three HTTP round trips
to one document's local checks: `verify(token id)` has a p50 of {id_p50:.2f} ms,
`verify(document)` {doc_p50:.2f} ms.

cProfile ran on {sample:,} of the documents; it slows Python-level code more than C-level code
(JSON, sockets), so the µs column scales its shares to the unprofiled bulk time: an estimate.
"""


def render_budget(f: Figures) -> str:
    b, per = f.breakdown, f.bulk_documents.seconds / f.bulk_documents.count * 1e6
    shares = {name: seconds / b.seconds for name, seconds in b.phases}
    chain = shares[next(n for n in shares if n.startswith("chain read"))]
    local = sum(
        s for n, s in shares.items() if not n.startswith(("chain", "JSON", "checks", "other"))
    )
    return BUDGET_PROSE.format(
        target=f"{BULK_TARGET:,}",
        budget=1e6 / BULK_TARGET,
        per=per,
        chain=chain * per,
        local=local * per,
        calls=b.canonical_calls / b.sample,
        canonical=b.canonical_seconds / b.seconds,
        pydantic=b.pydantic_seconds / b.seconds,
        id_p50=f.single_ids.ms(50),
        doc_p50=f.single.ms(50),
        sample=b.sample,
    )


def render_section(f: Figures) -> str:
    lines = [
        "## Verification speed",
        "",
        render_intro(f),
        "### Figures",
        "",
        *render_figures(f),
        "",
        "### Verdicts (every path must reach those set up)",
        "",
        *render_verdicts(f),
        "",
        "### Where the bulk time goes (cProfile of the document path)",
        "",
        *render_breakdown(f),
        "",
        render_budget(f).rstrip(),
    ]
    return "\n".join(lines) + "\n"


def render_table(f: Figures) -> list[str]:
    """The readable report on stdout: the same tables as the document, without the prose."""
    checks = ", ".join(f"{name} {'ok' if ok else 'FAILED'}" for name, ok in f.checks.items())
    return [
        f"Verification speed: N = {f.setup.n:,}, {f.setup.anvil}, {f.setup.machine['cores']} cores",
        "",
        *render_figures(f),
        "",
        *render_verdicts(f),
        "",
        f"consistency: {checks}",
        "",
        *render_breakdown(f),
        "",
        render_budget(f).rstrip(),
    ]


# ====================================================================== the document


def rewrite_section(text: str, section: str) -> str:
    """``text`` with the verify section replaced, or appended when it has none yet."""
    return docfile.rewrite_section(text, SECTION, section)


def write_doc(path: Path, section: str) -> None:
    docfile.write_section(path, SECTION, section)
