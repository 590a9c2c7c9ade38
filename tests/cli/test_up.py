"""``chaincred up``: the README's first command, run as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from chaincred.adapters.chain import RegistryClient, connect
from chaincred.domain.onchain import Status
from chaincred.toolchain.anvil import AnvilProcess, free_port
from tests.cli.up_support import read_until_ready

pytestmark = [pytest.mark.chain, pytest.mark.slow]

KEYS = (
    "CHAINCRED_API_URL",
    "CHAINCRED_API_KEY",
    "CHAINCRED_ADMIN_KEY",
    "CHAINCRED_RPC_URL",
    "CHAINCRED_CONTRACT",
    "CHAINCRED_INSTITUTION_ID",
)


def _up(*args: str) -> list[str]:
    return [sys.executable, "-m", "chaincred.cli", "up", "--port", str(free_port()), *args]


def _verify(document: Path, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    rpc, contract = values["CHAINCRED_RPC_URL"], values["CHAINCRED_CONTRACT"]
    command = [sys.executable, "-m", "chaincred.cli", "verify", str(document),
               "--rpc", rpc, "--contract", contract]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_up_runs_the_stack_issues_through_the_api_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        _up("--data-dir", str(tmp_path)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    )  # fmt: skip
    try:
        values = read_until_ready(process)
        assert set(KEYS) <= set(values)
        client = RegistryClient(connect(values["CHAINCRED_RPC_URL"]), values["CHAINCRED_CONTRACT"])
        record = client.credential(int(values["CHAINCRED_TOKEN_ID"], 16))
        assert record.status is Status.ACTIVE and record.owner == values["CHAINCRED_HOLDER"]
        assert record.institution_id == int(values["CHAINCRED_INSTITUTION_ID"])
        assert client.token_uri(record.token_id) == values["CHAINCRED_TOKEN_URI"]
        verified = _verify(tmp_path / "demo-credential.json", values)
        assert verified.returncode == 0 and "verdict: VALID" in verified.stdout, verified.stdout
        api = httpx.Client(base_url=values["CHAINCRED_API_URL"], timeout=30)
        health = api.get("/healthz")
        assert health.status_code == 200, health.text
        metadata = api.get(f"/v1/tokens/{values['CHAINCRED_TOKEN_ID']}/metadata")
        assert metadata.status_code == 200 and metadata.json()["name"]
        written = (tmp_path / "local.env").read_text().splitlines()
        assert f"CHAINCRED_API_KEY={values['CHAINCRED_API_KEY']}" in written
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    for url in (values["CHAINCRED_RPC_URL"], values["CHAINCRED_API_URL"] + "/healthz"):
        with pytest.raises(httpx.ConnectError):  # the chain and the API went down with it
            httpx.post(url, json={}, timeout=1)


def test_up_once_on_a_running_chain_then_again_reuses_the_registry(tmp_path: Path) -> None:
    with AnvilProcess() as chain:
        first = subprocess.run(
            _up("--rpc", chain.rpc_url, "--once", "--data-dir", str(tmp_path)),
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert first.returncode == 0, first.stdout + first.stderr
        assert "deploying the ChainCred registry" in first.stdout
        second = subprocess.run(
            _up("--rpc", chain.rpc_url, "--once", "--data-dir", str(tmp_path)),
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert second.returncode == 0, second.stdout + second.stderr
        assert "reusing the ChainCred registry" in second.stdout
        assert "CHAINCRED_TOKEN_STATUS=active" in second.stdout


def test_up_with_an_unreachable_rpc_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        _up("--rpc", "http://127.0.0.1:9", "--once", "--data-dir", str(tmp_path)),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "the chain at http://127.0.0.1:9 is unavailable" in result.stderr


def test_the_callers_other_settings_reach_the_children(monkeypatch: pytest.MonkeyPatch) -> None:
    from chaincred.cli_up import child_env

    monkeypatch.setenv("CHAINCRED_BATCH_SIZE", "7")
    monkeypatch.setenv("CHAINCRED_CONTRACT", "0x" + "00" * 20)
    env = child_env("http://rpc", "0x" + "ab" * 20, Path("/d"), "admin", "http://api")

    assert env["CHAINCRED_BATCH_SIZE"] == "7"
    assert env["CHAINCRED_CONTRACT"] == "0x" + "ab" * 20
    assert env["CHAINCRED_SIGNER_DEV_KEY"] == "true" and env["CHAINCRED_MODE"] == "local"
