"""Without Chromium the browser tests are skipped with the reason, unless CI demands them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/browser/test_frame.py::test_home_renders_with_only_its_own_assets"


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CHAINCRED_REQUIRE_BROWSER"}
    environment |= {"CHAINCRED_CHROMIUM": "/nonexistent/chromium", **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", TARGET],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_machine_without_chromium_skips_with_the_reason() -> None:
    result = _run()
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "Chromium not found at /nonexistent/chromium" in result.stdout
    assert "apt-get install chromium" in result.stdout


def test_ci_fails_without_chromium() -> None:
    result = _run(CHAINCRED_REQUIRE_BROWSER="1")
    assert result.returncode == 1, result.stdout
    assert "CHAINCRED_REQUIRE_BROWSER=1 but Chromium not found" in result.stdout
