"""BuiltinStore beyond the conformance suite: its folder layout, atomic and idempotent writes,
and what it does with a damaged or unusable folder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from chaincred.adapters.pinning import BuiltinStore
from chaincred.domain import cid_of_bytes
from chaincred.errors import ContentNotFound, PinningError


def test_a_file_per_cid_under_a_two_character_shard(tmp_path: Path, blob: bytes) -> None:
    cid = BuiltinStore(tmp_path).put(blob)
    path = tmp_path / cid[1:3] / cid
    assert path.read_bytes() == blob
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [cid]  # no temporary left
    assert path.stat().st_mode & 0o777 == 0o644  # readable by a separate web server


def test_put_of_stored_content_does_not_write_again(tmp_path: Path, blob: bytes) -> None:
    store = BuiltinStore(tmp_path)
    path = tmp_path / store.put(blob)[1:3] / cid_of_bytes(blob)
    before = path.stat()
    store.put(blob)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_put_repairs_a_torn_file(tmp_path: Path, blob: bytes) -> None:
    cid = cid_of_bytes(blob)
    torn = tmp_path / cid[1:3] / cid
    torn.parent.mkdir(parents=True)
    torn.write_bytes(blob[:3])  # as a non-atomic copy interrupted half-way would leave it
    store = BuiltinStore(tmp_path)
    assert store.put(blob) == cid
    assert store.get(cid) == blob


def test_get_refuses_a_file_whose_content_changed(tmp_path: Path, blob: bytes) -> None:
    store = BuiltinStore(tmp_path)
    cid = store.put(blob)
    (tmp_path / cid[1:3] / cid).write_bytes(blob[::-1])
    with pytest.raises(PinningError, match="corrupt") as raised:
        store.get(cid)
    assert not isinstance(raised.value, ContentNotFound)


def test_concurrent_puts_of_the_same_content_leave_one_whole_file(
    tmp_path: Path, blob: bytes
) -> None:
    store = BuiltinStore(tmp_path)
    data = blob * 5000
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(store.put(data))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) == {cid_of_bytes(data)}
    assert [p.read_bytes() == data for p in tmp_path.rglob("*") if p.is_file()] == [True]


def test_a_cid_cannot_name_a_file_outside_the_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"personal")
    store = BuiltinStore(tmp_path / "store")
    for cid in ("../secret", "b/../../secret", "bx/../../secret"):
        assert store.has(cid) is False
        with pytest.raises(ContentNotFound):
            store.get(cid)


def test_health_counts_the_objects_and_names_the_folder(tmp_path: Path) -> None:
    store = BuiltinStore(tmp_path / "ipfs")
    assert store.health() == f"built-in store at {tmp_path / 'ipfs'}: 0 objects"
    for n in range(3):
        store.put(b"object %d" % n)
    (tmp_path / "ipfs" / "ab").mkdir(exist_ok=True)
    (tmp_path / "ipfs" / "ab" / ".tmp-leftover").write_bytes(b"half")
    assert store.health() == f"built-in store at {tmp_path / 'ipfs'}: 3 objects"


def test_a_folder_that_is_a_file_is_an_error(tmp_path: Path, blob: bytes) -> None:
    (tmp_path / "ipfs").write_bytes(b"not a folder")
    store = BuiltinStore(tmp_path / "ipfs")
    with pytest.raises(PinningError, match="cannot use"):
        store.health()
    with pytest.raises(PinningError, match="cannot write"):
        store.put(blob)
