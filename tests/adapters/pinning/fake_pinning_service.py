"""A fake IPFS Pinning Service (https://ipfs.github.io/pinning-services-api-spec/): the endpoints
PinningServiceStore uses, kept in dicts. No real pinning service installs from npm or PyPI, so
the adapter's tests run against this.

A pin request starts ``queued`` and moves one step per ``GET /pins/{requestid}`` (queued →
pinning → pinned), as a service works in the background; on the last step it "fetches" the
blocks from ``network`` (a MetadataStore standing for the IPFS network), and the request ends
``failed`` when the network lacks them. ``/ipfs/{cid}`` is the service's gateway for pinned
content.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from chaincred.ports import MetadataStore
from tests.adapters.pinning.fake_http import Request, Response, json_response

_NEXT = {"queued": "pinning", "pinning": "pinned"}


def failure(status: int, reason: str, details: str) -> Response:
    return json_response(status, {"error": {"reason": reason, "details": details}})


class FakePinningService:
    def __init__(self, token: str, network: MetadataStore) -> None:
        self.token = token
        self.network = network
        self.pins: dict[str, dict[str, Any]] = {}
        self.content: dict[str, bytes] = {}
        self.echo_cid: str | None = None  # set to make POST /pins echo another CID
        self.requests: list[Request] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            if request.path.startswith("/ipfs/"):
                return self._gateway(request.path.removeprefix("/ipfs/"))
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return failure(401, "UNAUTHORIZED", "missing or wrong access token")
            if request.path == "/pins":
                return self._create(request) if request.method == "POST" else self._list(request)
            if request.path.startswith("/pins/") and request.method == "GET":
                return self._status(request.path.removeprefix("/pins/"))
            return failure(404, "NOT_FOUND", request.path)

    def _create(self, request: Request) -> Response:
        pin = json.loads(request.body)
        if not isinstance(pin.get("cid"), str):
            return failure(400, "BAD_REQUEST", "cid is required")
        requestid = f"req-{next(self._ids)}"
        pin = {**pin, "cid": self.echo_cid or pin["cid"]}
        self.pins[requestid] = {
            "requestid": requestid,
            "status": "queued",
            "created": "2025-01-01T00:00:00Z",
            "pin": pin,
            "delegates": ["/ip4/127.0.0.1/tcp/4001/p2p/QmFakeServiceDelegate"],
            "info": {},
        }
        return json_response(202, self.pins[requestid])

    def _list(self, request: Request) -> Response:
        cids = set(request.query["cid"].split(",")) if "cid" in request.query else None
        statuses = set(request.query.get("status", "pinned").split(","))
        found = [
            p
            for p in self.pins.values()
            if p["status"] in statuses and (cids is None or p["pin"]["cid"] in cids)
        ]
        limit = int(request.query.get("limit", "10"))
        return json_response(200, {"count": len(found), "results": found[:limit]})

    def _status(self, requestid: str) -> Response:
        status = self.pins.get(requestid)
        if status is None:
            return failure(404, "NOT_FOUND", f"no pin request {requestid}")
        self._advance(status)
        return json_response(200, status)

    def _advance(self, status: dict[str, Any]) -> None:
        step = _NEXT.get(status["status"])
        cid = status["pin"]["cid"]
        if step == "pinned" and not self.network.has(cid):
            status["status"] = "failed"
            status["info"] = {"reason": f"{cid} was not found on the network"}
        elif step == "pinned":
            self.content[cid] = self.network.get(cid)
            status["status"] = "pinned"
        elif step is not None:
            status["status"] = step

    def _gateway(self, cid: str) -> Response:
        data = self.content.get(cid)
        if data is None:
            return 404, "text/plain", b"not found\n"
        return 200, "application/vnd.ipld.raw", data
