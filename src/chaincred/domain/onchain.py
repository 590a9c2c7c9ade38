"""What the chain records about credentials and institutions, as plain values.

Mirrors the Solidity types of ``contracts/interfaces/IChainCredTypes.sol`` and ``IERC5484``;
the numeric values are the ABI encoding and must not be reordered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["BurnAuth", "CredentialRecord", "InstitutionRecord", "Reason", "Status"]


class Status(IntEnum):
    """Lifecycle of a credential token; ``NONE`` means never issued."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3
    SUPERSEDED = 4
    BURNED = 5


class Reason(IntEnum):
    """Why a status changed; a small enum so that no free text reaches the chain."""

    NONE = 0
    ISSUED_IN_ERROR = 1
    ACADEMIC_MISCONDUCT = 2
    REQUESTED_BY_HOLDER = 3
    ACCREDITATION_WITHDRAWN = 4
    SUPERSEDED = 5
    OTHER = 6


class BurnAuth(IntEnum):
    """ERC-5484 burn authority, fixed at issuance."""

    ISSUER_ONLY = 0
    OWNER_ONLY = 1
    BOTH = 2
    NEITHER = 3


@dataclass(frozen=True)
class CredentialRecord:
    """The contract's ``credential(tokenId)`` view. Times are block timestamps (seconds)."""

    token_id: int
    owner: str
    institution_id: int
    issued_at: int
    status_changed_at: int
    status: Status
    reason: Reason
    burn_auth: BurnAuth
    superseded_by: int

    @property
    def issued(self) -> bool:
        return self.status is not Status.NONE


@dataclass(frozen=True)
class InstitutionRecord:
    """The contract's ``institution(id)`` view; ``registered`` is false for unknown ids."""

    institution_id: int
    active: bool
    accredited: bool
    quality_assurance_body: int
    registered_at: int
    deactivated_at: int
    accreditation_valid_until: int
    metadata_digest: bytes

    @property
    def registered(self) -> bool:
        return self.registered_at != 0
