"""``chaincred compile``: the committed artifact is exactly what the pinned compiler makes."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from chaincred.cli import main
from chaincred.errors import ConfigurationError, ToolNotFound
from chaincred.toolchain.artifact import load_artifact
from chaincred.toolchain.compiler import (
    ARTIFACT_PATH,
    COMPILER_SETTINGS,
    compile_contracts,
    find_project_root,
    pinned_solc_version,
    standard_json_input,
)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def solcjs_artifact() -> str:
    return compile_contracts(ROOT, compiler="solcjs").artifact_text


def test_committed_artifact_is_byte_identical_to_a_fresh_compile(solcjs_artifact: str) -> None:
    assert (ROOT / ARTIFACT_PATH).read_text("utf-8") == solcjs_artifact


def test_native_solc_path_gives_the_same_bytes(
    solcjs_artifact: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No native solc of the pinned version ships through PyPI, npm or Debian, so the native
    # path (py-solc-x) is driven here through a solc-js shim that answers like a native binary.
    # This proves the py-solc-x plumbing and input handling, not a second compiler build.
    wrapper = tmp_path / "solc"
    wrapper.write_text(f'#!/bin/sh\nexec node "{ROOT}/scripts/solc-shim.cjs" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CHAINCRED_SOLC", str(wrapper))
    result = compile_contracts(ROOT, compiler="native")
    assert result.compiler.startswith("native solc")
    assert result.artifact_text == solcjs_artifact


def test_artifact_records_its_generator_compiler_and_sources(solcjs_artifact: str) -> None:
    artifact = json.loads(solcjs_artifact)
    assert artifact["generated_by"].startswith("chaincred compile")
    assert artifact["compiler"]["version"].startswith(pinned_solc_version(ROOT) + "+commit.")
    assert artifact["compiler"]["settings"]["evmVersion"] == COMPILER_SETTINGS["evmVersion"]
    assert "contracts/ChainCred.sol" in artifact["sources"]
    assert any(s.startswith("@openzeppelin/contracts/") for s in artifact["sources"])
    assert set(artifact["contracts"]) == {"ChainCred", "BaselineCredential"}


def test_loaded_artifact_exposes_abi_and_bytecode() -> None:
    chaincred = load_artifact().contract("ChainCred")
    names = {entry.get("name") for entry in chaincred.abi}
    assert {"mint", "mintBatch", "revoke", "credential", "tokenURI"} <= names
    # The creation code deploys the runtime code, which it carries verbatim.
    assert chaincred.deployed_bytecode in chaincred.bytecode
    with pytest.raises(KeyError, match="no contract 'Nope'"):
        load_artifact().contract("Nope")


def test_standard_json_input_carries_every_import_by_content() -> None:
    sources = standard_json_input(ROOT)["sources"]
    assert "@openzeppelin/contracts/access/Ownable2Step.sol" in sources
    assert all("content" in entry for entry in sources.values())


def test_check_mode_reports_drift_and_compile_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "repo"
    for part in ("contracts", "scripts", "node_modules"):
        (copy / part).parent.mkdir(parents=True, exist_ok=True)
        if part == "node_modules":
            (copy / part).symlink_to(ROOT / part)
        else:
            shutil.copytree(ROOT / part, copy / part)
    shutil.copy(ROOT / "package.json", copy / "package.json")
    (copy / ARTIFACT_PATH).parent.mkdir(parents=True)
    (copy / ARTIFACT_PATH).write_text("{}\n")
    monkeypatch.chdir(copy)
    monkeypatch.delenv("CHAINCRED_SOLC", raising=False)
    assert main(["compile", "--check"]) == 1
    assert "is out of date: run `chaincred compile`" in capsys.readouterr().err
    assert main(["compile"]) == 0
    assert (copy / ARTIFACT_PATH).read_text("utf-8") == (ROOT / ARTIFACT_PATH).read_text("utf-8")


def test_missing_solcjs_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.sol").write_text("pragma solidity ^0.8.24;\ncontract A {}\n")
    shutil.copy(ROOT / "package.json", tmp_path / "package.json")
    monkeypatch.delenv("CHAINCRED_SOLC", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with pytest.raises(ToolNotFound) as caught:
        compile_contracts(tmp_path, compiler="solcjs")
    assert caught.value.install_hint == "npm ci"


def test_missing_import_says_how_to_install(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.sol").write_text(
        'import {X} from "@openzeppelin/contracts/X.sol";\n'
    )
    with pytest.raises(ToolNotFound, match=r"@openzeppelin/contracts/X\.sol"):
        standard_json_input(tmp_path)


def test_wrong_native_solc_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    impostor = tmp_path / "solc"
    impostor.write_text("#!/bin/sh\necho 'Version: 0.7.6+commit.7338295f.Linux.g++'\n")
    impostor.chmod(0o755)
    monkeypatch.setenv("CHAINCRED_SOLC", str(impostor))
    with pytest.raises(ConfigurationError, match=r"is not solc 0\.8\.37"):
        compile_contracts(ROOT, compiler="native")


def test_outside_a_checkout_says_where_to_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no chaincred source checkout"):
        find_project_root(tmp_path)
