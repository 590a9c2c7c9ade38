"""An RPC that is paused, rate-limits, fails, answers HTML or malformed JSON-RPC or garbage
call data: the verdict is indeterminate with ``chain.unavailable`` and the cause, never
invalid, revoked or not-issued."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account

from chaincred.adapters.chain import RegistryClient, RevertDecoder, Transactor, connect
from chaincred.adapters.chain.reader import RpcReader
from chaincred.adapters.chain.registry import deploy_registry
from chaincred.domain import CredentialDocument
from chaincred.domain.onchain import Reason
from chaincred.services.verify import verify, verify_many
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact
from tests.contracts.conftest import Registry
from tests.verifier import support
from tests.verifier.faultproxy import FaultProxy
from tests.verifier.support import Issue, as_json, make_document, mint, outcomes

pytestmark = pytest.mark.chain

UNAVAILABLE = ("indeterminate", "chain.unavailable")

#: fault → the cause the report gives (after "the chain could not be read: ").
FAULT_CAUSES = {
    "http_429": "HTTP 429",
    "http_502": "HTTP 502",
    "http_500_jsonrpc": "HTTP 500",
    "html": "the answer is not JSON",
    "not_json": "the answer is not JSON",
    "empty": "the answer is not JSON",
    "not_batch": "the answer is not a JSON-RPC batch of the right size",
    "short_batch": "the answer is not a JSON-RPC batch of the right size",
    "wrong_ids": "no answer to request 0 in the batch",
    "list_ids": "no answer to request 0 in the batch",
    "missing_result": "a JSON-RPC answer with neither result nor error",
    "rpc_error": "JSON-RPC error: {'code': -32005, 'message': 'limit exceeded'}",
    "null_results": "malformed chain id (None)",
    "garbage_chain_id": "malformed chain id ('0xnot-a-number')",
}


@pytest.fixture
def revoked(registry: Registry, issue: Issue) -> CredentialDocument:
    """A credential the chain says is revoked: a broken RPC must not say so, nor the opposite."""
    return support.revoked(registry, issue, Reason.ACADEMIC_MISCONDUCT)


def through(proxy: FaultProxy, contract: str, presented: Any, **kwargs: Any) -> dict[str, Any]:
    chain = RpcReader(proxy.url, contract, timeout=kwargs.pop("timeout", 5.0))
    try:
        return verify(presented, chain=chain, **kwargs).to_json()
    finally:
        chain.close()


def assert_unavailable(report: dict[str, Any], cause: str) -> None:
    assert report["verdict"] == "indeterminate"
    assert report["block"] is None and report["chain_id"] is None
    checks = outcomes(report)
    for name in ("onchain", "status", "issuer"):
        assert checks[name] == UNAVAILABLE, name
    onchain = next(c for c in report["checks"] if c["name"] == "onchain")
    assert onchain["message"] == f"the chain could not be read: {cause}"
    if "validity" in checks:
        assert checks["validity"] == UNAVAILABLE
    assert not any(outcome == "fail" for outcome, _ in checks.values())


def test_the_proxy_passes_a_healthy_chain_through(
    proxy: FaultProxy, contract: str, revoked: CredentialDocument
) -> None:
    report = through(proxy, contract, as_json(revoked))
    assert report["verdict"] == "invalid"
    assert outcomes(report)["status"] == ("fail", "status.revoked")


@pytest.mark.parametrize("fault", sorted(FAULT_CAUSES))
def test_a_broken_rpc_never_makes_a_revoked_credential_invalid(
    proxy: FaultProxy, contract: str, revoked: CredentialDocument, fault: str
) -> None:
    with proxy.breaking(fault):
        report = through(proxy, contract, as_json(revoked))

    assert_unavailable(report, FAULT_CAUSES[fault])
    assert outcomes(report)["format"] == ("pass", None)
    assert outcomes(report)["integrity"] == ("pass", None)


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        ("garbage_call", "undecodable answer"),
        ("short_call", "undecodable answer"),
        ("null_results", "not ABI data: 'None'"),
        ("http_502", "HTTP 502"),
        ("rpc_error", "JSON-RPC error: {'code': -32005, 'message': 'limit exceeded'}"),
    ],
)
def test_a_read_broken_midway_at_the_registry_calls(
    proxy: FaultProxy,
    contract: str,
    registry: Registry,
    issue: Issue,
    revoked: CredentialDocument,
    fault: str,
    cause: str,
) -> None:
    """The head and code reads succeed; the batch view answers garbage."""
    valid = issue()
    mint(registry, valid)
    chain = RpcReader(proxy.url, contract)
    try:
        with proxy.breaking(fault, only="eth_call"):
            reports = verify_many([as_json(valid), as_json(revoked)], chain=chain)
    finally:
        chain.close()

    for report in reports:
        assert_unavailable_prefix(report.to_json(), cause)
    assert any("eth_call" in methods for methods in proxy.methods_seen)


def assert_unavailable_prefix(report: dict[str, Any], cause: str) -> None:
    assert report["verdict"] == "indeterminate"
    checks = outcomes(report)
    assert [checks[n] for n in ("onchain", "status", "issuer", "validity")] == [UNAVAILABLE] * 4
    onchain = report["checks"][2]
    assert onchain["message"].startswith(f"the chain could not be read: {cause}")


def test_a_token_id_through_a_broken_rpc(
    proxy: FaultProxy, contract: str, revoked: CredentialDocument
) -> None:
    with proxy.breaking("http_429"):
        report = through(proxy, contract, int(revoked.token_id()))

    assert_unavailable(report, "HTTP 429")
    assert [c["name"] for c in report["checks"]] == ["onchain", "status", "issuer"]


def test_no_code_answer_is_indeterminate_not_invalid(
    proxy: FaultProxy, contract: str, revoked: CredentialDocument
) -> None:
    with proxy.breaking("null_results", only="eth_getCode"):
        report = through(proxy, contract, as_json(revoked))

    assert report["verdict"] == "indeterminate"
    assert outcomes(report)["onchain"] == ("indeterminate", "onchain.no_contract")


def test_an_rpc_that_hangs_times_out_as_unavailable(
    proxy: FaultProxy, contract: str, revoked: CredentialDocument
) -> None:
    proxy.hang_seconds = 1.0
    with proxy.breaking("hang"):
        report = through(proxy, contract, as_json(revoked), timeout=0.3)

    assert_unavailable(report, "ReadTimeout: timed out")


def test_a_closed_port_is_unavailable(contract: str, revoked: CredentialDocument) -> None:
    from chaincred.toolchain.anvil import free_port

    chain = RpcReader(f"http://127.0.0.1:{free_port()}", contract, timeout=1.0)
    try:
        report = verify(as_json(revoked), chain=chain).to_json()
    finally:
        chain.close()

    assert report["verdict"] == "indeterminate"
    assert report["checks"][2]["message"].startswith("the chain could not be read: ConnectError")


@dataclass
class OwnChain:
    """A dedicated Anvil (so that the session chain is never paused) with one credential."""

    anvil: AnvilProcess
    contract: str
    document: CredentialDocument


@pytest.fixture(scope="module")
def own_chain() -> Iterator[OwnChain]:
    with AnvilProcess() as anvil:
        w3 = connect(anvil.rpc_url)
        decoder = RevertDecoder(load_artifact().contract("ChainCred").abi)
        registrar = Transactor(w3, Account.from_key(DEV_ACCOUNTS[0]), decoder)
        issuer = Transactor(w3, Account.from_key(DEV_ACCOUNTS[1]), decoder)
        deployment = deploy_registry(registrar)
        client = RegistryClient(w3, deployment.address)
        client.register_institution(registrar, b"\x01" * 32, [issuer.address])
        document = make_document(
            contract=deployment.address, recipient=Account.from_key(DEV_ACCOUNTS[3]).address
        )
        client.mint(issuer, document.public.recipient, int(document.token_id()))
        yield OwnChain(anvil, deployment.address, document)


def test_a_paused_node_is_indeterminate_and_recovers(own_chain: OwnChain) -> None:
    chain = RpcReader(own_chain.anvil.rpc_url, own_chain.contract, timeout=0.5)
    presented = as_json(own_chain.document)
    try:
        assert verify(presented, chain=chain).verdict.value == "valid"
        os.killpg(own_chain.anvil.pid, signal.SIGSTOP)
        try:
            paused = verify(presented, chain=chain).to_json()
        finally:
            os.killpg(own_chain.anvil.pid, signal.SIGCONT)
        resumed = verify(presented, chain=chain).to_json()
    finally:
        chain.close()

    assert_unavailable(paused, "ReadTimeout: timed out")
    assert resumed["verdict"] == "valid"
