"""Builders of valid inputs, so each test states only what it changes."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaincred.demo import DEMO_ACHIEVEMENT
from chaincred.domain import (
    Achievement,
    CredentialDocument,
    Institution,
    document_json,
    issue_document,
    parse_achievement,
)

DATA = Path(__file__).resolve().parents[2] / "data"
VECTOR_NAMES = ("cmf-5ects-eqf6", "cmf-5ects-eqf6-corrected", "nonformal-workshop", "unicode-nfc")

RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ISSUED_AT = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


DROP: Any = object()
"""Pass as a field's value to leave the field out."""


def achievement_data(**changes: Any) -> dict[str, Any]:
    """A CMF-conforming 5-ECTS EQF-6 achievement as raw JSON data, a fresh copy each call:
    the demo one (chaincred.demo) with the title and the one learning outcome that tests
    look for on pages and in exports. ``DROP`` removes a field; ``None`` is kept, as a JSON
    null."""
    data: dict[str, Any] = copy.deepcopy(DEMO_ACHIEVEMENT) | {
        "title": "Applied Machine Learning",
        "learning_outcomes": [{"text": "Train and evaluate supervised models."}],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not DROP}


def achievement(**changes: Any) -> Achievement:
    return parse_achievement(achievement_data(**changes))


def institution(**changes: Any) -> Institution:
    data: dict[str, Any] = {"id": 1, "name": "Universiteit Voorbeeld", "country": "NL"}
    data.update(changes)
    return Institution.model_validate(data)


def counting_salts(start: int = 0) -> Callable[[], bytes]:
    """A deterministic salt source: 16 copies of 0, then of 1, …"""
    counter = itertools.count(start)
    return lambda: bytes([next(counter) % 256]) * 16


CLAIMS = {"name": "Ada Lovelace", "student_id": "s1234567", "date_of_birth": "2001-04-13"}


def issue(
    ach: Achievement | None = None,
    *,
    claims: Mapping[str, object] | None = None,
    salt_source: Callable[[], bytes] | None = None,
    **kwargs: Any,
) -> CredentialDocument:
    """A document issued with fixed inputs (override any keyword of issue_document)."""
    arguments: dict[str, Any] = {
        "institution": institution(),
        "recipient": RECIPIENT,
        "issued_at": ISSUED_AT,
        "chain_id": 31337,
        "contract": CONTRACT,
        "salt_source": salt_source or counting_salts(),
    }
    arguments.update(kwargs)
    return issue_document(
        ach or achievement(), claims=CLAIMS if claims is None else claims, **arguments
    )


def raw_document(document: CredentialDocument) -> dict[str, Any]:
    """The document as freshly parsed JSON (plain dicts and lists, no shared objects)."""
    parsed: dict[str, Any] = json.loads(json.dumps(document_json(document)))
    return parsed


def load_vector(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def load_expected(name: str) -> dict[str, Any]:
    text = (DATA / f"{name}.expected.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
