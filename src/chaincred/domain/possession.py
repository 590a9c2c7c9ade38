"""Holder possession: the holder signs an EIP-4361 (Sign-In with Ethereum) message with the
wallet that owns the token; the verifier checks the signature recovers to the current owner
and that the nonce it issued is fresh and used once.

The message is built and parsed here; signature recovery is eth-account's EIP-191 recovery
(pure computation). Nonce freshness is state, so the caller passes what its nonce store says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature  # e.g. 65 zero bytes
from eth_utils.exceptions import ValidationError  # e.g. a signature of the wrong length

from chaincred.domain.verification import Check, epoch_of

__all__ = [
    "NonceState",
    "PossessionClaim",
    "check_possession",
    "parse_possession_message",
    "possession_message",
]

_STATEMENT = "I hold chaincred credential {token_id} and prove it by signing this message."
_PATTERN = re.compile(
    r"^(?P<domain>[^\s]+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n"
    r"I hold chaincred credential (?P<token_id>0x[0-9a-f]{64}) "
    r"and prove it by signing this message\.\n\n"
    r"URI: (?P<uri>[^\n]+)\n"
    r"Version: 1\n"
    r"Chain ID: (?P<chain_id>[0-9]+)\n"
    r"Nonce: (?P<nonce>[A-Za-z0-9]{8,})\n"
    r"Issued At: (?P<issued_at>[0-9T:\-]+Z)\n"
    r"Expiration Time: (?P<expires_at>[0-9T:\-]+Z)$"
)


class NonceState(StrEnum):
    """What the verifier's nonce store knows of a nonce."""

    FRESH = "fresh"
    USED = "used"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


@dataclass(frozen=True)
class PossessionClaim:
    domain: str
    address: str
    token_id: int
    uri: str
    chain_id: int
    nonce: str
    issued_at: str
    expires_at: str


def possession_message(claim: PossessionClaim) -> str:
    """The EIP-4361 text the holder's wallet signs (``personal_sign``)."""
    statement = _STATEMENT.format(token_id=f"0x{claim.token_id:064x}")
    return (
        f"{claim.domain} wants you to sign in with your Ethereum account:\n{claim.address}\n\n"
        f"{statement}\n\nURI: {claim.uri}\nVersion: 1\nChain ID: {claim.chain_id}\n"
        f"Nonce: {claim.nonce}\nIssued At: {claim.issued_at}\nExpiration Time: {claim.expires_at}"
    )


def parse_possession_message(text: str) -> PossessionClaim | None:
    match = _PATTERN.match(text)
    if match is None:
        return None
    fields = match.groupdict()
    return PossessionClaim(
        domain=fields["domain"],
        address=fields["address"],
        token_id=int(fields["token_id"], 16),
        uri=fields["uri"],
        chain_id=int(fields["chain_id"]),
        nonce=fields["nonce"],
        issued_at=fields["issued_at"],
        expires_at=fields["expires_at"],
    )


def check_possession(
    *,
    message: str,
    signature: str,
    token_id: int,
    owner: str,
    chain_id: int,
    nonce_state: NonceState,
    now: int,
) -> Check:
    """The signature over ``message`` recovers to ``owner``, for this token and chain, in time."""
    claim = parse_possession_message(message)
    if claim is None:
        return Check.failed(
            "possession", "possession.malformed", "not a chaincred EIP-4361 message"
        )
    if claim.token_id != token_id or claim.chain_id != chain_id:
        return Check.failed(
            "possession", "possession.foreign", "the message is for another credential or chain"
        )
    if nonce_state is not NonceState.FRESH:
        return Check.failed(
            "possession",
            f"possession.nonce_{nonce_state.value}",
            f"the nonce is {nonce_state.value}",
        )
    if now > epoch_of(claim.expires_at):
        return Check.failed(
            "possession", "possession.expired", f"the message expired at {claim.expires_at}"
        )
    try:
        signer = Account.recover_message(encode_defunct(text=message), signature=signature)
    except (ValueError, TypeError, BadSignature, ValidationError) as exc:
        return Check.failed(
            "possession", "possession.bad_signature", f"unreadable signature ({exc})"
        )
    if signer != owner or claim.address != owner:
        return Check.failed(
            "possession",
            "possession.not_owner",
            f"signed by {signer}, but the token is held by {owner}",
            signer=signer,
        )
    return Check.passed("possession", f"the holder {owner} signed the challenge", signer=signer)
