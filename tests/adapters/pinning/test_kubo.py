"""KuboStore beyond the conformance suite: what a real Helia node computes on its own, and every
failure of a Kubo RPC endpoint (from fakes) surfacing as PinningError, never a raw httpx error."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from chaincred.adapters.pinning import KuboStore
from chaincred.adapters.pinning._cids import MAX_RAW_BLOCK
from chaincred.domain import cid_of_bytes
from chaincred.errors import ConfigurationError, ContentNotFound, PinningError
from chaincred.toolchain.anvil import free_port
from tests.adapters.pinning.fake_http import Response, Served, json_response
from tests.adapters.pinning.fake_kubo import FakeKubo, kubo_error
from tests.adapters.pinning.ipfs_node import IpfsNode

OTHER = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"  # CID of b""


@contextmanager
def kubo(fake: FakeKubo, timeout: float = 5.0) -> Iterator[KuboStore]:
    with Served(fake) as url, KuboStore(url, timeout=timeout) as store:
        yield store


def added(cid: str) -> Response:
    return json_response(200, {"Name": "blob", "Hash": cid, "Size": "5"})


@pytest.mark.slow
class TestOnHelia:
    """The node computes CIDs with Helia's importer and multiformats, not with chaincred."""

    def test_the_node_and_chaincred_compute_the_same_cid(
        self, helia_node: IpfsNode, blob: bytes
    ) -> None:
        answer = httpx.post(
            f"{helia_node.api_url}/api/v0/add",
            params={"cid-version": "1", "raw-leaves": "true", "pin": "true"},
            files={"file": ("blob", blob)},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["Hash"] == cid_of_bytes(blob)

    def test_the_largest_raw_block_keeps_the_sha256_cid(self, helia_node: IpfsNode) -> None:
        data = secrets.token_bytes(MAX_RAW_BLOCK)
        with KuboStore(helia_node.api_url) as store:
            assert store.get(store.put(data)) == data

    def test_put_pins_recursively(self, helia_node: IpfsNode, blob: bytes) -> None:
        with KuboStore(helia_node.api_url) as store:
            cid = store.put(blob)
        answer = httpx.post(
            f"{helia_node.api_url}/api/v0/pin/ls", params={"arg": cid, "type": "recursive"}
        )
        assert answer.json() == {"Keys": {cid: {"Type": "recursive", "Name": ""}}}

    def test_health_names_the_implementation(self, helia_node: IpfsNode) -> None:
        with KuboStore(helia_node.api_url) as store:
            assert store.health() == f"Kubo RPC at {helia_node.api_url}: version helia-7.1.15"


def test_a_store_returning_another_cid_is_refused(blob: bytes) -> None:
    with kubo(FakeKubo(add=added(OTHER))) as store, pytest.raises(PinningError) as raised:
        store.put(blob)
        assert OTHER in str(raised.value) and cid_of_bytes(blob) in str(raised.value)


def test_put_sends_the_add_options_as_kubo_expects(blob: bytes) -> None:
    fake = FakeKubo(add=added(cid_of_bytes(blob)))
    with kubo(fake) as store:
        store.put(blob)
    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", "/api/v0/add")
    assert request.query == {"cid-version": "1", "raw-leaves": "true", "pin": "true"}
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert blob in request.body


def test_content_larger_than_one_raw_block_is_refused_before_any_request() -> None:
    fake = FakeKubo()
    with kubo(fake) as store, pytest.raises(PinningError, match="one raw block"):
        store.put(bytes(MAX_RAW_BLOCK + 1))
    assert fake.requests == []


@pytest.mark.parametrize("call", ["put", "get", "has", "health"])
def test_an_unreachable_node_raises_pinning_error(call: str, blob: bytes) -> None:
    with KuboStore(f"http://127.0.0.1:{free_port()}", timeout=2.0) as store:
        argument = {"put": (blob,), "get": (cid_of_bytes(blob),), "has": (cid_of_bytes(blob),)}
        with pytest.raises(PinningError, match="cannot connect") as raised:
            getattr(store, call)(*argument.get(call, ()))
    assert not isinstance(raised.value, ContentNotFound)
    assert isinstance(raised.value.__cause__, httpx.ConnectError)


def test_a_slow_node_raises_pinning_error(blob: bytes) -> None:
    with (
        kubo(FakeKubo(delay=1.0, add=added(cid_of_bytes(blob))), timeout=0.2) as store,
        pytest.raises(PinningError, match="no answer within the timeout"),
    ):
        store.put(blob)


def test_an_error_answer_names_the_command_and_kubo_message(blob: bytes) -> None:
    with (
        kubo(FakeKubo(add=kubo_error("pin: no space left on device"))) as store,
        pytest.raises(PinningError) as raised,
    ):
        store.put(blob)
    assert "add" in str(raised.value) and "HTTP 500" in str(raised.value)
    assert "no space left on device" in str(raised.value)


@pytest.mark.parametrize(
    ("answers", "call", "message"),
    [
        ({"add": (200, "text/html", b"<html>proxy</html>")}, "put", "no Hash"),
        ({"add": json_response(200, {"Name": "blob"})}, "put", "no Hash"),
        ({"version": (200, "text/plain", b"ok")}, "health", "not JSON"),
        ({"version": json_response(200, {"Commit": ""})}, "health", "no Version"),
        ({"pin_ls": json_response(200, ["x"])}, "has", "no Keys"),
        ({"pin_ls": (502, "text/html", b"Bad Gateway")}, "has", "HTTP 502"),
        ({"cat": kubo_error("context deadline exceeded")}, "get", "deadline"),
        ({}, "health", "HTTP 404"),
    ],
)
def test_garbage_and_errors_raise_pinning_error(
    answers: dict[str, Response], call: str, message: str, blob: bytes
) -> None:
    argument = blob if call == "put" else cid_of_bytes(blob)
    with kubo(FakeKubo(**answers)) as store, pytest.raises(PinningError, match=message) as raised:
        getattr(store, call)(*(() if call == "health" else (argument,)))
        assert not isinstance(raised.value, ContentNotFound)


def test_get_asks_offline_and_maps_kubo_not_found(blob: bytes) -> None:
    cid = cid_of_bytes(blob)
    not_found = f"block was not found locally (offline): ipld: could not find {cid}"
    fake = FakeKubo(cat=kubo_error(not_found))
    with kubo(fake) as store, pytest.raises(ContentNotFound):
        store.get(cid)
    assert fake.requests[0].query == {"arg": cid, "offline": "true"}


def test_get_refuses_bytes_of_another_cid(blob: bytes) -> None:
    with (
        kubo(FakeKubo(cat=(200, "text/plain", b"something else"))) as store,
        pytest.raises(PinningError, match="returned bytes whose CID is"),
    ):
        store.get(cid_of_bytes(blob))


def test_has_reads_kubo_pin_listing(blob: bytes) -> None:
    cid = cid_of_bytes(blob)
    pinned = json_response(200, {"Keys": {cid: {"Type": "recursive"}}})
    with kubo(FakeKubo(pin_ls=pinned)) as store:
        assert store.has(cid) is True
    with kubo(FakeKubo(pin_ls=kubo_error(f"path '{cid}' is not pinned"))) as store:
        assert store.has(cid) is False


@pytest.mark.parametrize("url", ["127.0.0.1:5001", "ftp://node", "http://", ""])
def test_a_url_that_is_not_http_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="CHAINCRED_KUBO_URL"):
        KuboStore(url)


def test_a_shared_client_is_used_and_left_open(blob: bytes) -> None:
    fake = FakeKubo(add=added(cid_of_bytes(blob)))
    with Served(fake) as url, httpx.Client(timeout=5.0) as client:
        with KuboStore(url, client=client) as store:
            store.put(blob)
        assert not client.is_closed
