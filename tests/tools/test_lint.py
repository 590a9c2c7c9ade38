"""The Solidity linters hold: solhint with zero warnings, slither with no medium or high finding."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.tools

ROOT = Path(__file__).resolve().parents[2]


def test_solhint_has_zero_warnings() -> None:
    done = subprocess.run(
        [str(ROOT / "node_modules/.bin/solhint"), "--max-warnings", "0", "contracts/**/*.sol"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_slither_finds_nothing_medium_or_high() -> None:
    # The first run creates .venv-slither from PyPI (about a minute); later runs are offline.
    done = subprocess.run(
        ["bash", str(ROOT / "scripts/slither.sh")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "analyzed (" in done.stderr, done.stderr
