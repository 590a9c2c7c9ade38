"""Builders shared by the verifier and API tests: fresh credential documents anchored on the
session registry, minting them, and raw JSON-RPC pokes at Anvil (time, mining, reorgs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.types import TxReceipt

from chaincred.domain import (
    CredentialDocument,
    Digest,
    Institution,
    document_json,
    issue_document,
    parse_achievement,
)
from chaincred.domain.onchain import BurnAuth, Reason
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry
from tests.unit.domain.factories import achievement_data

DATA = Path(__file__).resolve().parents[1] / "data"
CLAIMS = {"name": "Ada Lovelace", "student_id": "s1234567", "date_of_birth": "2001-04-13"}
CHECK_ORDER = ["format", "integrity", "onchain", "status", "issuer", "validity", "conformance"]
CHAIN_CHECK_ORDER = ["onchain", "status", "issuer"]
ANVIL_CHAIN_ID = 31337

Issue = Callable[..., CredentialDocument]
"""The ``issue`` fixture: ``issue(**changes)`` builds a fresh document (not minted)."""


def make_document(
    *,
    contract: str,
    recipient: str,
    chain_id: int = ANVIL_CHAIN_ID,
    institution_id: int = ISSUER_INSTITUTION,
    issued_at: datetime | None = None,
    valid_until: datetime | None = None,
    supersedes: Digest | None = None,
) -> CredentialDocument:
    """A fresh document (random salts, so a fresh token id). ``issued_at`` defaults to a day
    before the wall clock, safely before any block Anvil mines during the test."""
    issued = issued_at or datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    return issue_document(
        parse_achievement(achievement_data()),
        institution=Institution.model_validate(
            {"id": institution_id, "name": "Universiteit Voorbeeld", "country": "NL"}
        ),
        recipient=recipient,
        claims=CLAIMS,
        issued_at=issued,
        valid_until=valid_until,
        chain_id=chain_id,
        contract=contract,
        supersedes=supersedes,
    )


def as_json(document: CredentialDocument) -> dict[str, Any]:
    """The document as freshly parsed JSON (plain dicts and lists, nothing shared)."""
    parsed: dict[str, Any] = json.loads(json.dumps(document_json(document)))
    return parsed


def load_golden(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def mint(
    registry: Registry,
    document: CredentialDocument,
    *,
    to: str | None = None,
    auth: BurnAuth = BurnAuth.OWNER_ONLY,
) -> TxReceipt:
    """Mint the document's token (by the issuer) to its recipient, or to ``to``."""
    return registry.client.mint(
        registry.issuer, to or document.public.recipient, int(document.token_id()), auth
    )


def minted(registry: Registry, issue: Issue) -> CredentialDocument:
    """A new document, minted to its recipient."""
    document = issue()
    mint(registry, document)
    return document


def revoked(registry: Registry, issue: Issue, reason: Reason) -> CredentialDocument:
    """A new document, minted and then revoked for ``reason``."""
    document = minted(registry, issue)
    registry.client.revoke(registry.issuer, int(document.token_id()), reason)
    return document


def superseded(
    registry: Registry, issue: Issue, holder: str
) -> tuple[CredentialDocument, CredentialDocument]:
    """A minted original and the correction that supersedes it (minted to ``holder``)."""
    original = minted(registry, issue)
    correction = issue(supersedes=original.digest())
    old_id, new_id = int(original.token_id()), int(correction.token_id())
    registry.client.transact(registry.issuer, "supersede", old_id, new_id, holder)
    return original, correction


def hex_id(token_id: int) -> str:
    return f"0x{token_id:064x}"


def rpc(w3: Web3, method: str, params: list[Any] | None = None) -> Any:
    answer = w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
    assert "error" not in answer, answer
    return answer["result"]


def latest_block(w3: Web3) -> dict[str, Any]:
    block = rpc(w3, "eth_getBlockByNumber", ["latest", False])
    return {
        "number": int(block["number"], 16),
        "hash": block["hash"],
        "timestamp": int(block["timestamp"], 16),
    }


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def outcomes(report_json: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """``{check name: (outcome, code)}`` of a JSON report."""
    return {c["name"]: (c["outcome"], c["code"]) for c in report_json["checks"]}
