"""A fake of Kubo's RPC API that answers each command with a canned response: for the failures
a real node will not produce on demand (a wrong CID, garbage, errors, slowness)."""

from __future__ import annotations

import time

from tests.adapters.pinning.fake_http import Request, Response, json_response

NOT_FOUND: Response = (404, "text/plain", b"404 page not found\n")


def kubo_error(message: str) -> Response:
    """Kubo's error answer: HTTP 500 with its JSON error object."""
    return json_response(500, {"Message": message, "Code": 0, "Type": "error"})


class FakeKubo:
    """``answers`` maps a command (``add``, ``cat``, ``pin/ls``, ``version``) to a response."""

    def __init__(self, delay: float = 0.0, **answers: Response) -> None:
        self.answers = {name.replace("_", "/"): answer for name, answer in answers.items()}
        self.delay = delay
        self.requests: list[Request] = []

    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        time.sleep(self.delay)
        if request.method != "POST":
            return 405, "text/plain", b"405 - Method Not Allowed\n"
        return self.answers.get(request.path.removeprefix("/api/v0/"), NOT_FOUND)
