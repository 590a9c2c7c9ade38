"""benchmarks/issuance.py: its --json mode end to end (a real Anvil, the API and the worker as
child processes) with a small N, checked against the chain it leaves; and the pure helpers it
reports with."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gas_report import BEGIN as GAS_BEGIN
from benchmarks.gas_report import END as GAS_END
from benchmarks.issuance import _is_full_run, parse_args
from benchmarks.issuance_chain import TRANSFER, ZERO_TOPIC, Rpc, balances, records
from benchmarks.issuance_report import BEGIN, END, rewrite_section
from chaincred.domain.onchain import Status
from chaincred.toolchain.anvil import AnvilProcess

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "issuance.py"
SIZES = {"--n": 60, "--job-size": 25, "--single": 30, "--clients": 4, "--naive": 8,
         "--profile": 20}  # fmt: skip
PATHS = ("batch", "single", "naive")


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilProcess]:
    """The run's fresh chain, kept after the script ends so the test can read it itself."""
    with AnvilProcess() as process:
        yield process


@pytest.fixture(scope="module")
def figures(anvil: AnvilProcess) -> dict[str, Any]:
    options = [str(part) for pair in SIZES.items() for part in pair]
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", "--rpc", anvil.rpc_url, *options],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(completed.stdout)  # stdout holds the JSON alone
    return parsed


def _minted(rpc: Rpc) -> list[dict[str, Any]]:
    logs: list[dict[str, Any]] = rpc.call(
        "eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "topics": [TRANSFER, ZERO_TOPIC]}
    )
    return logs


@pytest.mark.chain
@pytest.mark.slow
def test_the_sizes_asked_for_are_the_sizes_measured(figures: dict[str, Any]) -> None:
    assert figures["n"] == figures["batch"]["count"] == SIZES["--n"]
    assert figures["single"]["count"] == SIZES["--single"]
    assert figures["naive"]["count"] == SIZES["--naive"]
    assert figures["batch"]["jobs"] == math.ceil(SIZES["--n"] / SIZES["--job-size"])
    assert figures["batch"]["latency"]["count"] == figures["batch"]["jobs"]
    assert figures["single"]["latency"]["count"] == SIZES["--single"]  # one per request
    assert figures["naive"]["latency"]["count"] == SIZES["--naive"]
    assert figures["single"]["clients"] == SIZES["--clients"]
    assert figures["breakdown"]["accept"]["rows"] == SIZES["--profile"]


@pytest.mark.chain
@pytest.mark.slow
def test_every_credential_is_confirmed_and_on_chain_exactly_once(
    figures: dict[str, Any], anvil: AnvilProcess
) -> None:
    total = sum(figures[p]["count"] for p in PATHS)
    for path in PATHS:
        assert figures[path]["states"] == {"confirmed": figures[path]["count"]}
    assert figures["checks"] == dict.fromkeys(figures["checks"], True)
    onchain = figures["onchain"]
    assert onchain["credentials"] == onchain["distinct_token_ids"] == onchain["minted_once"]
    assert onchain["minted_once"] == onchain["mint_events"] == onchain["records_match"] == total
    assert onchain["balance_sum"] == total
    # The chain itself, read here: one mint per token id, as many as the paths issued, each
    # held by its recipient (distinct fresh holders: each balance is 1), all active.
    rpc = Rpc(anvil.rpc_url)
    try:
        logs = _minted(rpc)
        tokens = Counter(int(log["topics"][3], 16) for log in logs)
        holders = ["0x" + log["topics"][2][-40:] for log in logs]
        assert len(tokens) == len(logs) == total
        assert set(tokens.values()) == {1}
        contract = logs[0]["address"]
        assert {log["address"] for log in logs} == {contract}
        assert balances(rpc, contract, holders) == [1] * total
        found = records(anvil.rpc_url, contract, list(tokens))
        assert {r.status for r in found} == {Status.ACTIVE}
        assert len({r.institution_id for r in found}) == 1
    finally:
        rpc.close()


