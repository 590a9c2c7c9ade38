"""benchmarks/verify.py: its --json mode end to end on a real Anvil with a small N, and the
pure helpers it reports with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gas_report import BEGIN as GAS_BEGIN
from benchmarks.gas_report import END as GAS_END
from benchmarks.verify import _is_full_run, parse_args
from benchmarks.verify_report import BEGIN, END, _percentile, rewrite_section

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "verify.py"
SIZES = {"--n": 40, "--single": 12, "--naive": 8, "--profile": 20, "--singletons": 6}


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    options = [str(part) for pair in SIZES.items() for part in pair]
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", *options],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    parsed: dict[str, Any] = json.loads(completed.stdout)  # stdout holds the JSON alone
    return parsed


@pytest.mark.chain
def test_the_sizes_asked_for_are_the_sizes_measured(figures: dict[str, Any]) -> None:
    assert figures["n"] == SIZES["--n"]
    assert figures["bulk_documents"]["count"] == figures["bulk_token_ids"]["count"] == 40
    assert figures["single_documents"]["count"] == figures["single_token_ids"]["count"] == 12
    assert figures["naive"]["count"] == 8
    assert figures["breakdown"]["sample"] == 20
    assert figures["bulk_documents_parsed_with_collector_running"]["count"] == 40
    assert figures["bulk_documents_of_as_many_achievements"]["count"] == 6


@pytest.mark.chain
def test_every_path_reaches_the_verdicts_that_were_set_up(figures: dict[str, Any]) -> None:
    revoked, superseded = figures["revoked"], figures["superseded"]
    assert revoked >= 1 and superseded >= 1
    expected = figures["expected_verdicts"]
    assert expected == {
        "valid": figures["n"] - revoked - superseded,
        "invalid": revoked + superseded,
        "indeterminate": 0,
    }
    codes = {"status.revoked": revoked, "status.superseded": superseded}
    collecting = "bulk_documents_parsed_with_collector_running"
    for path in ("bulk_documents", "bulk_token_ids", collecting):
        assert figures[path]["verdicts"] == expected
        assert figures[path]["failed_codes"] == codes
    alone = figures["bulk_documents_of_as_many_achievements"]
    assert alone["verdicts"] == {"valid": 6, "invalid": 0, "indeterminate": 0}
    # Credential by credential: ids against documents, single and naive against bulk, and the
    # corrected documents that superseded the originals verify as valid.
    assert figures["checks"] == dict.fromkeys(figures["checks"], True)
    assert set(figures["checks"]) >= {
        "naive_agrees_with_bulk",
        "single_agrees_with_bulk",
        "collecting_agrees_with_bulk",
        "singletons_valid",
    }


@pytest.mark.chain
def test_rates_and_ratios_follow_from_counts_and_times(figures: dict[str, Any]) -> None:
    for path in ("bulk_documents", "bulk_token_ids", "naive"):
        row = figures[path]
        assert row["per_second"] == pytest.approx(row["count"] / row["seconds"], rel=0.01)
    naive = figures["naive"]["per_second"]
    for path in ("bulk_documents", "bulk_token_ids"):
        ratio = figures[f"ratio_{path}_to_naive"]
        assert ratio == pytest.approx(figures[path]["per_second"] / naive, rel=0.01)
    # One batched read for all ids beats three web3 calls per credential.
    assert figures["bulk_token_ids"]["per_second"] > naive


@pytest.mark.chain
def test_latency_percentiles_are_ordered(figures: dict[str, Any]) -> None:
    for path in ("single_documents", "single_token_ids"):
        row = figures[path]
        assert 0 < row["p50_ms"] <= row["p90_ms"] <= row["p99_ms"]


@pytest.mark.chain
def test_met_is_the_comparison_with_the_target(figures: dict[str, Any]) -> None:
    bulk, single = figures["targets"]
    assert bulk["value"] == pytest.approx(figures["bulk_documents"]["per_second"], abs=0.1)
    assert bulk["met"] is (bulk["value"] >= 5_000)
    assert single["value"] == pytest.approx(figures["single_documents"]["p50_ms"], abs=0.001)
    assert single["met"] is (single["value"] <= 10)


@pytest.mark.chain
def test_the_breakdown_partitions_the_profiled_time(figures: dict[str, Any]) -> None:
    breakdown = figures["breakdown"]
    phases = {p["phase"]: p for p in breakdown["phases"]}
    total = sum(p["seconds"] for p in phases.values())
    assert total == pytest.approx(breakdown["profiled_seconds"], rel=0.01)
    assert sum(p["share"] for p in phases.values()) == pytest.approx(1, abs=0.01)
    assert all(p["seconds"] >= -1e-3 for p in phases.values())
    assert any(name.startswith("chain read") for name in phases)
    assert breakdown["canonical_bytes_calls_per_credential"] >= 1  # the digest at least


def test_rewrite_section_replaces_only_the_verify_section() -> None:
    gas = f"{GAS_BEGIN}\n## Gas\nkept\n{GAS_END}"
    text = f"# Benchmarks\n\n{gas}\n\n{BEGIN}\nold figures\n{END}\n"
    rewritten = rewrite_section(text, "## Verification speed\nnew\n")
    assert rewritten == f"# Benchmarks\n\n{gas}\n\n{BEGIN}\n## Verification speed\nnew\n{END}\n"
    assert rewrite_section(rewritten, "## Verification speed\nnew\n") == rewritten


def test_rewrite_section_appends_after_the_other_sections() -> None:
    text = f"# Benchmarks\n\n{GAS_BEGIN}\ngas\n{GAS_END}\n"
    rewritten = rewrite_section(text, "## Verification speed")
    assert rewritten == f"{text}\n{BEGIN}\n## Verification speed\n{END}\n"


def test_only_the_default_sizes_rewrite_the_document() -> None:
    assert _is_full_run(parse_args([]))
    assert _is_full_run(parse_args(["--no-write"]))
    assert not _is_full_run(parse_args(["--n", "100"]))
    assert not _is_full_run(parse_args(["--single", "5"]))
    assert not _is_full_run(parse_args(["--singletons", "5"]))


@pytest.mark.parametrize(("q", "expected"), [(50, 5), (90, 9), (99, 10), (100, 10), (1, 1)])
def test_percentile_is_nearest_rank(q: float, expected: float) -> None:
    assert _percentile([float(v) for v in range(10, 0, -1)], q) == expected
