"""The demo micro-credential that ``chaincred up`` issues on a fresh local chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import rfc8785

__all__ = ["DemoToken", "demo_token"]


@dataclass(frozen=True)
class DemoToken:
    token_id: int
    title: str
    institution_digest: bytes
    document_json: str


def demo_token(holder: str, *, chain_id: int, contract: str) -> DemoToken:
    """A fixed demo credential for ``holder`` (replaced by the domain builder once it lands)."""
    public = {"name": "Blockchain Basics (demo)", "recipient": holder}
    digest = hashlib.sha256(rfc8785.dumps(public)).digest()
    document = {
        "public": public,
        "claims": {},
        "anchor": {"chain_id": chain_id, "contract": contract, "token_id": "0x" + digest.hex()},
    }
    return DemoToken(
        token_id=int.from_bytes(digest, "big"),
        title=public["name"],
        institution_digest=hashlib.sha256(b"demo institution").digest(),
        document_json=json.dumps(document, indent=2) + "\n",
    )
