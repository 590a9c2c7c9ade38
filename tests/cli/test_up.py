"""``chaincred up``: the README's first command, run as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chaincred.adapters.chain import RegistryClient, connect
from chaincred.domain.onchain import Status
from chaincred.toolchain.anvil import AnvilProcess

pytestmark = pytest.mark.chain


def _read_until_ready(process: subprocess.Popen[str], timeout: float = 60.0) -> dict[str, str]:
    values: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(
                f"chaincred up ended early: {process.stderr.read() if process.stderr else ''}"
            )
        if "press Ctrl-C" in line:
            return values
        key, sep, value = line.strip().partition("=")
        if sep and key.startswith("CHAINCRED_"):
            values[key] = value
    raise AssertionError("chaincred up did not become ready in time")


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "chaincred.cli", "up", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _run_once(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "chaincred.cli", "up", "--once", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_up_issues_a_demo_credential_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    process = _start("--data-dir", str(tmp_path))
    try:
        values = _read_until_ready(process)
        client = RegistryClient(connect(values["CHAINCRED_RPC_URL"]), values["CHAINCRED_CONTRACT"])
        token_id = int(values["CHAINCRED_TOKEN_ID"], 16)
        record = client.credential(token_id)
        assert record.status is Status.ACTIVE
        assert record.owner == values["CHAINCRED_HOLDER"]
        assert record.institution_id == int(values["CHAINCRED_INSTITUTION_ID"])
        assert client.token_uri(token_id) == values["CHAINCRED_TOKEN_URI"]
        document = str(tmp_path / "demo-credential.json")
        verified = subprocess.run(
            [sys.executable, "-m", "chaincred.cli", "verify", document,
             "--rpc", values["CHAINCRED_RPC_URL"], "--contract", values["CHAINCRED_CONTRACT"]],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "verdict: VALID" in verified.stdout
        written = (tmp_path / "local.env").read_text().splitlines()
        assert f"CHAINCRED_CONTRACT={values['CHAINCRED_CONTRACT']}" in written
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    with pytest.raises(httpx.ConnectError):  # Anvil went down with it
        httpx.post(values["CHAINCRED_RPC_URL"], json={}, timeout=1)


def test_up_uses_a_running_chain_with_rpc(tmp_path: Path) -> None:
    with AnvilProcess() as chain:
        result = _run_once("--rpc", chain.rpc_url, "--data-dir", str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert f"CHAINCRED_RPC_URL={chain.rpc_url}" in result.stdout
        assert "CHAINCRED_TOKEN_STATUS=active" in result.stdout


def test_up_with_an_unreachable_rpc_says_so(tmp_path: Path) -> None:
    result = _run_once("--rpc", "http://127.0.0.1:9", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "the chain at http://127.0.0.1:9 is unavailable" in result.stderr
