"""An in-memory metadata store: the fake of the ``MetadataStore`` port for fast tests."""

from __future__ import annotations

import threading

from chaincred.domain import Cid, cid_of_bytes
from chaincred.errors import ContentNotFound

__all__ = ["MemoryMetadataStore"]


class MemoryMetadataStore:
    """Bytes by CID in a dict (one process; gone when it ends). ``puts`` counts every put."""

    def __init__(self) -> None:
        self._blocks: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.puts = 0

    def put(self, data: bytes) -> Cid:
        cid = cid_of_bytes(data)
        with self._lock:
            self._blocks.setdefault(cid, bytes(data))
            self.puts += 1
        return cid

    def get(self, cid: str) -> bytes:
        with self._lock:
            data = self._blocks.get(cid)
        if data is None:
            raise ContentNotFound(cid)
        return data

    def has(self, cid: str) -> bool:
        with self._lock:
            return cid in self._blocks

    def health(self) -> str:
        with self._lock:
            return f"in-memory store: {len(self._blocks)} objects"
