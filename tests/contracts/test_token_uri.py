"""ChainCred.tokenURI: ``ipfs://`` + the CIDv1 (raw, sha2-256, base32) of the token id.

The expected CID is computed here from the multiformats spec, independently of the contract:
bytes 0x01 (CIDv1) 0x55 (raw codec) 0x12 (sha2-256) 0x20 (32-byte digest) || digest, encoded
in RFC 4648 base32, lower-case, without padding, behind the multibase prefix "b".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chaincred.domain.onchain import Reason, Status
from tests.conftest import Roles
from tests.contracts.conftest import Registry, new_digest
from tests.contracts.support import bring_to, mint_one, reverts, view

pytestmark = pytest.mark.chain

VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors.json"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def base32_lower_unpadded(data: bytes) -> str:
    """RFC 4648 section 6, written out bit by bit rather than through base64.b32encode."""
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(_ALPHABET[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def ipfs_uri(digest: int) -> str:
    cid = bytes([0x01, 0x55, 0x12, 0x20]) + digest.to_bytes(32, "big")
    return "ipfs://b" + base32_lower_unpadded(cid)


def test_the_reference_encoder_agrees_with_the_standard_library() -> None:
    import base64

    for data in (b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar", bytes(range(36))):
        expected = base64.b32encode(data).decode().rstrip("=").lower()
        assert base32_lower_unpadded(data) == expected


def test_a_known_cid() -> None:
    # sha256(b"hello world") as a raw block, as `ipfs add --cid-version 1 --raw-leaves` names it.
    digest = int.from_bytes(hashlib.sha256(b"hello world").digest(), "big")
    assert ipfs_uri(digest) == "ipfs://bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"


@pytest.mark.parametrize(
    "digest",
    [
        1,
        2**256 - 1,
        2**255,
        int.from_bytes(hashlib.sha256(b"hello world").digest(), "big"),
        int.from_bytes(hashlib.sha256(b"").digest(), "big"),
    ],
)
def test_token_uri_of_edge_digests(registry: Registry, roles: Roles, digest: int) -> None:
    registry.client.mint(registry.issuer, roles.learner.address, digest)
    assert registry.client.token_uri(digest) == ipfs_uri(digest)


def test_token_uri_of_random_digests(registry: Registry) -> None:
    digests = [new_digest() for _ in range(20)]
    holders = [registry.learner.address] * len(digests)
    registry.client.mint_batch(registry.issuer, holders, digests)
    for digest in digests:
        uri = registry.client.token_uri(digest)
        assert uri == ipfs_uri(digest)
        assert len(uri) == len("ipfs://") + 59


@pytest.mark.parametrize("state", ["suspended", "revoked", "superseded"])
def test_token_uri_survives_status_changes(registry: Registry, roles: Roles, state: str) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, state)
    assert registry.client.token_uri(digest) == ipfs_uri(digest)


def test_token_uri_of_a_revoked_token_of_another_institution(
    registry: Registry, roles: Roles
) -> None:
    digest = mint_one(registry, roles.learner.address, sender=registry.other_issuer)
    registry.client.revoke(registry.other_issuer, digest, Reason.OTHER)
    assert registry.client.token_uri(digest) == ipfs_uri(digest)


def test_token_uri_of_a_never_issued_token_reverts(registry: Registry) -> None:
    digest = new_digest()
    with reverts("ERC721NonexistentToken", digest):
        view(registry, "tokenURI", digest)


def test_token_uri_of_a_burned_token_reverts(registry: Registry, roles: Roles) -> None:
    digest = mint_one(registry, roles.learner.address)
    bring_to(registry, digest, "burned")
    with reverts("ERC721NonexistentToken", digest):
        registry.client.token_uri(digest)


# ---------------------------------------------------------------- golden vectors


def _vectors() -> list[dict[str, Any]]:
    if not VECTORS.is_file():
        return []
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    entries = data.get("vectors", []) if isinstance(data, dict) else data
    return [e for e in entries if isinstance(e, dict) and "digest" in e and "token_uri" in e]


def test_golden_vectors(registry: Registry, roles: Roles) -> None:
    assert VECTORS.is_file(), f"the golden vectors are missing: {VECTORS}"
    vectors = _vectors()
    assert vectors, f"{VECTORS} holds no entries with both 'digest' and 'token_uri'"
    for vector in vectors:
        digest = int(str(vector["digest"]), 16)
        if registry.client.credential(digest).status is Status.NONE:
            registry.client.mint(registry.issuer, roles.learner.address, digest)
        assert registry.client.token_uri(digest) == vector["token_uri"], vector
        assert ipfs_uri(digest) == vector["token_uri"], vector
