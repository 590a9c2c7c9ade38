"""Fixtures of the metadata-store tests: the store under test, and a real IPFS node (Helia)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaincred.adapters.memory.metadata import MemoryMetadataStore
from chaincred.adapters.pinning import BuiltinStore, KuboStore, PinningServiceStore
from chaincred.ports import MetadataStore
from tests.adapters.pinning.fake_http import Served
from tests.adapters.pinning.fake_pinning_service import FakePinningService
from tests.adapters.pinning.ipfs_node import IpfsNode, IpfsNodeMissing

TOKEN = "test-token-not-a-secret"


@pytest.fixture(scope="session")
def helia_node() -> Iterator[IpfsNode]:
    """scripts/ipfs-node.mjs (Helia 7, Kubo RPC subset) on 127.0.0.1, once per session."""
    node = IpfsNode()
    try:
        node.start()
    except IpfsNodeMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def blob() -> bytes:
    """Fresh bytes per test: the Helia node lives for the whole session."""
    return b'{"name":"test ' + secrets.token_hex(16).encode() + b'"}'


def _pinning_service(network: MemoryMetadataStore) -> Iterator[PinningServiceStore]:
    with (
        Served(FakePinningService(TOKEN, network)) as url,
        PinningServiceStore(url, TOKEN, provider=network, wait=5.0, poll_interval=0.01) as store,
    ):
        yield store


@pytest.fixture(
    params=["memory", "builtin", pytest.param("kubo", marks=pytest.mark.slow), "pinning-service"]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataStore]:
    """Each MetadataStore: the fake, the built-in folder, Kubo RPC on a real Helia node, and
    the Pinning Service API on its fake (with an in-memory provider standing for the network)."""
    if request.param == "memory":
        yield MemoryMetadataStore()
    elif request.param == "builtin":
        yield BuiltinStore(tmp_path / "ipfs")
    elif request.param == "kubo":
        node: IpfsNode = request.getfixturevalue("helia_node")
        with KuboStore(node.api_url, timeout=10.0) as kubo:
            yield kubo
    else:
        yield from _pinning_service(MemoryMetadataStore())
