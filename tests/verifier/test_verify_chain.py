"""verify() against a real Anvil and the deployed registry: each check's pass, fail and
indeterminate paths, with the exact code and the evidence a person would want to see."""

from __future__ import annotations

import json
import weakref
from typing import Any

import pytest

from chaincred.adapters.chain.reader import RpcReader
from chaincred.domain import parse_json, present
from chaincred.domain.onchain import BurnAuth, Reason
from chaincred.domain.verification import Outcome, Verdict
from chaincred.services.verify import released, verify, verify_many
from tests.conftest import Roles
from tests.contracts.conftest import OTHER_INSTITUTION, Registry, new_digest
from tests.contracts.support import block_time, deactivate, send
from tests.verifier import support
from tests.verifier.support import (
    CHECK_ORDER,
    Issue,
    as_json,
    hex_id,
    iso,
    latest_block,
    load_golden,
    mint,
    outcomes,
)

pytestmark = pytest.mark.chain


def judged(reader: RpcReader, presented: Any, **kwargs: Any) -> dict[str, Any]:
    return verify(presented, chain=reader, **kwargs).to_json()


def test_a_minted_document_is_valid_and_every_check_passes(
    registry: Registry, reader: RpcReader, issue: Issue, roles: Roles
) -> None:
    document = issue()
    receipt = mint(registry, document)

    report = judged(reader, as_json(document))

    assert report["verdict"] == "valid"
    assert [c["name"] for c in report["checks"]] == CHECK_ORDER
    assert {c["outcome"] for c in report["checks"]} == {"pass"}
    assert report["token_id"] == str(document.token_id())
    assert report["digest"] == hex_id(int(document.token_id()))
    assert report["chain_id"] == 31337
    assert report["contract"] == registry.client.address
    assert report["block"] == latest_block(registry.w3)
    onchain = outcomes(report)
    assert onchain["onchain"] == ("pass", None)
    evidence = {c["name"]: c["evidence"] for c in report["checks"]}
    assert evidence["onchain"] == {
        "owner": roles.learner.address,
        "issued_at": iso(block_time(registry, receipt)),
    }
    assert evidence["integrity"]["withheld_claims"] == []
    assert evidence["integrity"]["proven_claims"] == {
        "name": "Ada Lovelace",
        "student_id": "s1234567",
        "date_of_birth": "2001-04-13",
    }
    assert evidence["issuer"]["institution_id"] == 1
    assert evidence["issuer"]["active"] is True
    assert evidence["validity"]["valid_until"] is None
    json.dumps(report)  # JSON-serializable as it stands


def test_keys_reordered_and_whitespace_changed_is_still_valid(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)

    def reversed_keys(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reversed_keys(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reversed_keys(v) for v in value]
        return value

    original = json.dumps(as_json(document), separators=(",", ":"))
    reshaped = json.dumps(reversed_keys(as_json(document)), indent="\t") + "\n\n"
    assert reshaped != original and reshaped.index('"anchor"') < reshaped.index('"public"')

    report = judged(reader, parse_json(reshaped.encode()))

    assert report["verdict"] == "valid"
    assert report["token_id"] == str(document.token_id())


def test_a_withheld_claim_is_listed_not_failed(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)

    report = judged(reader, as_json(present(document, disclose=["name"])))

    assert report["verdict"] == "valid"
    integrity = report["checks"][1]
    assert integrity["outcome"] == "pass"
    assert integrity["evidence"]["proven_claims"] == {"name": "Ada Lovelace"}
    assert integrity["evidence"]["withheld_claims"] == ["student_id", "date_of_birth"]
    assert integrity["message"] == "the digest matches; 1 claim(s) proven, 2 withheld"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"salt": "0x" + "00" * 16}, "value and salt do not match the commitment"),
        ({"value": "Ada King"}, "value and salt do not match the commitment"),
    ],
    ids=["wrong-salt", "wrong-value"],
)
def test_a_claim_that_does_not_open_its_commitment_fails_integrity(
    registry: Registry, reader: RpcReader, issue: Issue, change: dict[str, str], reason: str
) -> None:
    document = issue()
    mint(registry, document)
    raw = as_json(document)
    raw["claims"]["name"] |= change

    report = judged(reader, raw)

    assert report["verdict"] == "invalid"
    integrity = report["checks"][1]
    assert (integrity["outcome"], integrity["code"]) == ("fail", "integrity.claim_mismatch")
    assert integrity["evidence"]["mismatched_claims"] == {"name": reason}
    assert integrity["evidence"]["proven_claims"] == {
        "student_id": "s1234567",
        "date_of_birth": "2001-04-13",
    }
    # Decisive local evidence: the chain is not consulted for a document that lies.
    assert outcomes(report)["onchain"] == ("indeterminate", "not_checked")


