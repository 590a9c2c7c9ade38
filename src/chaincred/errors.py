"""The one error tree of chaincred.

Every error chaincred raises on purpose derives from :class:`ChainCredError`. Errors carry
structured fields (``TokenNotFound(token_id)``) so that the edges (CLI, API) can present them
without parsing messages; the API maps them to HTTP statuses in one table.
"""

from __future__ import annotations

__all__ = [
    "ChainCredError",
    "ChainError",
    "ChainUnavailable",
    "CompilationFailed",
    "ConfigurationError",
    "ContractReverted",
    "GasCapExceeded",
    "ToolNotFound",
    "ToolchainError",
]


class ChainCredError(Exception):
    """Root of every error chaincred raises on purpose."""


class ConfigurationError(ChainCredError, ValueError):
    """A setting or command-line option is missing or wrong; the message says what to fix."""


class ToolchainError(ChainCredError):
    """The Solidity tool-chain (solc, node, Anvil) could not do its job."""


class ToolNotFound(ToolchainError, FileNotFoundError):
    """A required executable is missing; ``install_hint`` is the command that installs it."""

    def __init__(self, tool: str, install_hint: str) -> None:
        super().__init__(f"{tool} was not found; install it with: {install_hint}")
        self.tool = tool
        self.install_hint = install_hint


class CompilationFailed(ToolchainError):
    """solc reported errors; ``errors`` holds its formatted messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("solc reported errors:\n" + "\n".join(errors))
        self.errors = errors


class ChainError(ChainCredError):
    """Something went wrong talking to the chain."""


class ChainUnavailable(ChainError, ConnectionError):
    """The JSON-RPC endpoint did not answer usefully (down, timed out, garbage)."""

    def __init__(self, rpc_url: str, cause: str) -> None:
        super().__init__(f"the chain at {rpc_url} is unavailable: {cause}")
        self.rpc_url = rpc_url
        self.cause = cause


class ContractReverted(ChainError):
    """A contract call reverted; ``error`` is the decoded custom error name, ``args`` its values."""

    def __init__(self, error: str, args: tuple[object, ...] = ()) -> None:
        rendered = ", ".join(repr(a) for a in args)
        super().__init__(f"the contract reverted with {error}({rendered})")
        self.error = error
        self.args_ = args


class GasCapExceeded(ChainError):
    """A transaction would need more gas than one transaction may use (EIP-7825: 2^24)."""

    def __init__(self, needed: int, cap: int) -> None:
        super().__init__(
            f"the transaction needs {needed} gas, above the per-transaction cap of {cap} "
            "(EIP-7825): split the batch"
        )
        self.needed = needed
        self.cap = cap


class InputTooLarge(ChainCredError, ValueError):
    """A request carries more items than one call accepts."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} items is more than the {limit} one request accepts: split it")
        self.count = count
        self.limit = limit


class PinningError(ChainCredError):
    """The metadata store failed, or returned a CID other than the one computed locally."""


class ContentNotFound(PinningError, LookupError):
    """The metadata store does not hold ``cid``."""

    def __init__(self, cid: str) -> None:
        super().__init__(f"no content with CID {cid} in the metadata store")
        self.cid = cid
