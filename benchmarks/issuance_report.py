"""Presenting the issuance benchmark: its figures as JSON, the readable report, and the
"Issuance throughput" section of docs/benchmarks.md.

No chain here: ``benchmarks/issuance.py`` measures and passes the figures in. Split from it
to keep each module short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import docfile
from benchmarks.docfile import markers
from benchmarks.issuance_paths import PathRun
from benchmarks.issuance_profile import AcceptProfile, IndexerReplay
from benchmarks.verify_report import _percentile

SECTION = "issuance"
BEGIN, END = markers(SECTION)
BATCH_TARGET = 500.0  # confirmed credentials/s through the batch path, issue 3
RATIO_TARGET = 10.0  # batch path / naive path, issue 3


def latency_json(latencies: Sequence[float]) -> dict[str, Any]:
    if not latencies:
        return {"count": 0}
    return {
        "count": len(latencies),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 2),
        "min_ms": round(min(latencies) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "mean_ms": round(sum(latencies) / len(latencies) * 1000, 2),
    }


def path_json(run: PathRun) -> dict[str, Any]:
    return {
        "count": run.count,
        "seconds": round(run.seconds, 3),
        "per_second": round(run.per_second, 1),
        "accept_seconds": round(run.accept_seconds, 3),
        "latency": latency_json(run.latencies),
        "gas": run.gas.to_json(),
        "states": run.states,
        "cpu_seconds": run.cpu,
        "blocks": list(run.blocks),
    }


@dataclass
class Figures:
    """Everything one run measured, and whether what it saw holds together."""

    setup: dict[str, Any]
    batch: PathRun
    single: PathRun
    naive: PathRun
    accept: AcceptProfile | None = None
    indexer: IndexerReplay | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    onchain: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.batch.per_second / self.naive.per_second

    def targets(self) -> list[dict[str, Any]]:
        rate = self.batch.per_second
        return [
            {"name": "batch path, confirmed credentials/s", "target": f">= {BATCH_TARGET:g}/s",
             "value": round(rate, 1), "met": rate >= BATCH_TARGET},
            {"name": "batch path / naive path", "target": f">= {RATIO_TARGET:g}x",
             "value": round(self.ratio, 2), "met": self.ratio >= RATIO_TARGET},
        ]  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        batch = path_json(self.batch) | {
            "jobs": len(self.batch.latencies),
            "job_size": self.setup["job_size"],
            "accept_us_per_row": round(sum(self.batch.latencies) / self.batch.count * 1e6),
            "first_confirmed_seconds": first_confirmed(self.batch),
        }
        single = path_json(self.single) | {
            "clients": self.setup["clients"],
            "refused": self.single.notes.get("refused", 0),
            "retried_503": self.single.notes.get("retried_503", {}),
        }
        return {
            "n": self.batch.count,
            "batch": batch,
            "single": single,
            "naive": path_json(self.naive),
            "ratio_batch_to_naive": round(self.ratio, 2),
            "ratio_single_to_naive": round(self.single.per_second / self.naive.per_second, 2),
            "gas_ratio_batch_to_naive": round(
                self.batch.gas.per_credential / self.naive.gas.per_credential, 4
            ),
            "targets": self.targets(),
            "checks": self.checks,
            "onchain": self.onchain,
            "breakdown": {
                "accept": self.accept.to_json() if self.accept else None,
                "indexer": self.indexer.to_json() if self.indexer else None,
                "batch_cpu_us_per_credential": cpu_per_credential(self.batch),
            },
            "setup": self.setup,
        }


def first_confirmed(run: PathRun) -> float | None:
    return next((t for t, confirmed in run.timeline if confirmed), None)


def cpu_per_credential(run: PathRun) -> dict[str, int]:
    return {name: round(s / run.count * 1e6) for name, s in run.cpu.items()}


# ====================================================================== rendering


def _rate(value: float) -> str:
    return f"{value:,.0f}/s"


def _met(met: bool) -> str:
    return "met" if met else "**missed**"


def _ms(latencies: Sequence[float]) -> str:
    row = latency_json(latencies)
    return f"{row['p50_ms']:,.0f} / {row['p99_ms']:,.0f} ms"


def render_figures(f: Figures) -> list[str]:
    b, s, n = f.batch, f.single, f.naive
    rate, ratio = f.targets()
    return [
        "| path | credentials | first request → all confirmed | confirmed/s | request "
        "latency p50 / p99 | gas per credential |",
        "|---|--:|--:|--:|--:|--:|",
        f"| batch endpoint, jobs of {f.setup['job_size']:,} (one client) | {b.count:,} "
        f"| {b.seconds:.2f} s | **{_rate(b.per_second)}** | {_ms(b.latencies)} "
        f"({len(b.latencies)} POSTs) | {b.gas.per_credential:,.0f} |",
        f"| single requests, {f.setup['clients']} concurrent clients | {s.count:,} "
        f"| {s.seconds:.2f} s | {_rate(s.per_second)} | {_ms(s.latencies)} "
        f"| {s.gas.per_credential:,.0f} |",
        f"| naive web3.py (`build_transaction` + sign + send + wait) | {n.count:,} "
        f"| {n.seconds:.2f} s | {_rate(n.per_second)} | {_ms(n.latencies)} "
        f"| {n.gas.per_credential:,.0f} |",
        "",
        "| target (issue 3) | value | target | met |",
        "|---|--:|--:|---|",
        f"| batch path, confirmed credentials/s | {_rate(rate['value'])} | ≥ 500/s "
        f"| {_met(rate['met'])} |",
        f"| batch path / naive path | {ratio['value']:.1f} times | ≥ 10 times "
        f"| {_met(ratio['met'])} |",
    ]


def render_checks(f: Figures) -> list[str]:
    o = f.onchain
    lines = [
        f"- {o['credentials']:,} credentials in all ({f.batch.count:,} + {f.single.count:,} + "
        f"{f.naive.count:,}): {o['minted_once']:,} minted exactly once (ERC-721 `Transfer` "
        f"from the zero address, over the whole chain: {o['mint_events']:,} such events), "
        f"{o['records_match']:,} whose `credentials(ids)` record names the requested holder "
        f"and the institution, active; `balanceOf` summed over the holders: "
        f"{o['balance_sum']:,}.",
        f"- Receipts of the worker's transactions: {f.batch.gas.transactions} `mintBatch` for "
        f"the batch path ({f.batch.gas.mints:,} mints), {f.single.gas.transactions} for the "
        f"single requests ({f.single.gas.mints:,} mints); the API's gas share of "
        f"{o['shares_checked']:,} credentials equals its receipt's `gasUsed` / credentials "
        "in the transaction.",
    ]
    retried, refused = f.single.notes.get("retried_503", {}), f.single.notes.get("refused", 0)
    if retried or refused:
        lines.append(f"- Single requests answered 503 and retried: {retried}; refused after "
                     f"retries: {refused:,}.")  # fmt: skip
    failed = [name for name, ok in f.checks.items() if not ok]
    lines.append(f"- Checks: {'all hold' if not failed else 'FAILED: ' + ', '.join(failed)} "
                 f"({', '.join(f.checks)}).")  # fmt: skip
    return lines


def render_breakdown(f: Figures) -> list[str]:
    b = f.batch
    cpu = cpu_per_credential(b)
    cores = f.setup["machine"]["cores"] or 1
    busy = sum(b.cpu.values()) / (cores * b.seconds)
    lines = [
        "| where (batch path) | CPU seconds | µs per credential |",
        "|---|--:|--:|",
        *(f"| {name} | {seconds:.2f} | {cpu[name]:,} |" for name, seconds in b.cpu.items()),
        f"| **all** ({cores} cores, {b.seconds:.2f} s wall = {cores * b.seconds:.2f} CPU "
        f"seconds available; {busy:.0%} used) | {sum(b.cpu.values()):.2f} "
        f"| {sum(cpu.values()):,} |",
    ]
    if f.accept is not None:
        a = f.accept
        title = f"API accept path (`issue_batch` in process, {a.rows:,} rows, cProfile)"
        lines += ["", f"| {title} | share | ≈ µs per row |", "|---|--:|--:|"]
        for name, seconds in a.phases:
            share = seconds / a.profiled_seconds
            lines.append(f"| {name} | {share:.1%} | {share * a.us_per_row:,.0f} |")
        lines.append(f"| **total** (unprofiled) | 100% | {a.us_per_row:,.0f} |")
    return lines


def render_budget(f: Figures) -> str:
    b = f.batch
    cpu = cpu_per_credential(b)
    api, worker, anvil = (next((v for k, v in cpu.items() if k.startswith(p)), 0)
                          for p in ("API", "worker", "Anvil"))  # fmt: skip
    client_side = sum(b.latencies) / b.count * 1e6
    parts = [
        f"The batch path took {b.seconds:.2f} s: the {len(b.latencies)} POSTs were answered "
        f"{b.accept_seconds:.2f} s after the first was sent ({client_side:,.0f} µs per row "
        f"as the client saw it), the first credentials were confirmed after "
        f"{first_confirmed(b) or 0:.2f} s, and the last ones {b.seconds - b.accept_seconds:.2f} "
        "s after the last answer. 500 credentials/s leaves 2,000 µs of wall time per credential; "
        f"the API spent {api:,} µs of CPU per credential, the worker {worker:,} µs and Anvil "
        f"{anvil:,} µs."
    ]
    if f.accept is not None:
        a = f.accept
        parse = a.parse_seconds / a.rows * 1e6
        parts.append(
            f"In process, without HTTP, the route's strict JSON parse of the body "
            f"(`parse_json`) takes {parse:,.0f} µs per row and `issue_batch` "
            f"{a.us_per_row:,.0f} µs per row; "
            f"RFC 8785 canonicalization (`canonical_bytes`) runs "
            f"{a.canonical_calls / a.rows:.0f} times per row and takes "
            f"{a.canonical_seconds / a.profiled_seconds:.0%} of it."
        )
    if f.indexer is not None:
        i = f.indexer
        parts.append(
            f"The indexer runs as its own process (`chaincred worker --index-only`), next to "
            f"the signer (`--no-index`): replaying this run's {i.events:,} events took "
            f"{i.seconds:.2f} s in this process, {i.us_per_credential:,.0f} µs per credential "
            "— CPU that no longer stalls the signer's loop, but still shares the cores."
        )
    return " ".join(parts)


INTRO_PROSE = """\
_Written by `benchmarks/issuance.py` on {date}; rerun the script rather than editing this section._

