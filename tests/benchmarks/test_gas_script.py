"""benchmarks/gas.py: its --json mode end to end on a real Anvil with small batches, and the
pure helpers it writes the document and searches the cap with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gas import largest_fitting
from benchmarks.gas_report import BEGIN, END, rewrite_section

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gas.py"
KEYS = {"operation", "batch", "gas_per_credential", "baseline_gas_per_credential"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", "--mint-batches", "1,4", "--revoke-batch", "6"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    parsed: list[dict[str, Any]] = json.loads(completed.stdout)  # stdout holds the JSON alone
    return parsed


def _row(rows: list[dict[str, Any]], operation: str, batch: int) -> dict[str, Any]:
    (found,) = (r for r in rows if (r["operation"], r["batch"]) == (operation, batch))
    return found


@pytest.mark.chain
def test_rows_follow_the_plan_with_the_four_keys(rows: list[dict[str, Any]]) -> None:
    plan = [("mint", 1), ("mintBatch", 1), ("mintBatch", 4), ("revoke", 1), ("revokeBatch", 6)]
    assert [(r["operation"], r["batch"]) for r in rows] == plan
    for row in rows:
        assert row.keys() >= KEYS
        assert row["gas_per_credential"] == pytest.approx(row["gas_used"] / row["batch"], abs=0.01)
        assert row["ratio"] == pytest.approx(row["gas_used"] / row["baseline_gas_used"], abs=1e-4)


@pytest.mark.chain
def test_chaincred_costs_less_than_the_baseline_in_every_row(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert row["gas_per_credential"] * row["batch"] > 21_000
        assert row["gas_per_credential"] < row["baseline_gas_per_credential"], row


@pytest.mark.chain
def test_batching_spreads_the_transaction_cost(rows: list[dict[str, Any]]) -> None:
    one, four = _row(rows, "mintBatch", 1), _row(rows, "mintBatch", 4)
    assert four["gas_per_credential"] < one["gas_per_credential"]
    # Four credentials cost less than four transactions but more than one credential.
    assert one["gas_used"] < four["gas_used"] < 4 * one["gas_used"]
    revoke, batch = _row(rows, "revoke", 1), _row(rows, "revokeBatch", 6)
    assert batch["gas_per_credential"] < revoke["gas_per_credential"]


@pytest.mark.chain
def test_met_is_the_comparison_with_the_target(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row["target"] is None:
            assert row["met"] is None
        else:
            assert row["met"] is (row["gas_per_credential"] <= row["target"])
    assert _row(rows, "mint", 1)["target"] == 76_000


def test_rewrite_section_replaces_only_the_gas_section() -> None:
    text = f"# Benchmarks\n\nintro\n\n{BEGIN}\nold figures\n{END}\n\n## Throughput\nkept\n"
    rewritten = rewrite_section(text, "## Gas\nnew figures\n")
    assert rewritten == (
        f"# Benchmarks\n\nintro\n\n{BEGIN}\n## Gas\nnew figures\n{END}\n\n## Throughput\nkept\n"
    )
    assert rewrite_section(rewritten, "## Gas\nnew figures\n") == rewritten


def test_rewrite_section_appends_when_the_markers_are_missing() -> None:
    rewritten = rewrite_section("# Benchmarks\n", "## Gas\nfigures")
    assert rewritten == f"# Benchmarks\n\n{BEGIN}\n## Gas\nfigures\n{END}\n"


@pytest.mark.parametrize("limit", [1, 2, 37, 99])
def test_largest_fitting_finds_the_boundary(limit: int) -> None:
    probed: list[int] = []

    def fits(n: int) -> bool:
        probed.append(n)
        return n <= limit

    assert largest_fitting(fits, 1, 100) == limit
    assert len(probed) <= 7  # a binary search over 99 sizes
