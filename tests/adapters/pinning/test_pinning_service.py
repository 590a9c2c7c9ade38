"""PinningServiceStore beyond the conformance suite, against the in-test fake of the Pinning
Service API (no real pinning service installs from a package registry)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from chaincred.adapters.memory.metadata import MemoryMetadataStore
from chaincred.adapters.pinning import PinningServiceStore
from chaincred.domain import cid_of_bytes
from chaincred.errors import ConfigurationError, ContentNotFound, PinningError
from tests.adapters.pinning.conftest import TOKEN
from tests.adapters.pinning.fake_http import Response, Served, json_response
from tests.adapters.pinning.fake_pinning_service import FakePinningService

OTHER = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"  # CID of b""


@dataclass
class Service:
    url: str
    fake: FakePinningService
    network: MemoryMetadataStore

    def store(self, **options: object) -> PinningServiceStore:
        options.setdefault("provider", self.network)
        options.setdefault("poll_interval", 0.01)
        return PinningServiceStore(self.url, TOKEN, **options)  # type: ignore[arg-type]

    def posts(self) -> list[dict[str, object]]:
        return [json.loads(r.body) for r in self.fake.requests if r.method == "POST"]


@pytest.fixture
def service() -> Iterator[Service]:
    network = MemoryMetadataStore()
    fake = FakePinningService(TOKEN, network)
    with Served(fake) as url:
        yield Service(url, fake, network)


def test_put_gives_the_bytes_to_the_provider_then_asks_to_pin_the_cid(
    service: Service, blob: bytes
) -> None:
    cid = service.store(origins=["/ip4/10.0.0.1/tcp/4001"]).put(blob)
    assert service.network.get(cid) == blob
    assert service.posts() == [
        {"cid": cid, "name": f"chaincred {cid}", "origins": ["/ip4/10.0.0.1/tcp/4001"]}
    ]
    first_post = next(i for i, r in enumerate(service.fake.requests) if r.method == "POST")
    assert service.fake.requests[first_post].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_provider_returning_another_cid_is_refused(service: Service, blob: bytes) -> None:
    class Lying(MemoryMetadataStore):
        def put(self, data: bytes) -> str:  # type: ignore[override]
            super().put(data)
            return OTHER

    with pytest.raises(PinningError, match="the provider store returned CID") as raised:
        service.store(provider=Lying()).put(blob)
    assert OTHER in str(raised.value) and cid_of_bytes(blob) in str(raised.value)
    assert service.posts() == []


def test_a_service_echoing_another_cid_is_refused(service: Service, blob: bytes) -> None:
    service.fake.echo_cid = OTHER
    with pytest.raises(PinningError, match="when asked to pin") as raised:
        service.store().put(blob)
    assert OTHER in str(raised.value) and cid_of_bytes(blob) in str(raised.value)


def test_a_live_pin_request_is_reused(service: Service, blob: bytes) -> None:
    store = service.store()
    assert store.put(blob) == store.put(blob)
    assert len(service.posts()) == 1


def test_without_wait_a_queued_request_is_enough(service: Service, blob: bytes) -> None:
    store = service.store()
    cid = store.put(blob)
    assert [p["status"] for p in service.fake.pins.values()] == ["queued"]
    assert store.has(cid) is False  # queued is not pinned yet


def test_with_wait_put_returns_once_pinned(service: Service, blob: bytes) -> None:
    store = service.store(wait=5.0)
    cid = store.put(blob)
    assert [p["status"] for p in service.fake.pins.values()] == ["pinned"]
    assert store.has(cid) is True


def test_a_failed_pin_is_an_error(service: Service, blob: bytes) -> None:
    # Without a provider nobody serves the bytes: the service cannot fetch them.
    store = service.store(provider=None, wait=5.0)
    with pytest.raises(PinningError, match=r"failed for .* was not found on the network"):
        store.put(blob)


def test_a_pin_still_queued_after_wait_is_an_error(service: Service, blob: bytes) -> None:
    store = service.store(wait=0.05, poll_interval=0.2)
    with pytest.raises(PinningError, match=r"still pinning after 0.05 s"):
        store.put(blob)


def test_a_refused_token_is_reported_without_the_token(service: Service, blob: bytes) -> None:
    store = PinningServiceStore(service.url, "wrong-token", provider=service.network)
    for call in (lambda: store.put(blob), store.health, lambda: store.has(cid_of_bytes(blob))):
        with pytest.raises(PinningError, match=r"HTTP 401 \(the token was refused\)") as raised:
            call()
        assert "UNAUTHORIZED" in str(raised.value) and "wrong-token" not in str(raised.value)


def test_get_reads_a_trustless_gateway_when_there_is_no_provider(
    service: Service, blob: bytes
) -> None:
    cid = service.store(wait=5.0).put(blob)
    reader = service.store(provider=None, gateway=service.url)
    assert reader.get(cid) == blob
    gateway_request = service.fake.requests[-1]
    assert (gateway_request.path, gateway_request.headers["accept"]) == (
        f"/ipfs/{cid}",
        "application/vnd.ipld.raw",
    )
    with pytest.raises(ContentNotFound):
        reader.get(cid_of_bytes(b"never pinned"))


def test_get_refuses_gateway_bytes_of_another_cid(service: Service, blob: bytes) -> None:
    cid = cid_of_bytes(blob)
    service.fake.content[cid] = b"tampered"
    with pytest.raises(PinningError, match=f"the content read for {cid} has CID"):
        service.store(provider=None, gateway=service.url).get(cid)


def test_get_without_provider_or_gateway_says_what_to_configure(service: Service) -> None:
    with pytest.raises(PinningError, match="configure a provider store or a gateway"):
        service.store(provider=None).get(OTHER)


def test_health_counts_pins_and_includes_the_provider(service: Service, blob: bytes) -> None:
    store = service.store(wait=5.0)
    store.put(blob)
    assert store.health() == (
        f"Pinning Service at {service.url}: 1 pins; provider: in-memory store: 1 objects"
    )


def test_an_unreachable_service_raises_pinning_error(blob: bytes) -> None:
    store = PinningServiceStore("http://127.0.0.1:9", TOKEN, timeout=2.0)
    with pytest.raises(PinningError, match="cannot connect"):
        store.put(blob)
    with pytest.raises(PinningError, match="cannot connect"):
        store.health()


class Canned:
    """Answers every request with one response."""

    def __init__(self, response: Response) -> None:
        self.response = response

    def handle(self, request: object) -> Response:
        return self.response


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((200, "text/html", b"<html>captive portal</html>"), "not JSON"),
        (json_response(200, ["a", "list"]), "expected an object"),
        (json_response(200, {"count": 1}), "no results list"),
        (json_response(200, {"count": 1, "results": [{"requestid": "r"}]}), "not a PinStatus"),
        (json_response(503, {"error": {"reason": "BUSY"}}), "HTTP 503: BUSY"),
        ((500, "text/plain", b"oops"), "HTTP 500: 'oops'"),
    ],
)
def test_garbage_and_errors_raise_pinning_error(
    answer: Response, message: str, blob: bytes
) -> None:
    with Served(Canned(answer)) as url:
        store = PinningServiceStore(url, TOKEN)
        with pytest.raises(PinningError, match=message) as raised:
            store.put(blob)
        assert not isinstance(raised.value, ContentNotFound)
        with pytest.raises(PinningError, match=message):
            store.has(cid_of_bytes(blob))


def test_a_url_that_is_not_http_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="CHAINCRED_PINNING_SERVICE_URL"):
        PinningServiceStore("pinning.example", TOKEN)