One command, `.venv/bin/python benchmarks/issuance.py` ({total:.0f} s): one fresh Anvil ({anvil},
{mining}) and a fresh data directory; the API (`chaincred serve`) and the signer worker
(`chaincred worker --no-index`) and the event follower (`chaincred worker --index-only`)
run as child processes with `chaincred up`'s settings ({database},
built-in pinning store, batch size {batch_size}, batch interval {batch_interval} s,
{confirmations} confirmation), on a machine with {cores} cores ({cpu}; Python {python}, web3
{web3}). Other work shared the machine: the 1-minute load average was {load_before} before the
measurements and {load_after} after them. In one run, each path timed from its first request
until every one of its credentials was seen confirmed (the API's state; polled every 0.2 s):

- **naive** first, on the freshest chain (which favours it): {naive:,} credentials, each one
  `contract.functions.mint(…).build_transaction(…)` + sign + `send_raw_transaction` +
  `wait_for_transaction_receipt` with web3.py, from a second signer of the same institution;
  token ids of real documents built beforehand (untimed).
- **batch**: {n:,} credentials posted to `POST /v1/credentials/batch` in jobs of {job_size:,},
  one after the other from one client; `GET /v1/jobs/{{id}}` polled until all are confirmed.
- **single**: {single:,} credentials, one `POST /v1/credentials` each, from {clients} concurrent
  clients (threads, httpx); the last one accepted is polled until confirmed, then every other
  one is checked (any not yet confirmed moves the end).

Every credential has a distinct fresh holder. Gas comes from the receipts of the transactions
each path caused; latency is per HTTP request (batch: per job of {job_size:,} rows).
"""


def render_intro(f: Figures) -> str:
    s, m = f.setup, f.setup["machine"]
    return INTRO_PROSE.format(
        date=s["date"], total=s["total_seconds"], anvil=s["anvil"], mining=s["mining"],
        database=s["database"], batch_size=s["batch_size"], batch_interval=s["batch_interval"],
        confirmations=s["confirmations"], cores=m["cores"], cpu=m["cpu"], python=m["python"],
        web3=m["web3"], load_before=m["load_average_before"],
        load_after=m["load_average_after"], naive=f.naive.count, n=f.batch.count,
        job_size=s["job_size"], single=f.single.count, clients=s["clients"],
    )  # fmt: skip


def render_section(f: Figures, findings: str) -> str:
    lines = [
        "## Issuance throughput",
        "",
        render_intro(f),
        "### Figures",
        "",
        *render_figures(f),
        "",
        "### Every credential on chain once",
        "",
        *render_checks(f),
        "",
        "### Where the time goes",
        "",
        *render_breakdown(f),
        "",
        render_budget(f),
    ]
    if findings.strip():
        lines += ["", findings.strip()]
    return "\n".join(lines) + "\n"


def render_table(f: Figures) -> list[str]:
    """The readable report on stdout: the tables of the document, without the intro."""
    return [
        f"Issuance: N = {f.batch.count:,}, {f.setup['anvil']} ({f.setup['mining']}), "
        f"{f.setup['machine']['cores']} cores, {f.setup['total_seconds']:.0f} s",
        "",
        *render_figures(f),
        "",
        *render_checks(f),
        "",
        *render_breakdown(f),
        "",
        render_budget(f),
    ]


# ====================================================================== the document


def rewrite_section(text: str, section: str) -> str:
    """``text`` with the issuance section replaced, or appended when it has none yet."""
    return docfile.rewrite_section(text, SECTION, section)


def write_doc(path: Path, section: str) -> None:
    docfile.write_section(path, SECTION, section)