def test_revoked_shows_reason_and_time(registry: Registry, reader: RpcReader, issue: Issue) -> None:
    document = issue()
    mint(registry, document)
    revoked = registry.client.revoke(
        registry.issuer, int(document.token_id()), Reason.ACADEMIC_MISCONDUCT
    )
    when = iso(block_time(registry, revoked))

    report = judged(reader, as_json(document))

    assert report["verdict"] == "invalid"
    status = report["checks"][3]
    assert (status["name"], status["outcome"], status["code"]) == (
        "status",
        "fail",
        "status.revoked",
    )
    assert status["evidence"] == {"reason": "academic_misconduct", "changed_at": when}
    assert status["message"] == f"revoked on {when} (academic_misconduct)"
    assert outcomes(report)["onchain"] == ("pass", None)


def test_suspended_then_reinstated(registry: Registry, reader: RpcReader, issue: Issue) -> None:
    document = issue()
    token_id = int(document.token_id())
    mint(registry, document)
    suspended = send(registry, registry.issuer, "suspend", token_id, int(Reason.OTHER))

    report = judged(reader, as_json(document))
    assert report["verdict"] == "invalid"
    assert outcomes(report)["status"] == ("fail", "status.suspended")
    when = iso(block_time(registry, suspended))
    assert report["checks"][3]["evidence"] == {"reason": "other", "changed_at": when}

    send(registry, registry.issuer, "reinstate", token_id)

    report = judged(reader, as_json(document))
    assert report["verdict"] == "valid"
    assert outcomes(report)["status"] == ("pass", None)


def test_superseded_names_its_successor(
    registry: Registry, reader: RpcReader, issue: Issue, roles: Roles
) -> None:
    original, correction = support.superseded(registry, issue, roles.learner.address)
    new_id = int(correction.token_id())

    old = judged(reader, as_json(original))
    new = judged(reader, as_json(correction))

    assert old["verdict"] == "invalid"
    status = old["checks"][3]
    assert status["code"] == "status.superseded"
    assert status["evidence"]["successor"] == hex_id(new_id)
    assert hex_id(new_id) in status["message"]
    assert new["verdict"] == "valid"


def test_burned(registry: Registry, reader: RpcReader, issue: Issue) -> None:
    document = issue()
    mint(registry, document, auth=BurnAuth.OWNER_ONLY)
    burned = send(registry, registry.learner, "burn", int(document.token_id()))

    report = judged(reader, as_json(document))

    assert report["verdict"] == "invalid"
    assert outcomes(report)["status"] == ("fail", "status.burned")
    assert report["checks"][3]["message"] == f"burned on {iso(block_time(registry, burned))}"
    # The record is kept (invariant 3): the chain still says who issued it.
    assert outcomes(report)["issuer"] == ("pass", None)


def test_never_issued(registry: Registry, reader: RpcReader, issue: Issue) -> None:
    report = judged(reader, as_json(issue()))

    assert report["verdict"] == "invalid"
    onchain = report["checks"][2]
    assert (onchain["outcome"], onchain["code"]) == ("fail", "onchain.not_issued")
    assert onchain["message"] == "no token with this id was ever issued"
    assert outcomes(report)["status"] == ("indeterminate", "not_checked")
    assert outcomes(report)["issuer"] == ("indeterminate", "not_checked")


def test_held_by_someone_else_than_the_recipient(
    registry: Registry, reader: RpcReader, issue: Issue, roles: Roles
) -> None:
    document = issue()
    mint(registry, document, to=roles.stranger.address)

    report = judged(reader, as_json(document))

    assert report["verdict"] == "invalid"
    onchain = report["checks"][2]
    assert onchain["code"] == "onchain.owner_mismatch"
    assert onchain["evidence"] == {"owner": roles.stranger.address}


