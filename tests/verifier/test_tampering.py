"""Documents that lie about themselves: one byte of the public part changed, a forged anchor,
input that is not a document. Decisive local evidence makes them invalid whatever the chain
says, with the code and the JSON path of the problem."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chaincred.adapters.chain.reader import RpcReader
from chaincred.domain import parse_json
from chaincred.services.verify import Unreadable, verify
from tests.contracts.conftest import Registry
from tests.verifier.support import DATA, Issue, as_json, mint, outcomes

pytestmark = pytest.mark.chain

GOLDEN = (DATA / "cmf-5ects-eqf6.json").read_bytes()
GOLDEN_DIGEST = "0x5a1c8b9939cd874a6168822dfc6a9a128a8a253b87a0a1b5fa0357a934d2a3fb"


def one_byte(text: bytes, old: bytes, new: bytes) -> bytes:
    assert text.count(old) == 1 and len(old) == len(new)
    changed = text.replace(old, new)
    assert sum(a != b for a, b in zip(text, changed, strict=True)) == 1
    return changed


def judged(reader: RpcReader, presented: Any) -> dict[str, Any]:
    return verify(presented, chain=reader).to_json()


@pytest.mark.parametrize(
    ("old", "new", "computed"),
    [
        (
            b'"issued_at": "2025-06-30T',
            b'"issued_at": "2025-06-20T',
            "0x918c66e995b90a751f168880420d460ce88dd6c4496383e1441d68967c211b2c",
        ),
        (
            b'"name": "0xfecd77',
            b'"name": "0xfecd78',
            "0x9a5dda694ddfd9455f561762f5bd8e40728686d410ee37c1c9749dfd474848a5",
        ),
        (
            b'"code": "PH-ML-301"',
            b'"code": "PH-ML-302"',
            "0xbe736c14ade28f18362917960d8d82392aefd63e5c1c67d51515531a477050c0",
        ),
    ],
    ids=["issued-at", "claim-commitment", "course-code"],
)
def test_a_byte_of_the_public_part_changed_breaks_the_digest(
    reader: RpcReader, old: bytes, new: bytes, computed: str
) -> None:
    report = judged(reader, parse_json(one_byte(GOLDEN, old, new)))

    assert report["verdict"] == "invalid"
    assert outcomes(report)["format"] == ("pass", None)
    integrity = report["checks"][1]
    assert (integrity["outcome"], integrity["code"]) == ("fail", "integrity.digest_mismatch")
    assert integrity["evidence"] == {"claimed": GOLDEN_DIGEST, "computed": computed}
    assert [c["code"] for c in report["checks"][2:]] == ["not_checked"] * 4


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            b'"ects": 5',
            b'"ects": 6',
            "public.image",
            'public.image: is "ipfs://bafkreidbcxsqvixnxabgtckrgh7azjsqv6mgvxf6jcspvz3vunyyinh334"'
            " but the credential implies",
        ),
        (
            b'"name": "Applied Machine Learning for Public Health"',
            b'"name": "Applied Machine Learning for Public Wealth"',
            "public.name",
            'public.name: is "Applied Machine Learning for Public Wealth" but the credential '
            'implies "Applied Machine Learning for Public Health"',
        ),
        (
            b"0d17dc79C8",
            b"0d17dc79C9",
            "public.recipient",
            "public.recipient: must be an EIP-55 checksummed address",
        ),
    ],
    ids=["ects", "display-name", "recipient"],
)
def test_a_byte_changed_in_a_derived_or_checked_field_fails_the_format(
    reader: RpcReader, old: bytes, new: bytes, path: str, message: str
) -> None:
    report = judged(reader, parse_json(one_byte(GOLDEN, old, new)))

    assert report["verdict"] == "invalid"
    fmt = report["checks"][0]
    assert (fmt["name"], fmt["outcome"], fmt["code"]) == ("format", "fail", "format.invalid")
    assert fmt["evidence"] == {"path": path}
    assert fmt["message"].startswith(message)


def test_a_tampered_copy_of_a_minted_credential_is_invalid(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)
    text = json.dumps(as_json(document)).encode()
    issued = document.public.issued_at.encode()  # e.g. 2026-11-28T09:41:07Z
    earlier = issued[:-2] + (b"0" if issued[-2:-1] != b"0" else b"1") + issued[-1:]

    report = judged(reader, parse_json(one_byte(text, issued, earlier)))

    assert report["verdict"] == "invalid"
    assert outcomes(report)["integrity"] == ("fail", "integrity.digest_mismatch")
    assert report["checks"][1]["evidence"]["claimed"] == f"0x{int(document.token_id()):064x}"


def test_a_forged_anchor_token_id_is_a_digest_mismatch(reader: RpcReader) -> None:
    report = judged(
        reader, parse_json(one_byte(GOLDEN, b'"token_id": "4075', b'"token_id": "4076'))
    )

    assert report["verdict"] == "invalid"
    integrity = report["checks"][1]
    assert integrity["code"] == "integrity.digest_mismatch"
    assert integrity["evidence"]["computed"] == GOLDEN_DIGEST


@pytest.mark.parametrize(
    ("token_id", "message"),
    [
        ("0x5a1c", "anchor.token_id: String should match pattern"),
        ("abc", "anchor.token_id: String should match pattern"),
        ("-5", "anchor.token_id: String should match pattern"),
        ("007", "anchor.token_id: String should match pattern"),
        (12, "anchor.token_id: must be a string"),
    ],
)
def test_a_malformed_anchor_token_id_fails_the_format_not_the_verifier(
    reader: RpcReader, token_id: object, message: str
) -> None:
    """Regression: a non-decimal token id crashed the verifier (``int('0x5a1c')``), and a
    well-formed-looking one was reported as a digest mismatch after a format "pass"."""
    raw = json.loads(GOLDEN)
    raw["anchor"]["token_id"] = token_id

    report = judged(reader, raw)

    assert report["verdict"] == "invalid"
    fmt = report["checks"][0]
    assert (fmt["outcome"], fmt["code"]) == ("fail", "format.invalid")
    assert fmt["evidence"] == {"path": "anchor.token_id"}
    assert fmt["message"].startswith(message)


@pytest.mark.parametrize(
    ("presented", "code", "message"),
    [
        ([1, 2], "format.invalid", "a credential document is a JSON object"),
        ("0x5a1c", "format.invalid", "a credential document is a JSON object"),
        ({"public": {}}, "format.invalid", "claims: is required"),
        (Unreadable("not JSON"), "format.unreadable", "not JSON"),
    ],
    ids=["array", "string", "no-claims", "unreadable"],
)
def test_what_is_not_a_document_fails_the_format(
    reader: RpcReader, presented: object, code: str, message: str
) -> None:
    report = judged(reader, presented)

    assert report["verdict"] == "invalid"
    assert report["token_id"] is None
    fmt = report["checks"][0]
    assert (fmt["outcome"], fmt["code"]) == ("fail", code)
    assert message in fmt["message"]
