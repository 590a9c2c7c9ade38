"""The EIP-4361 possession message and check_possession, pure: signatures by real keys, the
nonce state and "now" given as facts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from chaincred.domain.possession import (
    NonceState,
    PossessionClaim,
    check_possession,
    parse_possession_message,
    possession_message,
)
from chaincred.domain.verification import Outcome, epoch_of
from chaincred.toolchain.anvil import DEV_ACCOUNTS

from .facts import TOKEN

HOLDER: LocalAccount = Account.from_key(DEV_ACCOUNTS[3])
STRANGER: LocalAccount = Account.from_key(DEV_ACCOUNTS[4])

CLAIM = PossessionClaim(
    domain="verifier.example:8443",
    address=HOLDER.address,
    token_id=TOKEN,
    uri="https://verifier.example:8443/v1",
    chain_id=31337,
    nonce="a1b2c3d4e5f60718",
    issued_at="2025-07-01T10:00:00Z",
    expires_at="2025-07-01T10:05:00Z",
)
NOW = epoch_of("2025-07-01T10:01:00Z")

EXPECTED_TEXT = (
    "verifier.example:8443 wants you to sign in with your Ethereum account:\n"
    f"{HOLDER.address}\n\n"
    f"I hold chaincred credential 0x{TOKEN:064x} and prove it by signing this message.\n\n"
    "URI: https://verifier.example:8443/v1\n"
    "Version: 1\n"
    "Chain ID: 31337\n"
    "Nonce: a1b2c3d4e5f60718\n"
    "Issued At: 2025-07-01T10:00:00Z\n"
    "Expiration Time: 2025-07-01T10:05:00Z"
)


def signature(message: str, signer: LocalAccount = HOLDER) -> str:
    return "0x" + bytes(signer.sign_message(encode_defunct(text=message)).signature).hex()


def check(message: str | None = None, **changes: Any) -> Any:
    text = possession_message(CLAIM) if message is None else message
    arguments: dict[str, Any] = {
        "message": text,
        "signature": signature(text),
        "token_id": TOKEN,
        "owner": HOLDER.address,
        "chain_id": 31337,
        "nonce_state": NonceState.FRESH,
        "now": NOW,
    }
    return check_possession(**(arguments | changes))


def test_the_message_is_eip_4361_text() -> None:
    assert possession_message(CLAIM) == EXPECTED_TEXT


def test_the_message_parses_back_to_its_claim() -> None:
    assert parse_possession_message(EXPECTED_TEXT) == CLAIM


@pytest.mark.parametrize(
    "text",
    [
        EXPECTED_TEXT.replace("Version: 1", "Version: 2"),
        EXPECTED_TEXT.replace("Nonce: a1b2c3d4e5f60718", "Nonce: a1b2"),
        EXPECTED_TEXT + "\nResources: - https://x",
        EXPECTED_TEXT.replace(f"0x{TOKEN:064x}", f"0x{TOKEN:064X}"),
        EXPECTED_TEXT.replace("\nURI: https://verifier.example:8443/v1", ""),
        "",
    ],
    ids=["version", "short-nonce", "trailing", "upper-hex-token", "no-uri", "empty"],
)
def test_anything_else_does_not_parse(text: str) -> None:
    assert parse_possession_message(text) is None


def test_the_holder_signing_in_time_passes() -> None:
    result = check()

    assert (result.outcome, result.code) == (Outcome.PASS, None)
    assert result.message == f"the holder {HOLDER.address} signed the challenge"
    assert result.evidence == {"signer": HOLDER.address}


def test_the_last_second_of_the_challenge_still_counts() -> None:
    assert check(now=epoch_of(CLAIM.expires_at)).outcome is Outcome.PASS


def test_past_the_expiration_time() -> None:
    result = check(now=epoch_of(CLAIM.expires_at) + 1)

    assert (result.outcome, result.code) == (Outcome.FAIL, "possession.expired")
    assert result.message == "the message expired at 2025-07-01T10:05:00Z"


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (NonceState.USED, "possession.nonce_used"),
        (NonceState.UNKNOWN, "possession.nonce_unknown"),
        (NonceState.EXPIRED, "possession.nonce_expired"),
    ],
)
def test_a_nonce_that_is_not_fresh(state: NonceState, code: str) -> None:
    result = check(nonce_state=state)

    assert (result.outcome, result.code) == (Outcome.FAIL, code)
    assert result.message == f"the nonce is {state.value}"


def test_a_message_for_another_token_or_chain_is_foreign() -> None:
    other_token = possession_message(replace(CLAIM, token_id=TOKEN + 1))
    other_chain = possession_message(replace(CLAIM, chain_id=1))

    for text in (other_token, other_chain):
        result = check(text)
        assert (result.outcome, result.code) == (Outcome.FAIL, "possession.foreign")
        assert result.message == "the message is for another credential or chain"


def test_signed_by_another_key() -> None:
    text = possession_message(CLAIM)

    result = check(text, signature=signature(text, STRANGER))

    assert (result.outcome, result.code) == (Outcome.FAIL, "possession.not_owner")
    assert result.evidence == {"signer": STRANGER.address}
    assert result.message == (
        f"signed by {STRANGER.address}, but the token is held by {HOLDER.address}"
    )


def test_the_owner_signing_a_message_that_names_another_address() -> None:
    """The message's address must be the owner too: the statement is what was signed."""
    text = possession_message(replace(CLAIM, address=STRANGER.address))

    result = check(text)

    assert (result.outcome, result.code) == (Outcome.FAIL, "possession.not_owner")


def test_a_token_that_changed_hands_is_not_proven_by_the_old_owner() -> None:
    result = check(owner=STRANGER.address)
    assert result.code == "possession.not_owner"


@pytest.mark.parametrize(
    "bad",
    ["0x" + "00" * 65, "0x" + "ff" * 65, "0x1234", "not hex"],
    ids=["zeros", "ones", "short", "text"],
)
def test_an_unreadable_signature_fails_it_does_not_crash(bad: str) -> None:
    """Regression: 65 zero bytes raised eth_keys' BadSignature and a short one eth_utils'
    ValidationError out of check_possession (a 500 from the API)."""
    result = check(signature=bad)

    assert (result.outcome, result.code) == (Outcome.FAIL, "possession.bad_signature")
    assert result.message.startswith("unreadable signature (")


def test_not_a_possession_message() -> None:
    result = check("hello")

    assert (result.outcome, result.code) == (Outcome.FAIL, "possession.malformed")
    assert result.message == "not a chaincred EIP-4361 message"
