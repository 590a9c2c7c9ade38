"""The verifier API over real HTTP (``chaincred serve`` in a subprocess, the session Anvil):
/v1/verify (+ signed receipts), bulk (JSON, multipart files + CSV), VCALM
/credentials/verify, the possession challenge, and problem+json errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from chaincred.cli import main
from chaincred.domain import CredentialDocument, open_badge_credential
from chaincred.domain.onchain import Reason
from chaincred.domain.possession import parse_possession_message
from chaincred.toolchain.anvil import DEV_ACCOUNTS
from tests.api.conftest import CHAINCRED, Server
from tests.conftest import Roles
from tests.contracts.conftest import Registry, new_digest
from tests.verifier import support
from tests.verifier.support import CHECK_ORDER, Issue, as_json, hex_id, mint, outcomes

pytestmark = pytest.mark.chain

PROBLEM_JSON = "application/problem+json"
RECEIPT_KEY = Account.from_key(DEV_ACCOUNTS[9])  # the dev receipt key of local mode


@pytest.fixture
def minted(registry: Registry, issue: Issue) -> CredentialDocument:
    return support.minted(registry, issue)


@pytest.fixture
def revoked(registry: Registry, issue: Issue) -> CredentialDocument:
    return support.revoked(registry, issue, Reason.ISSUED_IN_ERROR)


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:chaincred:problem:{slug}"
    assert body["title"] == slug.replace("-", " ")
    assert body["status"] == status
    return body


# --- /v1/verify ------------------------------------------------------------------------------


def test_verify_a_valid_document(http: httpx.Client, minted: CredentialDocument) -> None:
    response = http.post("/v1/verify", json=as_json(minted))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    report = response.json()
    assert report["verdict"] == "valid"
    assert report["digest"] == hex_id(int(minted.token_id()))
    assert [c["name"] for c in report["checks"]] == CHECK_ORDER


def test_verify_a_revoked_document(http: httpx.Client, revoked: CredentialDocument) -> None:
    report = http.post("/v1/verify", json=as_json(revoked)).json()

    assert report["verdict"] == "invalid"
    assert outcomes(report)["status"] == ("fail", "status.revoked")
    assert report["checks"][3]["evidence"]["reason"] == "issued_in_error"


def test_verify_a_tampered_document(http: httpx.Client, minted: CredentialDocument) -> None:
    raw = as_json(minted)
    raw["claims"]["name"]["value"] = "Mallory"

    report = http.post("/v1/verify", json=raw).json()

    assert report["verdict"] == "invalid"
    assert outcomes(report)["integrity"] == ("fail", "integrity.claim_mismatch")


def test_malformed_json_is_a_400_problem_with_line_and_column(http: httpx.Client) -> None:
    body = b'{\n  "public": {\n    "name": oops\n  }\n}'

    response = http.post("/v1/verify", content=body, headers={"content-type": "application/json"})

    details = problem(response, 400, "malformed-json")
    assert details["detail"] == "malformed JSON at line 3, column 13: Expecting value"


@pytest.mark.parametrize("depth", [65, 600, 5000])
def test_deeply_nested_json_is_a_400_problem_not_a_500(http: httpx.Client, depth: int) -> None:
    response = http.post("/v1/verify", content=b"[" * depth + b"]" * depth)

    details = problem(response, 400, "malformed-json")
    assert details["detail"] == "malformed JSON at line 1, column 1: nested deeper than 64 levels"


def test_duplicate_keys_are_refused_as_malformed(http: httpx.Client) -> None:
    response = http.post("/v1/verify", content=b'{"public": 1, "public": 2}')

    details = problem(response, 400, "malformed-json")
    assert details["detail"].startswith("malformed JSON at line 1, column ")
    assert "public" in details["detail"]


@pytest.mark.parametrize("body", [[1, 2, 3], "0x01", 1, True], ids=["array", "string", "1", "true"])
def test_a_json_value_that_is_not_a_document_is_an_invalid_report(
    http: httpx.Client, body: object
) -> None:
    """Regression: a JSON number was read as a bare token id (body ``1`` → "token 0x…01 was
    never issued"), though the body is a document; ids go to the bulk ``token_ids``."""
    report = http.post("/v1/verify", json=body).json()

    assert report["verdict"] == "invalid"
    assert report["token_id"] is None
    assert report["checks"][0] == {
        "name": "format",
        "outcome": "fail",
        "code": "format.invalid",
        "message": "a credential document is a JSON object",
        "evidence": {},
    }


# --- signed receipts ---------------------------------------------------------------------------


def test_a_signed_receipt_verifies_with_the_cli_and_tampering_shows(
    http: httpx.Client,
    minted: CredentialDocument,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    response = http.post("/v1/verify", params={"receipt": "true"}, json=as_json(minted))

    assert response.status_code == 200
    receipt = response.json()
    assert set(receipt) == {"format", "verifier", "report", "signature"}
    assert receipt["verifier"] == RECEIPT_KEY.address
    assert receipt["report"]["verdict"] == "valid"
    assert receipt["report"]["digest"] == hex_id(int(minted.token_id()))
    assert receipt["report"]["block"]["number"] > 0
    saved = tmp_path / "receipt.json"
    saved.write_bytes(response.content)

    done = subprocess.run(
        [str(CHAINCRED), "verify-receipt", str(saved), "--verifier", RECEIPT_KEY.address],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"signed by {RECEIPT_KEY.address}: authentic"

    other = Account.from_key(DEV_ACCOUNTS[8]).address
    assert main(["verify-receipt", str(saved), "--verifier", other]) == 1
    assert f"not by {other}" in capsys.readouterr().out

    receipt["report"]["checks"][3]["outcome"] = "fail"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(receipt), encoding="utf-8")
    assert main(["verify-receipt", str(tampered)]) == 1
    assert ": NOT authentic" in capsys.readouterr().out.splitlines()[0]


# --- bulk --------------------------------------------------------------------------------------


def test_bulk_token_ids_each_item_judged_on_its_own(
    http: httpx.Client, minted: CredentialDocument, revoked: CredentialDocument
) -> None:
    ids = [
        hex_id(int(minted.token_id())),
        "nope",
        str(int(revoked.token_id())),
        hex_id(new_digest()),
        "0x0",
    ]

    response = http.post("/v1/verify/bulk", json={"token_ids": ids})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["verdicts"] == {"valid": 1, "invalid": 4, "indeterminate": 0}
    items = body["items"]
    assert [i["source"] for i in items] == [f"token_ids[{n}]" for n in range(5)]
    assert [i["report"]["verdict"] for i in items] == [
        "valid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert items[1]["report"]["checks"][0] == {
        "name": "format",
        "outcome": "fail",
        "code": "format.unreadable",
        "message": "'nope' is not a token id (0x-hex or decimal)",
        "evidence": {},
    }
    assert outcomes(items[2]["report"])["status"] == ("fail", "status.revoked")
    assert outcomes(items[3]["report"])["onchain"] == ("fail", "onchain.not_issued")
    assert items[4]["report"]["checks"][0]["message"] == "'0x0' is outside the uint256 range"
    assert len({i["report"]["block"]["number"] for i in items if i["report"]["block"]}) == 1


def test_bulk_json_documents(
    http: httpx.Client, minted: CredentialDocument, revoked: CredentialDocument
) -> None:
    documents = [as_json(minted), as_json(revoked), 42]

    body = http.post("/v1/verify/bulk", json={"documents": documents}).json()

    assert [i["source"] for i in body["items"]] == ["documents[0]", "documents[1]", "documents[2]"]
    assert [i["report"]["verdict"] for i in body["items"]] == ["valid", "invalid", "invalid"]
    # a number among documents is not a token id (regression: it was verified as token 42)
    assert outcomes(body["items"][2]["report"])["format"] == ("fail", "format.invalid")
    assert body["items"][2]["report"]["token_id"] is None


def test_bulk_multipart_files_and_a_csv(
    http: httpx.Client, minted: CredentialDocument, revoked: CredentialDocument
) -> None:
    csv = f"token_id\n{hex_id(int(minted.token_id()))}\n\n{int(revoked.token_id())}\n"
    files = [
        ("files", ("alice.json", json.dumps(as_json(minted)).encode(), "application/json")),
        ("files", ("bob.json", json.dumps(as_json(revoked)).encode(), "application/json")),
        ("files", ("scan.pdf", b"%PDF-1.7 not json", "application/pdf")),
        ("csv", ("ids.csv", csv.encode(), "text/csv")),
    ]

    response = http.post("/v1/verify/bulk", files=files)

    assert response.status_code == 200
    body = response.json()
    assert [i["source"] for i in body["items"]] == [
        "alice.json",
        "bob.json",
        "scan.pdf",
        "ids.csv row 1",
        "ids.csv row 2",
    ]
    assert [i["report"]["verdict"] for i in body["items"]] == [
        "valid",
        "invalid",
        "invalid",
        "valid",
        "invalid",
    ]
    unreadable = body["items"][2]["report"]["checks"][0]
    assert (unreadable["code"], unreadable["message"]) == (
        "format.unreadable",
        "malformed JSON at line 1, column 1: Expecting value",
    )
    assert outcomes(body["items"][4]["report"])["status"] == ("fail", "status.revoked")


def test_bulk_multipart_text_field_is_refused(http: httpx.Client) -> None:
    response = http.post("/v1/verify/bulk", data={"csv": "0x01"}, files={"x": ("a", b"{}")})

    details = problem(response, 422, "invalid-input")
    assert details["errors"] == [{"path": "csv", "message": "must be an uploaded file"}]


def test_bulk_without_items_is_refused(http: httpx.Client) -> None:
    details = problem(http.post("/v1/verify/bulk", json={"ids": []}), 422, "invalid-input")

    assert details["errors"] == [
        {"path": "documents", "message": 'give "documents" or "token_ids" as a list'}
    ]


def test_more_than_10000_items_is_413(http: httpx.Client) -> None:
    response = http.post("/v1/verify/bulk", json={"token_ids": ["0x01"] * 10_001})

    details = problem(response, 413, "too-many-items")
    assert details["detail"] == "10001 items is more than the 10000 one request accepts: split it"


# --- VCALM ------------------------------------------------------------------------------------


def test_vcalm_verify_a_document(http: httpx.Client, minted: CredentialDocument) -> None:
    response = http.post("/credentials/verify", json={"verifiableCredential": as_json(minted)})

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["checks"] == CHECK_ORDER
    assert (body["warnings"], body["errors"]) == ([], [])
    assert body["chaincred"]["verdict"] == "valid"


def test_vcalm_verify_the_open_badges_export(
    http: httpx.Client, minted: CredentialDocument
) -> None:
    badge = open_badge_credential(minted)

    body = http.post("/credentials/verify", json={"verifiableCredential": badge}).json()

    assert body["verified"] is True
    assert body["checks"] == ["onchain", "status", "issuer"]
    assert body["warnings"] == [
        "an Open Badges 3.0 rendering: only the chain facts of its token were checked"
    ]
    assert body["chaincred"]["token_id"] == str(minted.token_id())


def test_vcalm_a_revoked_credential_lists_the_error(
    http: httpx.Client, revoked: CredentialDocument
) -> None:
    body = http.post("/credentials/verify", json={"verifiableCredential": as_json(revoked)}).json()

    assert body["verified"] is False
    (error,) = body["errors"]
    assert error.startswith("status: revoked on ") and error.endswith("(issued_in_error)")


def test_vcalm_a_number_is_not_a_credential(http: httpx.Client) -> None:
    body = http.post("/credentials/verify", json={"verifiableCredential": 7}).json()

    assert body["verified"] is False
    assert body["errors"] == ["format: a credential document is a JSON object"]


def test_vcalm_without_a_credential_is_refused(http: httpx.Client) -> None:
    details = problem(
        http.post("/credentials/verify", json={"credential": {}}), 422, "invalid-input"
    )

    assert details["errors"] == [{"path": "verifiableCredential", "message": "is required"}]


# --- holder possession -----------------------------------------------------------------------


def challenge(http: httpx.Client, token_id: int, address: str) -> dict[str, Any]:
    response = http.post(
        "/v1/verify/challenge", json={"token_id": hex_id(token_id), "address": address}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def signed(message: str, signer: LocalAccount) -> str:
    return "0x" + bytes(signer.sign_message(encode_defunct(text=message)).signature).hex()


def test_challenge_sign_and_prove_possession_then_a_replay_fails(
    http: httpx.Client, server: Server, minted: CredentialDocument, roles: Roles
) -> None:
    token_id = int(minted.token_id())
    issued = challenge(http, token_id, roles.learner.address.lower())
    claim = parse_possession_message(issued["message"])
    assert claim is not None
    assert claim.domain == server.url.removeprefix("http://")
    assert (claim.address, claim.token_id, claim.chain_id) == (
        roles.learner.address,
        token_id,
        31337,
    )
    assert (claim.nonce, claim.expires_at) == (issued["nonce"], issued["expires_at"])
    proof = {
        "message": issued["message"],
        "signature": signed(issued["message"], roles.learner),
        "document": as_json(minted),
    }

    first = http.post("/v1/verify/possession", json=proof).json()

    assert first["verdict"] == "valid"
    assert first["checks"][-1] == {
        "name": "possession",
        "outcome": "pass",
        "code": None,
        "message": f"the holder {roles.learner.address} signed the challenge",
        "evidence": {"signer": roles.learner.address},
    }

    replay = http.post("/v1/verify/possession", json=proof).json()

    assert replay["verdict"] == "invalid"
    assert outcomes(replay)["possession"] == ("fail", "possession.nonce_used")


def test_possession_by_token_id_signed_by_a_stranger_fails(
    http: httpx.Client, minted: CredentialDocument, roles: Roles
) -> None:
    token_id = int(minted.token_id())
    issued = challenge(http, token_id, roles.learner.address)
    proof = {
        "message": issued["message"],
        "signature": signed(issued["message"], roles.stranger),
        "token_id": hex_id(token_id),
    }

    report = http.post("/v1/verify/possession", json=proof).json()

    assert report["verdict"] == "invalid"
    assert outcomes(report)["possession"] == ("fail", "possession.not_owner")


def test_possession_with_a_zero_signature_fails_cleanly(
    http: httpx.Client, minted: CredentialDocument, roles: Roles
) -> None:
    """Regression: 65 zero bytes made eth_keys raise out of the check (a 500)."""
    issued = challenge(http, int(minted.token_id()), roles.learner.address)
    proof = {"message": issued["message"], "signature": "0x" + "00" * 65}

    response = http.post("/v1/verify/possession", json=proof | {"document": as_json(minted)})

    assert response.status_code == 200
    assert outcomes(response.json())["possession"] == ("fail", "possession.bad_signature")


def test_a_challenge_for_another_token_is_foreign(
    http: httpx.Client, registry: Registry, issue: Issue, minted: CredentialDocument, roles: Roles
) -> None:
    other = issue()
    mint(registry, other)
    issued = challenge(http, int(other.token_id()), roles.learner.address)
    proof = {
        "message": issued["message"],
        "signature": signed(issued["message"], roles.learner),
        "document": as_json(minted),
    }

    report = http.post("/v1/verify/possession", json=proof).json()

    assert outcomes(report)["possession"] == ("fail", "possession.foreign")


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        (
            "/v1/verify/challenge",
            {"token_id": "0x01", "address": "0x1234"},
            [{"path": "address", "message": "is not an Ethereum address"}],
        ),
        (
            "/v1/verify/possession",
            {"message": "m", "signature": "0x" + "11" * 65, "token_id": "0x01", "document": {}},
            [{"path": "document", "message": "give exactly one of document and token_id"}],
        ),
    ],
    ids=["bad-address", "document-and-token"],
)
def test_possession_requests_that_make_no_sense(
    http: httpx.Client, path: str, body: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    details = problem(http.post(path, json=body), 422, "invalid-input")
    assert details["errors"] == errors


def test_a_signature_of_the_wrong_shape_is_a_request_error(http: httpx.Client) -> None:
    response = http.post(
        "/v1/verify/possession", json={"message": "m", "signature": "0x12", "token_id": "0x01"}
    )

    details = problem(response, 422, "invalid-input")
    assert details["detail"] == "signature: String should match pattern '^0x[0-9a-fA-F]{130}$'"
    assert [e["path"] for e in details["errors"]] == ["signature"]


def test_possession_bodies_are_read_with_the_strict_parser(http: httpx.Client) -> None:
    """Like /v1/verify: a duplicate key (two readers could keep different values) is refused."""
    body = b'{"message": "m", "signature": "0x12", "token_id": "0x01", "token_id": "0x02"}'
    response = http.post("/v1/verify/possession", content=body)

    details = problem(response, 400, "malformed-json")
    assert "token_id" in details["detail"]
    malformed = http.post("/v1/verify/challenge", content=b'{"token_id": ')
    detail = problem(malformed, 400, "malformed-json")["detail"]
    assert detail.startswith("malformed JSON at line 1")


# --- a verifier whose RPC is down -------------------------------------------------------------


@pytest.mark.slow  # starts a second server (~5 s)
def test_an_rpc_down_makes_reports_indeterminate_never_invalid(
    broken_server: Server, minted: CredentialDocument
) -> None:
    with httpx.Client(base_url=broken_server.url, timeout=60) as client:
        report = client.post("/v1/verify", json=as_json(minted)).json()
        bulk = client.post(
            "/v1/verify/bulk", json={"token_ids": [hex_id(int(minted.token_id()))]}
        ).json()

    assert report["verdict"] == "indeterminate"
    assert outcomes(report)["onchain"] == ("indeterminate", "chain.unavailable")
    assert report["checks"][2]["message"] == "the chain could not be read: HTTP 502"
    assert bulk["verdicts"] == {"valid": 0, "invalid": 0, "indeterminate": 1}


@pytest.mark.slow  # starts a second server (~5 s)
def test_an_rpc_down_makes_a_challenge_a_503_with_retry_after(
    broken_server: Server, roles: Roles
) -> None:
    with httpx.Client(base_url=broken_server.url, timeout=60) as client:
        response = client.post(
            "/v1/verify/challenge", json={"token_id": "0x01", "address": roles.learner.address}
        )

    details = problem(response, 503, "chain-unavailable")
    assert response.headers["retry-after"] == "5"
    assert details["detail"].endswith("is unavailable: HTTP 502")


@pytest.mark.slow  # starts a second server (~5 s)
def test_a_receipt_without_a_receipt_key_is_a_503(
    broken_server: Server, minted: CredentialDocument
) -> None:
    with httpx.Client(base_url=broken_server.url, timeout=60) as client:
        response = client.post("/v1/verify?receipt=true", json=as_json(minted))

    details = problem(response, 503, "not-configured")
    assert details["detail"].startswith("this verifier has no receipt key: set ")
