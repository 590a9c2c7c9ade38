"""The IPFS Pinning Service API (https://ipfs.github.io/pinning-services-api-spec/) as the
metadata store, for production behind a commercial or self-hosted pinning service.

A pinning service pins a CID; it does not take bytes: it fetches the blocks from the IPFS
network. So ``put`` computes the CID locally, first hands the bytes to ``provider`` (another
``MetadataStore`` that makes them reachable: a Kubo node, or the built-in store behind this
deployment's ``/ipfs/{cid}`` gateway) and checks the CID it returns, then asks the service to
pin the CID (``POST /pins {"cid", "name", "origins"}``), reusing a live request for the same
CID. With ``wait`` > 0 it polls ``GET /pins/{requestid}`` until the status is ``pinned``; a
``failed`` pin is always an error. The API has no way to read content back, so ``get`` reads
from ``provider``, else from ``gateway`` (a trustless gateway, raw block), and checks the
bytes against the CID.

Tested against an in-test fake server implementing the API's endpoints
(tests/adapters/pinning/fake_pinning_service.py): no real pinning service installs from npm or
PyPI, so this adapter has not run against a commercial service in CI.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

from chaincred.adapters.pinning._cids import expect_cid, is_raw_cid
from chaincred.adapters.pinning._http import base_url, excerpt, json_body, send
from chaincred.domain import Cid, cid_of_bytes
from chaincred.errors import ContentNotFound, PinningError
from chaincred.ports import MetadataStore

__all__ = ["PinningServiceStore"]

_LIVE = "queued,pinning,pinned"
_STATUSES = frozenset(("queued", "pinning", "pinned", "failed"))


class PinningServiceStore:
    """A :class:`~chaincred.ports.MetadataStore` on a Pinning Service API ``endpoint``.

    ``token`` is sent as ``Authorization: Bearer``; ``origins`` (multiaddrs of the provider)
    help the service find the blocks; ``wait`` is how many seconds ``put`` waits for
    ``pinned`` (0: a queued request is enough), polling every ``poll_interval`` seconds.
    """

    def __init__(
        self,
        endpoint: str,
        token: str,
        *,
        provider: MetadataStore | None = None,
        gateway: str | None = None,
        origins: Sequence[str] = (),
        wait: float = 0.0,
        poll_interval: float = 1.0,
        timeout: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.endpoint = base_url(endpoint, "CHAINCRED_PINNING_SERVICE_URL")
        self.gateway = None if gateway is None else base_url(gateway, "the gateway URL")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._provider = provider
        self._origins = list(origins)
        self._wait = wait
        self._poll_interval = poll_interval
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    def put(self, data: bytes) -> Cid:
        cid = cid_of_bytes(data)
        if self._provider is not None:
            expect_cid(data, self._provider.put(data), "the provider store")
        status = self._live_request(cid) or self._request_pin(cid)
        if self._wait > 0:
            status = self._await_pinned(cid, status)
        elif status["status"] == "failed":
            raise PinningError(f"{self._what('pin')} failed for {cid}: {status.get('info')}")
        return cid

    def get(self, cid: str) -> bytes:
        if not is_raw_cid(cid):
            raise ContentNotFound(cid)
        if self._provider is not None:
            data = self._provider.get(cid)
        elif self.gateway is not None:
            data = self._from_gateway(cid)
        else:
            raise PinningError(
                "the Pinning Service API cannot return content: configure a provider store "
                "or a gateway to read from"
            )
        if cid_of_bytes(data) != cid:
            raise PinningError(f"the content read for {cid} has CID {cid_of_bytes(data)}")
        return data

    def has(self, cid: str) -> bool:
        if not is_raw_cid(cid):
            return False
        return any(s["pin"]["cid"] == cid for s in self._list(cid=cid, status="pinned"))

    def health(self) -> str:
        answer = self._json("GET", "/pins", "list pins", params={"limit": 1})
        count = answer.get("count")
        if not isinstance(count, int):
            raise PinningError(f"{self._what('list pins')}: no count in {answer!r}")
        state = f"Pinning Service at {self.endpoint}: {count} pins"
        provider = "" if self._provider is None else f"; provider: {self._provider.health()}"
        return state + provider

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> PinningServiceStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _live_request(self, cid: str) -> dict[str, Any] | None:
        matching = [s for s in self._list(cid=cid, status=_LIVE) if s["pin"]["cid"] == cid]
        return matching[0] if matching else None

    def _request_pin(self, cid: str) -> dict[str, Any]:
        pin: dict[str, Any] = {"cid": cid, "name": f"chaincred {cid}"}
        if self._origins:
            pin["origins"] = self._origins
        status = _pin_status(self._json("POST", "/pins", "pin", json=pin), self._what("pin"))
        _expect_pinned_cid(status["pin"]["cid"], cid, self._what("pin"))
        return status

    def _await_pinned(self, cid: str, status: dict[str, Any]) -> dict[str, Any]:
        deadline = time.monotonic() + self._wait
        while status["status"] != "pinned":
            if status["status"] == "failed":
                raise PinningError(f"{self._what('pin')} failed for {cid}: {status.get('info')}")
            if time.monotonic() >= deadline:
                raise PinningError(
                    f"{self._what('pin')}: {cid} still {status['status']} after {self._wait} s"
                )
            time.sleep(self._poll_interval)
            path = f"/pins/{status['requestid']}"
            status = _pin_status(self._json("GET", path, "pin status"), self._what("pin status"))
        return status

    def _list(self, **params: object) -> list[dict[str, Any]]:
        answer = self._json("GET", "/pins", "list pins", params={**params, "limit": 1000})
        results = answer.get("results")
        if not isinstance(results, list):
            raise PinningError(f"{self._what('list pins')}: no results list in {answer!r}")
        return [_pin_status(item, self._what("list pins")) for item in results]

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        url = self.endpoint + path
        kwargs["headers"] = self._headers
        response = send(self._client, method, url, self._what(what), **kwargs)
        if not 200 <= response.status_code < 300:
            raise PinningError(f"{self._what(what)} answered {_failure(response)}")
        answer = json_body(response, self._what(what))
        if not isinstance(answer, dict):
            raise PinningError(f"{self._what(what)}: expected an object, got {answer!r}")
        return answer

    def _from_gateway(self, cid: str) -> bytes:
        url = f"{self.gateway}/ipfs/{cid}"
        headers = {"Accept": "application/vnd.ipld.raw"}
        response = send(self._client, "GET", url, f"the gateway {self.gateway}", headers=headers)
        if response.status_code == 404:
            raise ContentNotFound(cid)
        if response.status_code != 200:
            raise PinningError(f"the gateway {self.gateway} answered {_failure(response)}")
        return response.content

    def _what(self, action: str) -> str:
        return f"Pinning Service {action} at {self.endpoint}"


def _expect_pinned_cid(returned: object, expected: str, source: str) -> None:
    """``PinningError`` naming both CIDs if the service echoed another CID than requested."""
    if returned != expected:
        raise PinningError(f"{source} returned CID {returned!r} when asked to pin {expected}")


def _pin_status(value: object, what: str) -> dict[str, Any]:
    """``value`` if it is a PinStatus object of the spec, else ``PinningError``."""
    ok = (
        isinstance(value, dict)
        and isinstance(value.get("requestid"), str)
        and value.get("status") in _STATUSES
        and isinstance(value.get("pin"), Mapping)
        and isinstance(value["pin"].get("cid"), str)
    )
    if not ok:
        raise PinningError(f"{what}: not a PinStatus object: {value!r}")
    return value  # type: ignore[return-value]


def _failure(response: httpx.Response) -> str:
    """``HTTP <status>: <reason>: <details>`` from the spec's Failure body, or an excerpt."""
    error = None
    with contextlib.suppress(ValueError, AttributeError):
        error = response.json().get("error")
    if isinstance(error, dict) and isinstance(error.get("reason"), str):
        parts = (error["reason"], error.get("details"))
        detail = ": ".join(str(part) for part in parts if part)
    else:
        detail = excerpt(response)
    hint = " (the token was refused)" if response.status_code in (401, 403) else ""
    return f"HTTP {response.status_code}{hint}: {detail}"
