"""A small fault-injecting JSON-RPC proxy: forwards POSTs to a real node (Anvil) and, when a
test asks for it, answers the way broken or hostile endpoints do — rate limits, gateway
errors, HTML error pages, JSON that is not JSON-RPC, garbage ``eth_call`` data, silence.

The verifier must read every one of these as "the chain cannot be read" (indeterminate),
never as evidence about a credential.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FAULTS", "FaultProxy"]

Answers = list[dict[str, Any]]


def _garbage_call(requests: Answers, answers: Answers) -> Any:
    methods = {r["id"]: r["method"] for r in requests}
    for answer in answers:
        if methods.get(answer.get("id")) == "eth_call":
            answer["result"] = "0xdeadbeef"
    return answers


def _short_call(requests: Answers, answers: Answers) -> Any:
    """ABI words cut in half: looks like data, decodes to nothing."""
    methods = {r["id"]: r["method"] for r in requests}
    for answer in answers:
        if methods.get(answer.get("id")) == "eth_call":
            answer["result"] = answer["result"][: len(answer["result"]) // 2]
    return answers


def _garbage_chain_id(requests: Answers, answers: Answers) -> Any:
    methods = {r["id"]: r["method"] for r in requests}
    for answer in answers:
        if methods.get(answer.get("id")) == "eth_chainId":
            answer["result"] = "0xnot-a-number"
    return answers


#: Rewrites of a forwarded batch's answers (``requests`` are what the client sent).
REWRITES: dict[str, Callable[[Answers, Answers], Any]] = {
    "wrong_ids": lambda _, answers: [{**a, "id": a["id"] + 1000} for a in answers],
    "list_ids": lambda _, answers: [{**a, "id": [a["id"]]} for a in answers],
    "missing_result": lambda _, answers: [
        {k: v for k, v in a.items() if k != "result"} for a in answers
    ],
    "not_batch": lambda _, answers: answers[0],
    "short_batch": lambda _, answers: answers[:-1],
    "rpc_error": lambda _, answers: [
        {"jsonrpc": "2.0", "id": a["id"], "error": {"code": -32005, "message": "limit exceeded"}}
        for a in answers
    ],
    "null_results": lambda _, answers: [{**a, "result": None} for a in answers],
    "garbage_call": _garbage_call,
    "short_call": _short_call,
    "garbage_chain_id": _garbage_chain_id,
}

#: Answers given without asking the node: (HTTP status, content type, body).
CANNED: dict[str, tuple[int, str, bytes]] = {
    "http_429": (429, "application/json", b'{"message": "Too Many Requests"}'),
    "http_502": (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "http_500_jsonrpc": (
        500,
        "application/json",
        b'{"jsonrpc": "2.0", "id": 0, "error": {"code": -32603, "message": "internal"}}',
    ),
    "html": (
        200,
        "text/html",
        b"<!doctype html><html><body>Please enable JavaScript</body></html>",
    ),
    "not_json": (200, "application/json", b'{"jsonrpc": "2.0", "id": 0, "result": '),
    "empty": (200, "application/json", b""),
}

FAULTS = ("pass", "hang", *CANNED, *REWRITES)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a hung answer (its timeout) is the point of the test."""


@dataclass
class FaultProxy:
    """``with FaultProxy(upstream) as proxy: proxy.fault = "http_502"``.

    ``only`` limits the fault to requests that contain a call of that JSON-RPC method (the
    others pass through), so a test can break the read midway. ``hang`` answers after
    ``hang_seconds``. ``requests`` counts the HTTP requests received.
    """

    upstream: str
    fault: str = "pass"
    only: str | None = None
    hang_seconds: float = 3.0
    requests: int = 0
    methods_seen: list[list[str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, content_type, answer = proxy._answer(body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        self.fault, self.only, self.requests = "pass", None, 0
        self.methods_seen.clear()

    @contextmanager
    def breaking(self, fault: str, *, only: str | None = None) -> Iterator[FaultProxy]:
        """Inject ``fault`` for the duration of the block."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        self.fault, self.only = fault, only
        try:
            yield self
        finally:
            self.fault, self.only = "pass", None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, body: bytes) -> tuple[int, str, bytes]:
        self.requests += 1
        requests = json.loads(body)
        batch = requests if isinstance(requests, list) else [requests]
        methods = [r["method"] for r in batch]
        self.methods_seen.append(methods)
        fault = self.fault if self.only is None or self.only in methods else "pass"
        if fault == "hang":
            time.sleep(self.hang_seconds)
        if fault in CANNED:
            return CANNED[fault]
        answers = self._forward(body)
        if fault in REWRITES:
            answers = REWRITES[fault](batch, answers)
        return 200, "application/json", json.dumps(answers).encode()

    def _forward(self, body: bytes) -> Any:
        request = urllib.request.Request(
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
