"""The bulk route reads and verifies with the garbage collector paused, and resumes it on
every way out (in-process: the route's worker function, with its two calls observed)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from chaincred.api import routes_verify
from chaincred.domain.verification import Verdict, VerificationReport
from chaincred.errors import InputTooLarge


@pytest.fixture(autouse=True)
def _collector_running() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_parsing_and_verifying_run_paused_and_the_collector_resumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, bool]] = []
    real_parse = routes_verify.parse_json

    def parse(data: bytes) -> Any:
        seen.append(("parse", gc.isenabled()))
        return real_parse(data)

    def verify(presented: Sequence[object], context: object) -> list[VerificationReport]:
        seen.append(("verify", gc.isenabled()))
        return [VerificationReport(Verdict.VALID, (), 1, 31337, "0x" + "00" * 20, None)]

    monkeypatch.setattr(routes_verify, "parse_json", parse)
    monkeypatch.setattr(routes_verify, "verify_items", verify)

    body = routes_verify._bulk_answer(json.dumps({"token_ids": ["0x01"]}).encode(), object())

    assert seen == [("parse", False), ("verify", False)]
    assert body["count"] == 1 and body["verdicts"]["valid"] == 1
    assert gc.isenabled()


def test_a_refused_bulk_resumes_the_collector() -> None:
    upload = json.dumps({"token_ids": ["0x01"] * 10_001}).encode()

    with pytest.raises(InputTooLarge):
        routes_verify._bulk_answer(upload, object())

    assert gc.isenabled()
