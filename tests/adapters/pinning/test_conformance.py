"""The MetadataStore conformance suite: the same properties of every store (STYLE.md: one suite
per port, run against the fake and the real adapters)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from chaincred.domain import cid_of_bytes
from chaincred.errors import ContentNotFound
from chaincred.ports import MetadataStore

DATA = Path(__file__).resolve().parents[2] / "data"
VECTORS = sorted(DATA.glob("*.expected.json"))
MALFORMED = [
    "",
    "../../../etc/passwd",
    "b../../../../../../../../../../../../../../../../../../../../../../etc/passwd",
    "QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX",  # CIDv0 of "hello"
    "BAFKREIBM6JG3UX5QUMHCN2B3FLC3TYU6DMLB4XA7U5BF44YEGNRJHC4YEQ",  # upper case
]


def test_put_returns_the_locally_computed_cid(store: MetadataStore, blob: bytes) -> None:
    assert store.put(blob) == cid_of_bytes(blob)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_a_pinned_public_part_is_found_at_its_token_uri_cid(
    store: MetadataStore, vector: Path
) -> None:
    expected = json.loads(vector.read_text(encoding="utf-8"))
    public_part = bytes.fromhex(expected["canonical_public_part_hex"])
    assert store.put(public_part) == expected["cid"]
    assert store.get(expected["cid"]) == public_part


def test_get_returns_the_same_bytes(store: MetadataStore, blob: bytes) -> None:
    cid = store.put(blob)
    assert store.get(cid) == blob


def test_binary_content_survives_the_round_trip(store: MetadataStore) -> None:
    badge = secrets.token_bytes(200_000) + bytes(range(256))
    assert store.get(store.put(badge)) == badge


def test_empty_content_has_the_cid_of_the_empty_block(store: MetadataStore) -> None:
    assert store.put(b"") == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    assert store.get(cid_of_bytes(b"")) == b""


def test_has_is_false_before_put_and_true_after(store: MetadataStore, blob: bytes) -> None:
    cid = cid_of_bytes(blob)
    assert store.has(cid) is False
    store.put(blob)
    assert store.has(cid) is True


def test_put_is_idempotent(store: MetadataStore, blob: bytes) -> None:
    first = store.put(blob)
    assert store.put(blob) == first
    assert store.get(first) == blob
    assert store.has(first) is True


def test_get_of_an_unknown_cid_raises_content_not_found(store: MetadataStore) -> None:
    unknown = cid_of_bytes(secrets.token_bytes(32))
    with pytest.raises(ContentNotFound) as raised:
        store.get(unknown)
    assert raised.value.cid == unknown
    assert store.has(unknown) is False


@pytest.mark.parametrize("cid", MALFORMED)
def test_a_malformed_cid_is_not_found(store: MetadataStore, cid: str) -> None:
    with pytest.raises(ContentNotFound):
        store.get(cid)
    assert store.has(cid) is False


def test_health_describes_a_usable_store(store: MetadataStore, blob: bytes) -> None:
    store.put(blob)
    report = store.health()
    assert isinstance(report, str) and report.strip()