@pytest.mark.chain
@pytest.mark.slow
def test_gas_comes_from_the_receipts_and_batching_is_cheaper(figures: dict[str, Any]) -> None:
    for path in PATHS:
        gas = figures[path]["gas"]
        assert gas["mints"] == figures[path]["count"]
        assert gas["gas_per_credential"] == pytest.approx(gas["gas_used"] / gas["mints"], abs=0.1)
    naive, batch = figures["naive"]["gas"], figures["batch"]["gas"]
    assert naive["transactions"] == naive["mints"]  # one mint per transaction
    assert batch["transactions"] < batch["mints"]  # many per mintBatch
    assert batch["gas_per_credential"] < naive["gas_per_credential"]
    # A single mint to a fresh holder pays the 21,000 base and two cold slots (gas benchmark).
    assert 70_000 < naive["gas_per_credential"] < 80_000
    ratio = figures["gas_ratio_batch_to_naive"]
    assert ratio == pytest.approx(batch["gas_per_credential"] / naive["gas_per_credential"], 1e-3)


@pytest.mark.chain
@pytest.mark.slow
def test_rates_ratios_and_targets_follow_from_counts_and_times(figures: dict[str, Any]) -> None:
    for path in PATHS:
        row = figures[path]
        assert row["per_second"] == pytest.approx(row["count"] / row["seconds"], rel=0.01)
        assert 0 < row["accept_seconds"] <= row["seconds"] + 1e-3
        latency = row["latency"]
        assert 0 < latency["min_ms"] <= latency["p50_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    naive = figures["naive"]["per_second"]
    ratio = figures["ratio_batch_to_naive"]
    assert ratio == pytest.approx(figures["batch"]["per_second"] / naive, rel=0.01)
    rate, versus = figures["targets"]
    assert rate["value"] == pytest.approx(figures["batch"]["per_second"], abs=0.1)
    assert rate["met"] is (rate["value"] >= 500)
    assert versus["value"] == pytest.approx(ratio, abs=0.01)
    assert versus["met"] is (versus["value"] >= 10)
    # Confirmed credentials come after the first request and the jobs' answers.
    assert 0 < figures["batch"]["first_confirmed_seconds"] <= figures["batch"]["seconds"]


@pytest.mark.chain
@pytest.mark.slow
def test_the_breakdown_accounts_for_the_processes_and_the_accept_path(
    figures: dict[str, Any],
) -> None:
    cpu = figures["batch"]["cpu_seconds"]
    assert {
        "API (chaincred serve)",
        "worker (chaincred worker --no-index)",
        "benchmark client",
    } <= set(cpu)
    assert "indexer (chaincred worker --index-only)" in cpu
    assert cpu["API (chaincred serve)"] > 0  # it built the documents
    per = figures["breakdown"]["batch_cpu_us_per_credential"]
    assert per == {k: round(v / figures["n"] * 1e6) for k, v in cpu.items()}
    accept = figures["breakdown"]["accept"]
    assert sum(p["share"] for p in accept["phases"]) == pytest.approx(1, abs=0.01)
    assert sum(p["seconds"] for p in accept["phases"]) == pytest.approx(
        accept["profiled_seconds"], rel=0.01
    )
    assert any(p["phase"].startswith("documents built") for p in accept["phases"])
    assert accept["canonical_bytes_calls_per_row"] >= 1  # the digest at least
    indexer = figures["breakdown"]["indexer"]
    assert indexer["events"] >= indexer["credentials"] == figures["onchain"]["credentials"]


def test_rewrite_section_replaces_only_the_issuance_section() -> None:
    gas = f"{GAS_BEGIN}\n## Gas\nkept\n{GAS_END}"
    text = f"# Benchmarks\n\n{gas}\n\n{BEGIN}\nold figures\n{END}\n"
    rewritten = rewrite_section(text, "## Issuance throughput\nnew\n")
    assert rewritten == f"# Benchmarks\n\n{gas}\n\n{BEGIN}\n## Issuance throughput\nnew\n{END}\n"
    assert rewrite_section(rewritten, "## Issuance throughput\nnew\n") == rewritten


def test_rewrite_section_appends_after_the_other_sections() -> None:
    text = f"# Benchmarks\n\n{GAS_BEGIN}\ngas\n{GAS_END}\n"
    assert rewrite_section(text, "## Issuance") == f"{text}\n{BEGIN}\n## Issuance\n{END}\n"


def test_only_the_default_sizes_and_settings_rewrite_the_document() -> None:
    assert _is_full_run(parse_args([]))
    assert _is_full_run(parse_args(["--no-write", "--json"]))
    assert not _is_full_run(parse_args(["--n", "100"]))
    assert not _is_full_run(parse_args(["--clients", "4"]))
    assert not _is_full_run(parse_args(["--worker-arg=--no-index"]))
    assert not _is_full_run(parse_args(["--block-time", "1"]))
    assert not _is_full_run(parse_args(["--rpc", "http://127.0.0.1:8545"]))
