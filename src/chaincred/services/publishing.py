"""From a request to a published document: validation by the domain, the document built
with fresh salts, and its public part and badge put into the metadata store.

Shared by issuance and supersession. Only public bytes are ever put into the store: the
ERC-721 metadata (the public part's canonical bytes, whose CID is the token URI) and the
badge image; never the claims (DESIGN.md invariant 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from eth_utils.address import is_hex_address, to_checksum_address
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chaincred.domain import (
    Achievement,
    CredentialDocument,
    Institution,
    InvalidCredential,
    Problem,
    badge_of,
    cid_of_bytes,
    digest_from_token_id,
    erc721_metadata,
    issue_document,
    token_uri_of,
)
from chaincred.domain.errors import PathPart
from chaincred.domain.types import Digest
from chaincred.errors import PinningError
from chaincred.ports import MetadataStore

__all__ = [
    "BurnAuthName",
    "IssueRequest",
    "IssuingChain",
    "build_document",
    "institution_of",
    "pin_public_parts",
    "token_id_hex",
    "token_uri",
]

#: Concurrent puts into the metadata store.
_PUT_THREADS = 8

BurnAuthName = Literal["owner_only", "issuer_only", "both", "neither"]


class IssueRequest(BaseModel):
    """One credential to issue."""

    model_config = ConfigDict(extra="forbid")
    achievement_id: str = Field(description="one of the institution's achievements")
    recipient: str = Field(description="the learner's wallet address (0x…)")
    claims: dict[str, Any] = Field(
        default_factory=dict, description="personal claims: name, student_id, grade, …"
    )
    valid_until: AwareDatetime | None = Field(
        None, description="end of validity (default: the achievement's validity period)"
    )
    burn_auth: BurnAuthName = Field("owner_only", description="who may burn the token")


@dataclass(frozen=True)
class IssuingChain:
    """Where the credentials are anchored (the document's ``anchor``)."""

    chain_id: int
    contract: str


def institution_of(institution_id: int, name: str, country: str | None) -> Institution:
    """The domain's institution (absent fields are left out, never null)."""
    fields = {"id": institution_id, "name": name, "country": country}
    return Institution.model_validate({k: v for k, v in fields.items() if v is not None})


def build_document(
    achievement: Achievement,
    *,
    recipient: str,
    claims: Mapping[str, object],
    valid_until: datetime | None,
    institution: Institution,
    issued_at: datetime,
    chain: IssuingChain,
    path: tuple[PathPart, ...] = (),
    supersedes: Digest | None = None,
) -> CredentialDocument:
    """The document of one credential; problems carry ``path`` as their prefix."""
    try:
        return issue_document(
            achievement,
            institution=institution,
            recipient=_recipient(recipient),
            claims=claims,
            issued_at=issued_at,
            chain_id=chain.chain_id,
            contract=chain.contract,
            valid_until=valid_until,
            supersedes=supersedes,
        )
    except InvalidCredential as exc:
        raise InvalidCredential(
            [Problem((*path, *p.path), p.message) for p in exc.problems]
        ) from None


def pin_public_parts(documents: Sequence[CredentialDocument], *, store: MetadataStore) -> None:
    """Put each document's public part (its ERC-721 metadata) and badge into the store; each
    returned CID is checked against the one computed here.

    Puts run on a few threads: a store's put is I/O (a file written and synced, an HTTP
    call), and a batch has thousands."""
    blocks: dict[str, bytes] = {}
    for document in documents:
        metadata = erc721_metadata(document)
        blocks[cid_of_bytes(metadata)] = metadata
        if document.public.image.removeprefix("ipfs://") not in blocks:
            badge = badge_of(document)  # shared by every credential of one achievement
            blocks[cid_of_bytes(badge)] = badge
    if len(blocks) <= 2:
        results = [_put(store, cid, data) for cid, data in blocks.items()]
    else:
        with ThreadPoolExecutor(max_workers=_PUT_THREADS) as pool:
            results = list(pool.map(lambda item: _put(store, *item), blocks.items()))
    for problem in results:
        if problem is not None:
            raise PinningError(problem)


def _put(store: MetadataStore, expected: str, data: bytes) -> str | None:
    got = store.put(data)
    return None if got == expected else f"the metadata store returned CID {got}, not {expected}"


def token_id_hex(document: CredentialDocument) -> str:
    """``0x`` + 64 hex digits (the anchor holds the same number in decimal)."""
    return f"0x{int(document.anchor.token_id):064x}"


def token_uri(document: CredentialDocument) -> str:
    """``ipfs://<cid>``, what the contract's ``tokenURI`` answers for the document's token."""
    return token_uri_of(digest_from_token_id(int(document.anchor.token_id)))


def _recipient(address: str) -> str:
    """A single-case address has no checksum to check: accept it in its checksummed form. A
    mixed-case one must carry a valid EIP-55 checksum (the domain says so otherwise)."""
    body = address[2:] if address[:2] in ("0x", "0X") else ""
    if is_hex_address(address) and (body == body.lower() or body == body.upper()):
        return str(to_checksum_address(address))
    return address
