"""``chaincred verify`` and ``chaincred verify-receipt``: exit codes 0 valid / 1 invalid /
2 indeterminate or unusable input, the readable report, the JSON report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from chaincred.cli import main
from chaincred.domain.onchain import Reason
from chaincred.domain.receipt import RECEIPT_FORMAT, sign_receipt
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from tests.contracts.conftest import Registry
from tests.verifier.faultproxy import FaultProxy
from tests.verifier.support import CHECK_ORDER, Issue, as_json, hex_id, latest_block, mint

pytestmark = pytest.mark.chain

CHAINCRED = Path(sys.executable).parent / "chaincred"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def verify_args(anvil: AnvilProcess, contract: str) -> list[str]:
    return ["--rpc", anvil.rpc_url, "--contract", contract]


@pytest.fixture
def minted_file(registry: Registry, issue: Issue, tmp_path: Path) -> tuple[Path, Any]:
    document = issue()
    mint(registry, document)
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(as_json(document), indent=2), encoding="utf-8")
    return path, document


def test_valid_exits_0_with_a_line_per_check(
    capsys: pytest.CaptureFixture[str],
    minted_file: tuple[Path, Any],
    verify_args: list[str],
    registry: Registry,
) -> None:
    path, document = minted_file

    code, out, err = run(capsys, "verify", str(path), *verify_args)

    assert (code, err) == (0, "")
    head = latest_block(registry.w3)
    lines = out.splitlines()
    assert lines[0] == f"credential {hex_id(int(document.token_id()))}"
    assert lines[1] == f"judged at block {head['number']} ({head['hash']}) on chain 31337"
    checks = [line.split()[:2] for line in lines[3:10]]
    assert checks == [["✓", name] for name in CHECK_ORDER]
    assert lines[-1] == "verdict: VALID"


def test_revoked_exits_1_and_names_the_code(
    capsys: pytest.CaptureFixture[str],
    minted_file: tuple[Path, Any],
    verify_args: list[str],
    registry: Registry,
) -> None:
    path, document = minted_file
    registry.client.revoke(registry.issuer, int(document.token_id()), Reason.ISSUED_IN_ERROR)

    code, out, _ = run(capsys, "verify", str(path), *verify_args)

    assert code == 1
    (status,) = [line for line in out.splitlines() if line.strip().startswith("✗")]
    assert status.split()[1] == "status"
    assert status.endswith("(issued_in_error)  [status.revoked]")
    assert out.splitlines()[-1] == "verdict: INVALID"


def test_a_broken_rpc_exits_2(
    capsys: pytest.CaptureFixture[str],
    minted_file: tuple[Path, Any],
    contract: str,
    proxy: FaultProxy,
) -> None:
    path, _ = minted_file
    with proxy.breaking("http_502"):
        code, out, _ = run(capsys, "verify", str(path), "--rpc", proxy.url, "--contract", contract)

    assert code == 2
    lines = out.splitlines()
    assert lines[1] == "judged without a readable chain"
    onchain = next(line for line in lines if line.split()[1:2] == ["onchain"])
    assert onchain.split()[0] == "?"
    assert onchain.endswith("the chain could not be read: HTTP 502  [chain.unavailable]")
    assert lines[-1] == "verdict: INDETERMINATE"


def test_pending_below_the_confirmation_depth_exits_2(
    capsys: pytest.CaptureFixture[str], minted_file: tuple[Path, Any], verify_args: list[str]
) -> None:
    path, _ = minted_file

    code, out, _ = run(capsys, "verify", str(path), *verify_args, "--confirmations", "3", "--json")

    assert code == 2
    report = json.loads(out)
    assert report["checks"][2]["code"] == "onchain.pending"


def test_json_report_shape(
    capsys: pytest.CaptureFixture[str],
    minted_file: tuple[Path, Any],
    verify_args: list[str],
    contract: str,
) -> None:
    path, document = minted_file

    code, out, _ = run(capsys, "verify", str(path), *verify_args, "--json")

    assert code == 0
    report = json.loads(out)
    assert set(report) == {
        "verdict",
        "token_id",
        "digest",
        "chain_id",
        "contract",
        "block",
        "checks",
    }
    assert report["verdict"] == "valid"
    assert report["token_id"] == str(document.token_id())
    assert report["digest"] == hex_id(int(document.token_id()))
    assert (report["chain_id"], report["contract"]) == (31337, contract)
    assert set(report["block"]) == {"number", "hash", "timestamp"}
    assert [c["name"] for c in report["checks"]] == CHECK_ORDER
    for check in report["checks"]:
        assert set(check) == {"name", "outcome", "code", "message", "evidence"}
        assert check["outcome"] == "pass" and check["code"] is None


def test_a_token_id_instead_of_a_file(
    capsys: pytest.CaptureFixture[str],
    minted_file: tuple[Path, Any],
    verify_args: list[str],
    registry: Registry,
) -> None:
    _, document = minted_file
    token = hex_id(int(document.token_id()))

    code, out, _ = run(capsys, "verify", token, *verify_args, "--json")

    assert code == 0
    report = json.loads(out)
    assert [c["name"] for c in report["checks"]] == ["onchain", "status", "issuer"]

    never = hex_id(int(document.token_id()) ^ 1)
    code, out, _ = run(capsys, "verify", never, *verify_args, "--json")
    assert code == 1
    assert json.loads(out)["checks"][0]["code"] == "onchain.not_issued"


def test_a_missing_file_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, verify_args: list[str]
) -> None:
    missing = tmp_path / "nowhere.json"

    code, out, err = run(capsys, "verify", str(missing), *verify_args)

    assert (code, out) == (2, "")
    assert err == f"chaincred verify: cannot read {missing}: No such file or directory\n"


def test_a_non_json_file_is_unreadable_and_invalid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, verify_args: list[str]
) -> None:
    path = tmp_path / "scan.json"
    path.write_text('{"public": {\n  "name": oops}', encoding="utf-8")

    code, out, _ = run(capsys, "verify", str(path), *verify_args, "--json")

    assert code == 1
    report = json.loads(out)
    fmt = report["checks"][0]
    assert (fmt["outcome"], fmt["code"]) == ("fail", "format.unreadable")
    assert fmt["message"] == "malformed JSON at line 2, column 11: Expecting value"
    assert report["token_id"] is None


def test_a_file_holding_a_number_is_not_a_token_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, verify_args: list[str]
) -> None:
    """Regression: a file holding ``42`` was verified as token 42 (token ids are 0x… args)."""
    path = tmp_path / "number.json"
    path.write_text("42\n", encoding="utf-8")

    code, out, _ = run(capsys, "verify", str(path), *verify_args, "--json")

    assert code == 1
    report = json.loads(out)
    assert report["token_id"] is None
    assert report["checks"][0]["code"] == "format.invalid"
    assert report["checks"][0]["message"] == "a credential document is a JSON object"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["0xzz"], "'0xzz' is neither a file nor a token id"),
        (["0x01", "--confirmations", "0"], "confirmations must be at least 1"),
    ],
)
def test_unusable_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], verify_args: list[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "verify", *argv, *verify_args)

    assert (code, out) == (2, "")
    assert err == f"chaincred verify: {message}\n"


def test_a_contract_that_is_not_an_address_exits_2(
    capsys: pytest.CaptureFixture[str], anvil: AnvilProcess
) -> None:
    code, _, err = run(capsys, "verify", "0x01", "--rpc", anvil.rpc_url, "--contract", "nope")

    assert code == 2
    assert err == "chaincred verify: --contract 'nope' is not an address\n"


def test_the_installed_command_exits_with_the_verdict(
    minted_file: tuple[Path, Any], verify_args: list[str], tmp_path: Path
) -> None:
    path, _ = minted_file
    done = subprocess.run(
        [str(CHAINCRED), "verify", str(path), *verify_args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "valid"


# --- verify-receipt (receipts signed here; the API's own receipts are in tests/api) ---

VERIFIER = Account.from_key(DEV_ACCOUNTS[9])


@pytest.fixture
def receipt_file(tmp_path: Path) -> Path:
    report = {"verdict": "valid", "digest": "0x" + "ab" * 32, "block": {"number": 7}}
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(sign_receipt(report, VERIFIER)), encoding="utf-8")
    return path


def test_an_authentic_receipt_exits_0(
    capsys: pytest.CaptureFixture[str], receipt_file: Path
) -> None:
    code, out, _ = run(capsys, "verify-receipt", str(receipt_file), "--verifier", VERIFIER.address)

    assert code == 0
    assert out.splitlines()[0] == f"signed by {VERIFIER.address}: authentic"
    assert out.splitlines()[1] == f"  verdict valid for 0x{'ab' * 32}, judged at block 7 (None)"


def test_a_receipt_from_another_verifier_exits_1(
    capsys: pytest.CaptureFixture[str], receipt_file: Path
) -> None:
    other = Account.from_key(DEV_ACCOUNTS[8]).address

    code, out, _ = run(capsys, "verify-receipt", str(receipt_file), "--verifier", other)

    assert code == 1
    assert out.splitlines()[:2] == [
        f"signed by {VERIFIER.address}: NOT authentic",
        f"  the receipt is signed by {VERIFIER.address}, not by {other}",
    ]


def test_a_tampered_receipt_exits_1(capsys: pytest.CaptureFixture[str], receipt_file: Path) -> None:
    receipt = json.loads(receipt_file.read_text(encoding="utf-8"))
    receipt["report"]["verdict"] = "invalid"
    receipt_file.write_text(json.dumps(receipt), encoding="utf-8")

    code, out, _ = run(capsys, "verify-receipt", str(receipt_file))

    assert code == 1
    signer = out.split()[2].rstrip(":")
    assert signer != VERIFIER.address
    assert out.splitlines()[0] == f"signed by {signer}: NOT authentic"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "$: a receipt is a JSON object"),
        ("{", "malformed JSON at line 1, column 2"),
        (json.dumps({"format": "x"}), f"format: must be {RECEIPT_FORMAT!r}"),
        (
            json.dumps(
                {"format": RECEIPT_FORMAT, "verifier": VERIFIER.address, "report": {}}
                | {"signature": "0x" + "00" * 65}
            ),
            "signature: is not a valid signature (Invalid signature)",
        ),
    ],
    ids=["array", "not-json", "format", "zero-signature"],
)
def test_an_unusable_receipt_exits_1_with_the_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "receipt.json"
    path.write_text(content, encoding="utf-8")

    code, _, err = run(capsys, "verify-receipt", str(path))

    assert code == 1
    assert err.startswith(f"chaincred verify-receipt: {message}")


def test_a_missing_receipt_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "verify-receipt", str(tmp_path / "none.json"))

    assert code == 2
    assert err == (
        f"chaincred verify-receipt: cannot read {tmp_path / 'none.json'}: No such file or "
        "directory\n"
    )
