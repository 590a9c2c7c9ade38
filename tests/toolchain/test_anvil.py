"""Finding and running Anvil."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from chaincred.errors import ChainUnavailable, ToolNotFound
from chaincred.toolchain import anvil as anvil_module
from chaincred.toolchain.anvil import AnvilProcess, find_anvil, free_port


def test_anvil_is_found_in_node_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINCRED_ANVIL", raising=False)
    found = find_anvil()
    assert found.is_file() and "node_modules" in found.parts


def test_missing_anvil_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHAINCRED_ANVIL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    # Pretend the package lives somewhere without node_modules above it.
    monkeypatch.setattr(anvil_module, "__file__", str(tmp_path / "pkg" / "anvil.py"))
    with pytest.raises(ToolNotFound) as caught:
        find_anvil(tmp_path)
    assert "npm ci" in caught.value.install_hint
    assert "anvil was not found" in str(caught.value)


def test_anvil_starts_answers_and_stops() -> None:
    process = AnvilProcess().start()
    try:
        answer = httpx.post(
            process.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        ).json()
        assert int(answer["result"], 16) == 31337
    finally:
        process.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.post(process.rpc_url, json={}, timeout=1)


def test_anvil_that_cannot_start_reports_why(tmp_path: Path) -> None:
    broken = tmp_path / "anvil"
    broken.write_text("#!/bin/sh\necho 'bad flag' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(ChainUnavailable, match="anvil exited at start: bad flag"):
        AnvilProcess(binary=broken).start(timeout=5)


def test_free_port_is_bindable() -> None:
    assert 1024 <= free_port() <= 65535


def test_dev_accounts_are_the_mnemonic_s_first_ten_keys() -> None:
    from eth_account import Account

    from chaincred.toolchain.anvil import DEV_ACCOUNTS, DEV_MNEMONIC

    Account.enable_unaudited_hdwallet_features()
    derived = [
        "0x"
        + Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        .key.hex()
        .removeprefix("0x")
        for i in range(len(DEV_ACCOUNTS))
    ]
    assert list(DEV_ACCOUNTS) == derived
