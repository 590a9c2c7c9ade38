"""Holder possession against the real chain: the owner signs an EIP-4361 challenge with its
wallet; a replay, another signer, another token's message or an expired challenge fail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from chaincred.adapters.chain.reader import RpcReader
from chaincred.adapters.memory import MemoryNonceStore
from chaincred.domain import CredentialDocument
from chaincred.domain.possession import PossessionClaim, possession_message
from chaincred.errors import ConfigurationError
from chaincred.services.verify import PossessionProof, verify
from tests.conftest import Roles
from tests.contracts.conftest import Registry
from tests.verifier import support
from tests.verifier.support import Issue, as_json, latest_block, mint

pytestmark = pytest.mark.chain


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def nonces(clock: Clock) -> MemoryNonceStore:
    return MemoryNonceStore(ttl=300, clock=clock)


@pytest.fixture
def minted(registry: Registry, issue: Issue) -> CredentialDocument:
    return support.minted(registry, issue)


Sign = Callable[..., PossessionProof]


@pytest.fixture
def sign(registry: Registry, nonces: MemoryNonceStore, roles: Roles) -> Sign:
    """``sign(document, signer=learner, **claim changes)``: a proof over a fresh challenge."""

    def build(
        document: CredentialDocument, signer: LocalAccount | None = None, **changes: Any
    ) -> PossessionProof:
        now = datetime.fromtimestamp(latest_block(registry.w3)["timestamp"], UTC)
        fields: dict[str, Any] = {
            "domain": "verifier.example",
            "address": roles.learner.address,
            "token_id": int(document.token_id()),
            "uri": "https://verifier.example",
            "chain_id": 31337,
            "nonce": nonces.issue(),
            "issued_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "expires_at": (now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        message = possession_message(PossessionClaim(**(fields | changes)))
        signed = (signer or roles.learner).sign_message(encode_defunct(text=message))
        return PossessionProof(message, "0x" + bytes(signed.signature).hex())

    return build


def possession_of(reader: RpcReader, document: Any, proof: PossessionProof, nonces: Any) -> Any:
    report = verify(document, chain=reader, possession=proof, nonces=nonces)
    check = report.checks[-1]
    assert check.name == "possession"
    return report, check


def test_the_owner_signing_a_fresh_challenge_passes(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any, roles: Roles
) -> None:
    report, check = possession_of(reader, as_json(minted), sign(minted), nonces)

    assert (check.outcome.value, check.code) == ("pass", None)
    assert check.evidence == {"signer": roles.learner.address}
    assert report.verdict.value == "valid"


def test_a_replayed_signature_fails_its_used_nonce(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any
) -> None:
    proof = sign(minted)
    possession_of(reader, as_json(minted), proof, nonces)

    report, check = possession_of(reader, as_json(minted), proof, nonces)

    assert (check.outcome.value, check.code) == ("fail", "possession.nonce_used")
    assert check.message == "the nonce is used"
    assert report.verdict.value == "invalid"


def test_another_wallet_signing_fails_not_owner(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any, roles: Roles
) -> None:
    _, check = possession_of(reader, as_json(minted), sign(minted, roles.stranger), nonces)

    assert (check.outcome.value, check.code) == ("fail", "possession.not_owner")
    assert check.evidence == {"signer": roles.stranger.address}
    assert check.message == (
        f"signed by {roles.stranger.address}, but the token is held by {roles.learner.address}"
    )


def test_a_stranger_claiming_in_its_own_name_fails_not_owner(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any, roles: Roles
) -> None:
    proof = sign(minted, roles.stranger, address=roles.stranger.address)

    _, check = possession_of(reader, int(minted.token_id()), proof, nonces)

    assert check.code == "possession.not_owner"


def test_a_message_for_another_token_is_foreign(
    reader: RpcReader,
    registry: Registry,
    issue: Issue,
    minted: CredentialDocument,
    sign: Sign,
    nonces: Any,
) -> None:
    other = issue()
    mint(registry, other)
    proof = sign(other)  # the learner's genuine signature, but over the other credential

    _, check = possession_of(reader, as_json(minted), proof, nonces)

    assert (check.code, check.message) == (
        "possession.foreign",
        "the message is for another credential or chain",
    )


def test_a_message_for_another_chain_is_foreign(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any
) -> None:
    _, check = possession_of(reader, as_json(minted), sign(minted, chain_id=1), nonces)

    assert check.code == "possession.foreign"


def test_an_expired_nonce_fails(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any, clock: Clock
) -> None:
    proof = sign(minted)
    clock.now += 301

    _, check = possession_of(reader, as_json(minted), proof, nonces)

    assert (check.code, check.message) == ("possession.nonce_expired", "the nonce is expired")


def test_a_message_past_its_expiration_time_by_block_time_fails(
    reader: RpcReader, registry: Registry, minted: CredentialDocument, sign: Sign, nonces: Any
) -> None:
    proof = sign(minted)
    registry.w3.provider.make_request("evm_increaseTime", [600])  # type: ignore[arg-type]
    registry.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    _, check = possession_of(reader, as_json(minted), proof, nonces)

    assert check.code == "possession.expired"
    assert check.message.startswith("the message expired at ")


def test_a_nonce_this_verifier_never_issued_fails(
    reader: RpcReader, minted: CredentialDocument, sign: Sign
) -> None:
    proof = sign(minted)  # nonce issued by the fixture's store, presented to another
    other_store = MemoryNonceStore()

    _, check = possession_of(reader, as_json(minted), proof, other_store)

    assert check.code == "possession.nonce_unknown"


def test_a_garbled_signature_or_message(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any
) -> None:
    proof = sign(minted)
    garbled = PossessionProof(proof.message, "0x" + "00" * 65)
    _, check = possession_of(reader, as_json(minted), garbled, nonces)
    assert check.code == "possession.bad_signature"
    assert check.message.startswith("unreadable signature (")

    _, check = possession_of(
        reader, as_json(minted), PossessionProof("hello", proof.signature), nonces
    )
    assert (check.code, check.message) == (
        "possession.malformed",
        "not a chaincred EIP-4361 message",
    )


def test_possession_of_a_token_that_was_never_issued_is_not_checked(
    reader: RpcReader, issue: Issue, sign: Sign, nonces: Any
) -> None:
    document = issue()

    report, check = possession_of(reader, as_json(document), sign(document), nonces)

    assert (check.outcome.value, check.code) == ("indeterminate", "not_checked")
    assert report.verdict.value == "invalid"  # onchain.not_issued decides
    assert report.check("onchain").code == "onchain.not_issued"


def test_a_proof_needs_a_nonce_store(
    reader: RpcReader, minted: CredentialDocument, sign: Sign
) -> None:
    with pytest.raises(ConfigurationError, match="a possession proof needs a nonce store"):
        verify(as_json(minted), chain=reader, possession=sign(minted))


def test_an_unrelated_key_is_never_the_owner(
    reader: RpcReader, minted: CredentialDocument, sign: Sign, nonces: Any
) -> None:
    fresh = Account.create()
    _, check = possession_of(
        reader, as_json(minted), sign(minted, fresh, address=fresh.address), nonces
    )
    assert check.code == "possession.not_owner"
