"""``chaincred compile``: standard-JSON compilation of contracts/ with fixed settings.

The input carries every source's content (chaincred's and the OpenZeppelin files it imports,
resolved here), so the compiler reads no files and any solc of the pinned version gives the
same bytes. A native solc is driven through py-solc-x when one of the pinned version is
installed; otherwise the pinned solc-js runs through node (``scripts/solc-shim.cjs``).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaincred.errors import CompilationFailed, ConfigurationError, ToolNotFound

__all__ = [
    "ARTIFACT_PATH",
    "COMPILER_SETTINGS",
    "CompileResult",
    "compile_contracts",
    "find_project_root",
    "pinned_solc_version",
    "standard_json_input",
]

#: Where the artifact lives in a source checkout (it ships inside the package).
ARTIFACT_PATH = Path("src/chaincred/artifacts/contracts.json")

#: Fixed for reproducible bytes. Prague is live on mainnet and the major L2s; the high run count
#: favours cheap calls (mint, revoke) over deployment size.
COMPILER_SETTINGS: dict[str, Any] = {
    "evmVersion": "prague",
    "viaIR": True,
    "optimizer": {"enabled": True, "runs": 20_000},
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}
    },
}

_IMPORT = re.compile(r'^\s*import\s+(?:[^"\']*?\bfrom\s+)?["\']([^"\']+)["\']\s*;', re.MULTILINE)
_GENERATED_BY = "chaincred compile (src/chaincred/toolchain/compiler.py); do not edit by hand"


@dataclass(frozen=True)
class CompileResult:
    """The artifact text and the compiler that produced it."""

    artifact_text: str
    compiler: str


def find_project_root(start: Path | None = None) -> Path:
    """The source checkout: the nearest folder above ``start`` with contracts/ and package.json."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "contracts").is_dir() and (folder / "package.json").is_file():
            return folder
    raise ConfigurationError(
        f"no chaincred source checkout above {here}: compiling needs the repository's "
        "contracts/ and package.json (run it from the clone)"
    )


def pinned_solc_version(root: Path) -> str:
    """The solc version pinned in package.json (npm `solc`)."""
    package = json.loads((root / "package.json").read_text("utf-8"))
    return str(package["devDependencies"]["solc"])


def standard_json_input(root: Path) -> dict[str, Any]:
    """Every contract under contracts/ and, transitively, every file it imports, by content."""
    sources: dict[str, str] = {}
    pending = sorted(p.relative_to(root).as_posix() for p in (root / "contracts").rglob("*.sol"))
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        text = _read_source(root, unit)
        sources[unit] = text
        pending.extend(_resolve_import(unit, target) for target in _IMPORT.findall(text))
    return {
        "language": "Solidity",
        "sources": {unit: {"content": sources[unit]} for unit in sorted(sources)},
        "settings": COMPILER_SETTINGS,
    }


def compile_contracts(root: Path, *, compiler: str = "auto") -> CompileResult:
    """Compile contracts/ and render the artifact text; ``compiler`` is auto, native or solcjs."""
    if compiler not in ("auto", "native", "solcjs"):
        raise ConfigurationError(f"unknown compiler {compiler!r}: use auto, native or solcjs")
    version = pinned_solc_version(root)
    source_input = standard_json_input(root)
    native = _native_solc(version) if compiler != "solcjs" else None
    if compiler == "native" and native is None:
        raise ToolNotFound(
            f"a native solc {version}",
            "put it on PATH or set CHAINCRED_SOLC to its path (py-solc-x drives it)",
        )
    if native is not None:
        output, used = _compile_native(native, source_input), f"native solc ({native})"
    else:
        output, used = _compile_solcjs(root, source_input), "solc-js (npm solc)"
    return CompileResult(_render_artifact(source_input, output), used)


def _read_source(root: Path, unit: str) -> str:
    for candidate in (root / unit, root / "node_modules" / unit):
        if candidate.is_file():
            return candidate.read_text("utf-8")
    raise ToolNotFound(f"the Solidity source {unit}", "npm ci (it installs OpenZeppelin)")


def _resolve_import(importer: str, target: str) -> str:
    if target.startswith("."):
        return posixpath.normpath(posixpath.join(posixpath.dirname(importer), target))
    return target


def _native_solc(version: str) -> Path | None:
    configured = os.environ.get("CHAINCRED_SOLC")
    candidate = configured or shutil.which("solc")
    if candidate is None:
        return None
    reported = subprocess.run(
        [candidate, "--version"], capture_output=True, text=True, check=False
    ).stdout
    if f"Version: {version}+" not in reported:
        if configured:
            raise ConfigurationError(
                f"CHAINCRED_SOLC={configured} is not solc {version} (package.json pins it)"
            )
        return None  # another solc on PATH: its bytes would differ, so use the pinned solc-js
    return Path(candidate)


def _compile_native(binary: Path, source_input: dict[str, Any]) -> dict[str, Any]:
    import solcx  # imported here: only the native path needs it
    from solcx.exceptions import SolcError

    try:
        output: dict[str, Any] = solcx.compile_standard(source_input, solc_binary=binary)
    except SolcError as exc:
        raise CompilationFailed([str(exc)]) from exc
    return _checked(output)


def _compile_solcjs(root: Path, source_input: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise ToolNotFound("node", "apt-get install -y nodejs npm, then npm ci")
    if not (root / "node_modules" / "solc").is_dir():
        raise ToolNotFound("solc-js (npm solc)", "npm ci")
    completed = subprocess.run(
        [node, str(root / "scripts" / "solc-shim.cjs"), "--standard-json"],
        input=json.dumps(source_input),
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if completed.returncode != 0:
        raise CompilationFailed([completed.stderr.strip() or f"exit {completed.returncode}"])
    # solc-js may print a notice (">>> Cannot retry compilation with SMT…") before the JSON.
    stdout = completed.stdout
    return _checked(json.loads(stdout[stdout.index("{") :]))


def _checked(output: dict[str, Any]) -> dict[str, Any]:
    errors = [
        e.get("formattedMessage", e.get("message", str(e)))
        for e in output.get("errors", [])
        if e.get("severity") == "error"
    ]
    if errors:
        raise CompilationFailed(errors)
    return output


def _render_artifact(source_input: dict[str, Any], output: dict[str, Any]) -> str:
    contracts: dict[str, Any] = {}
    version = ""
    for unit, by_name in output["contracts"].items():
        if not unit.startswith("contracts/"):
            continue
        for name, compiled in by_name.items():
            bytecode = compiled["evm"]["bytecode"]["object"]
            version = json.loads(compiled["metadata"])["compiler"]["version"]
            if not bytecode or not compiled["abi"]:
                continue  # interfaces, and libraries of internal functions only
            contracts[name] = {
                "source": unit,
                "abi": compiled["abi"],
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            }
    settings = {k: v for k, v in source_input["settings"].items() if k != "outputSelection"}
    artifact = {
        "generated_by": _GENERATED_BY,
        "compiler": {"name": "solc", "version": version, "settings": settings},
        "sources": {
            unit: "sha256:" + hashlib.sha256(entry["content"].encode("utf-8")).hexdigest()
            for unit, entry in source_input["sources"].items()
        },
        "contracts": contracts,
    }
    return json.dumps(artifact, indent=1, sort_keys=True) + "\n"
