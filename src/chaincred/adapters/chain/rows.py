"""ABI rows of the registry's views, turned into the domain's records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_utils.address import to_checksum_address

from chaincred.domain.onchain import BurnAuth, CredentialRecord, InstitutionRecord, Reason, Status

__all__ = ["CREDENTIAL_TUPLE", "INSTITUTION_TUPLE", "credential_from_row", "institution_from_row"]

#: ABI types of ``IChainCredTypes.Credential`` and ``Institution``, in declaration order.
CREDENTIAL_TUPLE = "(address,uint24,uint32,uint32,uint8,uint8,uint8,uint256)"
INSTITUTION_TUPLE = "(bool,bool,uint64,uint32,uint32,uint32,bytes32)"


def credential_from_row(token_id: int, row: Sequence[Any]) -> CredentialRecord:
    owner, institution_id, issued_at, changed_at, status, reason, burn_auth, successor = row
    return CredentialRecord(
        token_id=token_id,
        owner=str(to_checksum_address(owner)),
        institution_id=int(institution_id),
        issued_at=int(issued_at),
        status_changed_at=int(changed_at),
        status=Status(status),
        reason=Reason(reason),
        burn_auth=BurnAuth(burn_auth),
        superseded_by=int(successor),
    )


def institution_from_row(institution_id: int, row: Sequence[Any]) -> InstitutionRecord:
    active, accredited, qa_body, registered, deactivated, valid_until, metadata = row
    return InstitutionRecord(
        institution_id=institution_id,
        active=bool(active),
        accredited=bool(accredited),
        quality_assurance_body=int(qa_body),
        registered_at=int(registered),
        deactivated_at=int(deactivated),
        accreditation_valid_until=int(valid_until),
        metadata_digest=bytes(metadata),
    )
