"""A Kubo node's RPC API (``/api/v0``) as the metadata store.

``put`` adds with ``cid-version=1&raw-leaves=true&pin=true``: content of up to 256 KiB (Kubo's
default chunk) stays one raw block, whose CID is the SHA-256 of the bytes, and is pinned
recursively. Reads pass ``offline=true`` so that Kubo answers from its own blockstore instead
of searching the IPFS network for a CID it lacks. Kubo answers every RPC by POST and reports
errors as HTTP 500 with ``{"Message": …}``.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import httpx

from chaincred.adapters.pinning._cids import MAX_RAW_BLOCK, expect_cid, is_raw_cid
from chaincred.adapters.pinning._http import base_url, excerpt, json_body, send
from chaincred.domain import Cid, cid_of_bytes
from chaincred.errors import ContentNotFound, PinningError

__all__ = ["KuboStore"]

_ADD = {"cid-version": "1", "raw-leaves": "true", "pin": "true"}


class KuboStore:
    """A :class:`~chaincred.ports.MetadataStore` on Kubo's RPC API at ``api_url``.

    ``client`` lets the caller share an ``httpx.Client`` (its own timeout then applies);
    otherwise the store owns one with ``timeout`` seconds per call (``close()`` releases it).
    """

    def __init__(
        self, api_url: str, *, timeout: float = 30.0, client: httpx.Client | None = None
    ) -> None:
        self.api_url = base_url(api_url, "CHAINCRED_KUBO_URL")
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    def put(self, data: bytes) -> Cid:
        if len(data) > MAX_RAW_BLOCK:
            raise PinningError(
                f"{len(data)} bytes do not fit one raw block ({MAX_RAW_BLOCK} bytes): Kubo would "
                "return a dag-pb CID that is not the SHA-256 of the content"
            )
        files = {"file": ("blob", data, "application/octet-stream")}
        response = self._ok(self._call("add", params=_ADD, files=files), "add")
        return expect_cid(data, _added_hash(response, self._what("add")), f"Kubo at {self.api_url}")

    def get(self, cid: str) -> bytes:
        if not is_raw_cid(cid):
            raise ContentNotFound(cid)
        response = self._call("cat", params={"arg": cid, "offline": "true"})
        if _error_says(response, "not found", "could not find"):
            raise ContentNotFound(cid)
        data = self._ok(response, "cat").content
        if cid_of_bytes(data) != cid:
            raise PinningError(
                f"Kubo at {self.api_url} returned bytes whose CID is {cid_of_bytes(data)} "
                f"when asked for {cid}"
            )
        return data

    def has(self, cid: str) -> bool:
        if not is_raw_cid(cid):
            return False
        params = {"arg": cid, "type": "recursive", "offline": "true"}
        response = self._call("pin/ls", params=params)
        if _error_says(response, "not pinned"):
            return False
        keys = json_body(self._ok(response, "pin/ls"), self._what("pin/ls"))
        if not isinstance(keys, dict) or not isinstance(keys.get("Keys"), dict):
            raise PinningError(f"{self._what('pin/ls')}: no Keys object in {keys!r}")
        return cid in keys["Keys"]

    def health(self) -> str:
        answer = json_body(self._ok(self._call("version"), "version"), self._what("version"))
        version = answer.get("Version") if isinstance(answer, dict) else None
        if not isinstance(version, str):
            raise PinningError(f"{self._what('version')}: no Version in {answer!r}")
        return f"Kubo RPC at {self.api_url}: version {version}"

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> KuboStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _what(self, command: str) -> str:
        return f"Kubo RPC {command} at {self.api_url}"

    def _call(self, command: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.api_url}/api/v0/{command}"
        return send(self._client, "POST", url, self._what(command), **kwargs)

    def _ok(self, response: httpx.Response, command: str) -> httpx.Response:
        if response.status_code != 200:
            raise PinningError(
                f"{self._what(command)} answered HTTP {response.status_code}: "
                f"{_kubo_message(response)}"
            )
        return response


def _added_hash(response: httpx.Response, what: str) -> str:
    """The ``Hash`` of the last object of ``add``'s newline-delimited JSON answer."""
    for line in reversed(response.text.splitlines()):
        try:
            entry = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            break
        if isinstance(entry, dict) and isinstance(entry.get("Hash"), str):
            return str(entry["Hash"])
    raise PinningError(f"{what}: no Hash in the answer {excerpt(response)}")


def _kubo_message(response: httpx.Response) -> str:
    try:
        message = response.json().get("Message")
    except (ValueError, AttributeError):
        message = None
    return message if isinstance(message, str) else excerpt(response)


def _error_says(response: httpx.Response, *phrases: str) -> bool:
    """Whether ``response`` is Kubo's error answer and its message holds one of ``phrases``."""
    if response.status_code != 500:
        return False
    message = _kubo_message(response).lower()
    return any(phrase in message for phrase in phrases)
