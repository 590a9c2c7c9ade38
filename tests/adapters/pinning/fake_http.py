"""A tiny HTTP server on 127.0.0.1 in a thread, for fakes of remote services."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    """Routes ``<METHOD> <path>`` to ``server.fake.handle(request)``; quiet."""

    server: FakeServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length),
        )
        status, content_type, body = self.server.fake.handle(request)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Request:
    def __init__(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> None:
        self.method, self.path, self.query, self.headers, self.body = (
            method, path, query, headers, body,
        )  # fmt: skip


Response = tuple[int, str, bytes]


def json_response(status: int, value: object) -> Response:
    return status, "application/json", json.dumps(value).encode()


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: Any) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.fake = fake


class Served:
    """``with Served(fake) as url:`` runs ``fake`` (with a ``handle(request)``) on a free port."""

    def __init__(self, fake: Any) -> None:
        self._server = FakeServer(fake)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.02)  # the default 0.5 s slows every shutdown

    def __enter__(self) -> str:
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
