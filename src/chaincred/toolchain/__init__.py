"""The Solidity tool-chain as chaincred drives it: compiling the contracts, finding Anvil.

Developer-side only: a ``pip install``-ed chaincred uses the committed artifact and needs
neither node nor solc.
"""

from chaincred.toolchain.artifact import Artifact, ContractArtifact, load_artifact
from chaincred.toolchain.compiler import (
    COMPILER_SETTINGS,
    CompileResult,
    compile_contracts,
    find_project_root,
    standard_json_input,
)

__all__ = [
    "COMPILER_SETTINGS",
    "Artifact",
    "CompileResult",
    "ContractArtifact",
    "compile_contracts",
    "find_project_root",
    "load_artifact",
    "standard_json_input",
]
