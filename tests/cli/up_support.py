"""Reading a running ``chaincred up`` as a script would: its KEY=VALUE lines until it says it
is ready (used by the CLI tests and the browser tests' stack)."""

from __future__ import annotations

import subprocess
import time

__all__ = ["read_until_ready"]


def read_until_ready(process: subprocess.Popen[str], timeout: float = 120.0) -> dict[str, str]:
    values: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            stderr = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"chaincred up ended early: {stderr}")
        if "press Ctrl-C" in line:
            return values
        key, sep, value = line.strip().partition("=")
        if sep and key.startswith("CHAINCRED_"):
            values[key] = value
    raise AssertionError("chaincred up did not become ready in time")
