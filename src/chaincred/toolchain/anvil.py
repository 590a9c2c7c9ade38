"""Finding and running Anvil, the local chain (npm ``@foundry-rs/anvil``).

Used by ``chaincred up``/``demo`` and by the test fixtures; each instance gets a free port
and is stopped with its process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from chaincred.errors import ChainUnavailable, ToolNotFound

__all__ = ["DEV_ACCOUNTS", "DEV_MNEMONIC", "AnvilProcess", "find_anvil", "free_port"]

#: Anvil's well-known development mnemonic and its first accounts' keys (public knowledge:
#: never use them on a real network).
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS: tuple[str, ...] = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)

_INSTALL_HINT = "npm ci (package.json pins @foundry-rs/anvil), or put anvil on PATH"


def find_anvil(start: Path | None = None) -> Path:
    """The Anvil binary: ``CHAINCRED_ANVIL``, then node_modules above ``start``, then PATH."""
    configured = os.environ.get("CHAINCRED_ANVIL")
    if configured:
        return Path(configured)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents, *Path(__file__).resolve().parents):
        # The platform package holds the real binary; the wrapper in .bin starts node first.
        for relative in ("@foundry-rs/anvil-linux-amd64/bin/anvil", ".bin/anvil"):
            candidate = folder / "node_modules" / relative
            if candidate.is_file():
                return candidate
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    raise ToolNotFound("anvil", _INSTALL_HINT)


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AnvilProcess:
    """A running Anvil on 127.0.0.1; use as a context manager or call start()/stop()."""

    port: int = field(default_factory=free_port)
    extra_args: Sequence[str] = ()
    binary: Path | None = None
    chain_id: int = 31337
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("Anvil is not running")
        return self._process.pid

    def start(self, timeout: float = 20.0) -> AnvilProcess:
        binary = self.binary or find_anvil()
        args = [
            str(binary),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--silent",
            *self.extra_args,
        ]  # fmt: skip
        self._process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        self._wait_ready(timeout)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> AnvilProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                stderr = self._process.stderr.read().decode() if self._process.stderr else ""
                raise ChainUnavailable(self.rpc_url, f"anvil exited at start: {stderr.strip()}")
            try:
                httpx.post(self.rpc_url, json=request, timeout=1.0).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise ChainUnavailable(self.rpc_url, f"anvil did not answer within {timeout} s")