def test_the_chain_names_another_institution_than_the_document(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue(institution_id=OTHER_INSTITUTION)
    mint(registry, document)  # minted by institution 1's signer

    report = judged(reader, as_json(document))

    assert report["verdict"] == "invalid"
    issuer = report["checks"][4]
    assert issuer["code"] == "issuer.mismatch"
    assert issuer["message"] == "the document names institution 2, the chain 1"


def test_a_document_anchored_on_another_chain_is_indeterminate(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    golden = load_golden("unicode-nfc")  # anchored on Sepolia (11155111)
    document = issue(chain_id=1)
    mint(registry, document)  # even a token with this id here proves nothing about chain 1

    for raw, chain_id in ((golden, 11155111), (as_json(document), 1)):
        report = judged(reader, raw)
        assert report["verdict"] == "indeterminate"
        onchain = report["checks"][2]
        assert (onchain["outcome"], onchain["code"]) == ("indeterminate", "onchain.wrong_chain")
        assert onchain["message"] == (
            f"the document is anchored on chain {chain_id} but the RPC serves chain 31337: "
            f"verify with an RPC of chain {chain_id}"
        )
        assert outcomes(report)["status"] == ("indeterminate", "not_checked")


def test_a_document_anchored_on_another_contract_is_untrusted(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    elsewhere = "0x000000000000000000000000000000000000dEaD"
    document = issue(contract=elsewhere)
    mint(registry, document)

    report = judged(reader, as_json(document))

    assert report["verdict"] == "invalid"
    onchain = report["checks"][2]
    assert (onchain["outcome"], onchain["code"]) == ("fail", "onchain.untrusted_contract")
    assert onchain["message"] == (
        f"the document is anchored on {elsewhere}, not on the trusted registry "
        f"{registry.client.address}"
    )


def test_a_trusted_address_without_code_is_indeterminate(
    registry: Registry, anvil: Any, issue: Issue
) -> None:
    empty = "0x1111111111111111111111111111111111111111"
    document = issue(contract=empty)
    chain = RpcReader(anvil.rpc_url, empty)
    try:
        by_document = judged(chain, as_json(document))
        by_token = judged(chain, int(document.token_id()))
    finally:
        chain.close()

    for report in (by_document, by_token):
        assert report["verdict"] == "indeterminate"
        onchain = report["checks"][0 if report is by_token else 2]
        assert (onchain["outcome"], onchain["code"]) == ("indeterminate", "onchain.no_contract")
        assert onchain["message"] == f"there is no contract at {empty} on this chain"


def test_an_institution_deactivated_after_issuing_still_vouches(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)
    deactivated = deactivate(registry, 1)
    when = iso(block_time(registry, deactivated))

    report = judged(reader, as_json(document))

    assert report["verdict"] == "valid"
    issuer = report["checks"][4]
    assert issuer["outcome"] == "pass"
    assert issuer["evidence"]["active"] is False
    assert issuer["evidence"]["deactivated_at"] == when
    assert issuer["message"].endswith(
        f"active at issuance; deactivated since {when}, after issuing"
    )


def test_minted_and_deactivated_in_the_same_block_was_active_at_issuance(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    """The contract refuses to mint for an inactive institution, so a token whose issue time
    equals the deactivation time was minted before it, in the same block."""
    document = issue()
    w3 = registry.w3
    client = registry.client
    mint_data = client.encode(
        "mint", document.public.recipient, int(document.token_id()), int(BurnAuth.OWNER_ONLY)
    )
    deactivate_data = client.encode("deactivateInstitution", 1)
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        hashes = [
            _send_unmined(registry, registry.issuer, mint_data),
            _send_unmined(registry, registry.registrar, deactivate_data),
        ]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1]
    assert receipts[0]["blockNumber"] == receipts[1]["blockNumber"]

    report = judged(reader, as_json(document))

    assert outcomes(report)["issuer"] == ("pass", None)
    assert report["verdict"] == "valid"


def _send_unmined(registry: Registry, sender: Any, data: bytes) -> Any:
    w3 = registry.w3
    base_fee = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
    tx = {
        "chainId": 31337,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "to": registry.client.address,
        "gas": 500_000,
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 2 * base_fee + 10**9,
        "data": data,
        "value": 0,
    }
    signed = sender.account.sign_transaction(tx)
    return w3.eth.send_raw_transaction(signed.raw_transaction)


def test_expiry_is_judged_by_block_time(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    from datetime import UTC, datetime

    now = latest_block(registry.w3)["timestamp"]
    valid_until = datetime.fromtimestamp(now + 3600, UTC)
    document = issue(valid_until=valid_until)
    mint(registry, document)

    before = judged(reader, as_json(document))
    assert before["verdict"] == "valid"
    assert outcomes(before)["validity"] == ("pass", None)

    registry.w3.provider.make_request("evm_increaseTime", [7200])  # type: ignore[arg-type]
    registry.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    after = judged(reader, as_json(document))

    assert after["verdict"] == "invalid"
    validity = after["checks"][5]
    assert (validity["outcome"], validity["code"]) == ("fail", "validity.expired")
    assert validity["message"] == f"expired on {iso(now + 3600)}"
    assert validity["evidence"]["judged_at"] == iso(after["block"]["timestamp"])
    assert after["block"]["timestamp"] > now + 3600
    # An explicit "now" is honoured only when asked for.
    explicit = judged(reader, as_json(document), now_from_chain=False, now=now)
    assert explicit["verdict"] == "valid"


def test_not_yet_valid(registry: Registry, reader: RpcReader, issue: Issue) -> None:
    from datetime import UTC, datetime

    now = latest_block(registry.w3)["timestamp"]
    document = issue(issued_at=datetime.fromtimestamp(now + 86_400, UTC))
    mint(registry, document)

    report = judged(reader, as_json(document))

    assert report["verdict"] == "invalid"
    assert outcomes(report)["validity"] == ("fail", "validity.not_yet_valid")


def test_pending_below_the_confirmation_depth_then_confirmed(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)

    pending = judged(reader, as_json(document), confirmations=3)
    assert pending["verdict"] == "indeterminate"
    onchain = pending["checks"][2]
    assert (onchain["outcome"], onchain["code"]) == ("indeterminate", "onchain.pending")
    assert onchain["message"] == "the token is issued but has fewer than 3 confirmations"
    assert pending["block"]["number"] == latest_block(registry.w3)["number"] - 2

    for _ in range(2):
        registry.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    confirmed = judged(reader, as_json(document), confirmations=3)
    assert confirmed["verdict"] == "valid"
    assert confirmed["checks"][2]["message"] == "token issued, with 3 confirmation(s) or more"


def test_a_pending_credential_is_not_judged_invalid_by_an_older_block_time(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    """Issued and minted at once: the judged block (below the head) predates the document,
    but that is pending, not "not yet valid" (validity is judged by the latest block)."""
    from datetime import UTC, datetime

    head = latest_block(registry.w3)
    registry.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    moment = head["timestamp"] + 600
    document = issue(issued_at=datetime.fromtimestamp(moment, UTC))
    registry.w3.provider.make_request("evm_setNextBlockTimestamp", [moment])  # type: ignore[arg-type]
    mint(registry, document)

    report = judged(reader, as_json(document), confirmations=3)

    assert report["verdict"] == "indeterminate"
    assert outcomes(report)["onchain"] == ("indeterminate", "onchain.pending")
    assert outcomes(report)["validity"] == ("pass", None)


def test_a_reorg_removes_a_pending_credential(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    receipt = mint(registry, document)
    assert judged(reader, as_json(document), confirmations=3)["verdict"] == "indeterminate"

    # Replace the mint block by an empty one (Anvil does not re-queue its transaction).
    registry.w3.provider.make_request("anvil_reorg", [1, []])  # type: ignore[arg-type]
    assert latest_block(registry.w3)["hash"] != receipt["blockHash"].to_0x_hex()

    for confirmations in (3, 1):
        report = judged(reader, as_json(document), confirmations=confirmations)
        assert report["verdict"] == "invalid"
        assert outcomes(report)["onchain"] == ("fail", "onchain.not_issued")


def test_a_token_id_alone_is_judged_on_chain_facts(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)

    report = judged(reader, int(document.token_id()))

    assert report["verdict"] == "valid"
    assert [c["name"] for c in report["checks"]] == ["onchain", "status", "issuer"]


def test_verify_many_reads_the_chain_once_for_all_items(
    registry: Registry, anvil: Any, contract: str, issue: Issue, proxy: Any
) -> None:
    documents = [issue() for _ in range(3)]
    registry.client.mint_batch(
        registry.issuer,
        [d.public.recipient for d in documents],
        [int(d.token_id()) for d in documents],
    )
    registry.client.revoke(registry.issuer, int(documents[1].token_id()), Reason.OTHER)
    extra = [new_digest() for _ in range(150)]  # never issued: two chunks of the batch view
    chain = RpcReader(proxy.url, contract, ids_per_call=100)
    try:
        reports = verify_many(
            [as_json(d) for d in documents] + ["not a document", *extra], chain=chain
        )
    finally:
        chain.close()

    assert [r.verdict for r in reports[:4]] == [
        Verdict.VALID,
        Verdict.INVALID,
        Verdict.VALID,
        Verdict.INVALID,
    ]
    assert reports[1].check("status").code == "status.revoked"
    assert reports[3].check("format").code == "format.invalid"
    assert {r.check("onchain").code for r in reports[4:]} == {"onchain.not_issued"}
    assert len({r.block for r in reports if r.block is not None}) == 1
    # head; code; every record (two eth_calls, one HTTP request); the institution
    assert proxy.methods_seen == [
        ["eth_chainId", "eth_getBlockByNumber"],
        ["eth_getCode"],
        ["eth_call", "eth_call"],
        ["eth_call"],
    ]
    assert all(c.outcome is not Outcome.FAIL for c in reports[0].checks)


def test_a_revocation_below_the_confirmation_depth_is_pending_not_valid(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    document = issue()
    mint(registry, document)
    for _ in range(3):
        registry.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert judged(reader, as_json(document), confirmations=3)["verdict"] == "valid"

    registry.client.revoke(registry.issuer, int(document.token_id()), Reason.ACADEMIC_MISCONDUCT)
    pending = judged(reader, as_json(document), confirmations=3)

    status = next(c for c in pending["checks"] if c["name"] == "status")
    assert pending["verdict"] == "indeterminate"
    assert (status["outcome"], status["code"]) == ("indeterminate", "status.pending_change")
    assert status["evidence"] == {"current": "active", "pending": "revoked"}
    for _ in range(2):
        registry.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    settled = judged(reader, as_json(document), confirmations=3)
    assert settled["verdict"] == "invalid"
    assert outcomes(settled)["status"] == ("fail", "status.revoked")


def test_a_stream_of_documents_gets_the_reports_a_list_gets_and_is_let_go_of(
    registry: Registry, reader: RpcReader, issue: Issue
) -> None:
    """verify_many reads its items once, in order; given released(list), it holds no parsed
    document longer than its local checks (the bulk route relies on that for memory)."""
    documents = [issue() for _ in range(4)]  # one cohort: the later ones take the short road
    registry.client.mint_batch(
        registry.issuer,
        [d.public.recipient for d in documents],
        [int(d.token_id()) for d in documents],
    )
    texts = [json.dumps(as_json(d)) for d in documents]
    expected = verify_many([parse_json(t) for t in texts], chain=reader)

    parsed = [_Watchable(parse_json(t)) for t in texts]
    first = weakref.ref(parsed[0])
    first_alive_when_last_taken: list[bool] = []

    def stream() -> Any:
        for i, document in enumerate(released(parsed)):
            if i == len(texts) - 1:
                first_alive_when_last_taken.append(first() is not None)
            yield document

    streamed = verify_many(stream(), chain=reader)

    assert [r.verdict for r in streamed] == [Verdict.VALID] * 4
    assert [r.to_json() for r in streamed] == [r.to_json() for r in expected]
    assert parsed == []
    assert first_alive_when_last_taken == [False]


class _Watchable(dict[str, Any]):
    """A parsed document that a weak reference can watch (a plain dict cannot be one's)."""
