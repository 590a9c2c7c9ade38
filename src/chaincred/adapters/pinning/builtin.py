"""The built-in content-addressed store: one file per CID under a folder (the embedded default).

Files live at ``<root>/<2 characters after the "b">/<cid>``, so no folder grows past a few
thousand entries per million objects. Each write goes to a temporary file in the same folder
and is renamed over the final name (``os.replace`` is atomic on POSIX), so a reader or a crash
never sees half a file; since the name is the content's hash, writing twice is harmless.
The API serves these files at ``/ipfs/{cid}``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from chaincred.adapters.pinning._cids import is_raw_cid
from chaincred.domain import Cid, cid_of_bytes
from chaincred.errors import ContentNotFound, PinningError

__all__ = ["BuiltinStore"]

_TEMP_PREFIX = ".tmp-"


class BuiltinStore:
    """A :class:`~chaincred.ports.MetadataStore` on the local file system (``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes) -> Cid:
        cid = cid_of_bytes(data)
        path = self._path(cid)
        if _size(path) == len(data):  # already there (a different size would be a torn copy)
            return cid
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomically(path, data)
        except OSError as exc:
            raise PinningError(f"the built-in store cannot write {path}: {exc}") from exc
        return cid

    def get(self, cid: str) -> bytes:
        if not is_raw_cid(cid):
            raise ContentNotFound(cid)
        try:
            data = self._path(cid).read_bytes()
        except FileNotFoundError:
            raise ContentNotFound(cid) from None
        except OSError as exc:
            raise PinningError(f"the built-in store cannot read {cid}: {exc}") from exc
        if cid_of_bytes(data) != cid:
            raise PinningError(f"the built-in store's file for {cid} is corrupt (other content)")
        return data

    def has(self, cid: str) -> bool:
        return is_raw_cid(cid) and self._path(cid).is_file()

    def health(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            count = sum(1 for _ in self._files())
        except OSError as exc:
            raise PinningError(f"the built-in store cannot use {self.root}: {exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise PinningError(f"the built-in store cannot write to {self.root}")
        return f"built-in store at {self.root}: {count} objects"

    def _path(self, cid: str) -> Path:
        return self.root / cid[1:3] / cid

    def _files(self) -> list[Path]:
        shards = (entry for entry in os.scandir(self.root) if entry.is_dir())
        return [
            Path(entry.path)
            for shard in shards
            for entry in os.scandir(shard.path)
            if entry.is_file() and not entry.name.startswith(_TEMP_PREFIX)
        ]

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temp, 0o644)  # mkstemp's 0600 would hide the file from a separate web server
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
