"""What a holder's page shows: the credentials one wallet address holds, with public facts only.

Each credential is its public part (from the metadata store, checked against its token id)
and its on-chain record (one batched read of the registry for the whole list). The personal
documents the issuer's repository keeps are never read here: the page is public, and so is
anything it shows (DESIGN.md invariant 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import is_checksum_address, is_hex_address, to_checksum_address

from chaincred.domain import (
    Anchor,
    CredentialDocument,
    InvalidCredential,
    PublicPart,
    cid_of,
    digest_from_token_id,
    open_badge_credential,
    parse_json,
)
from chaincred.domain.digest import sha256_digest
from chaincred.domain.onchain import BurnAuth, CredentialRecord, Status
from chaincred.domain.validation import validate_model
from chaincred.domain.verification import JudgedBlock
from chaincred.errors import ChainUnavailable, ContentNotFound, PinningError
from chaincred.ports import IssuerRepository, MetadataStore, RegistryReader
from chaincred.services.errors import NotFound
from chaincred.services.publishing import IssuingChain

__all__ = [
    "LIST_LIMIT",
    "Holding",
    "Holdings",
    "holder_address",
    "holdings",
    "known_public_part",
    "public_open_badge",
    "public_part_of",
]

#: A holder's page lists at most this many credentials (the newest).
LIST_LIMIT = 200

_HOLDER_BURNS = (BurnAuth.OWNER_ONLY, BurnAuth.BOTH)


@dataclass(frozen=True)
class Holding:
    """One credential of the list. ``public`` is None when the metadata store cannot give its
    metadata (``metadata_problem`` says why); ``record`` is None when the chain could not be
    read."""

    token_id: str
    state: str
    failure: str | None
    public: PublicPart | None
    record: CredentialRecord | None
    metadata_problem: str | None = None

    @property
    def on_chain(self) -> bool:
        return self.record is not None and self.record.issued

    def holder_may_burn(self, holder: str) -> bool:
        """Whether ``holder`` may burn the token now: it owns it on chain, it is not burned,
        and its burn authority (ERC-5484, fixed at issue) lets the owner burn."""
        record = self.record
        return (
            record is not None
            and record.status not in (Status.NONE, Status.BURNED)
            and record.burn_auth in _HOLDER_BURNS
            and record.owner.lower() == holder.lower()
        )


@dataclass(frozen=True)
class Holdings:
    """The credentials of ``address``, newest first; ``more`` when the list was cut at its
    limit. ``block`` is the block the records were read at; ``chain_problem`` says why there
    are no records when the chain could not be read."""

    address: str
    items: tuple[Holding, ...]
    more: bool
    block: JudgedBlock | None
    chain_problem: str | None


def holder_address(text: str) -> str:
    """The checksummed form of a wallet address typed by a person. All-lower-case (or
    all-upper-case) hex is accepted as is; mixed case must carry a valid EIP-55 checksum,
    because a wrong one means a mistyped address."""
    value = text.strip()
    if not value:
        raise InvalidCredential.at(("address",), "is required: enter a wallet address (0x…)")
    if not is_hex_address(value):
        raise InvalidCredential.at(
            ("address",),
            f"{value[:60]!r} is not an Ethereum address: 0x followed by 40 hex digits",
        )
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        raise InvalidCredential.at(
            ("address",),
            "has mixed case but a wrong EIP-55 checksum: check it for a typing mistake, or "
            "enter it in lower case",
        )
    return str(to_checksum_address(value))


def holdings(
    address: str,
    *,
    repo: IssuerRepository,
    store: MetadataStore,
    chain: RegistryReader,
    limit: int = LIST_LIMIT,
) -> Holdings:
    """The credentials issued to ``address`` (checksummed) by any institution of this service."""
    with repo.begin() as tx:
        entries = tx.credentials_held_by(address, limit=limit + 1)
    entries, more = entries[:limit], len(entries) > limit
    token_ids = [int(e.token_id, 16) for e in entries]
    block, records, problem = _records(token_ids, chain)
    items = []
    for entry, token_id in zip(entries, token_ids, strict=True):
        public, metadata_problem = _public_or_problem(token_id, store)
        items.append(
            Holding(
                token_id=entry.token_id,
                state=entry.state,
                failure=entry.failure,
                public=public,
                record=records.get(token_id),
                metadata_problem=metadata_problem,
            )
        )
    return Holdings(address, tuple(items), more, block, problem)


def public_part_of(token_id: int, *, store: MetadataStore) -> PublicPart:
    """The public part the metadata store holds for ``token_id``. ``ContentNotFound`` if the
    store lacks it; ``PinningError`` if what it holds is not that token's public part."""
    digest = digest_from_token_id(token_id)
    data = store.get(cid_of(digest))
    if sha256_digest(data) != digest:
        raise PinningError(f"the metadata store answered other content for token {token_id:#x}")
    try:
        return validate_model(PublicPart, parse_json(data))
    except (InvalidCredential, ValueError) as exc:
        raise PinningError(
            f"the metadata of token {token_id:#x} is not a chaincred public part: {exc}"
        ) from None


def public_open_badge(
    token_id: int, *, store: MetadataStore, chain: RegistryReader, issuing: IssuingChain
) -> dict[str, Any]:
    """The Open Badges 3.0 ``OpenBadgeCredential`` of a token, from its public part alone.

    The export needs no personal claim: without the learner's document it names the recipient
    by wallet address (``did:pkh``) and leaves out what only the claims give (the learner's
    name and student id as identifiers, the grade as the result's value, the completion date).
    The learner's own document, exported with ``chaincred export --format ob3``, has them.
    """
    public = known_public_part(token_id, store=store, chain=chain)
    anchor = Anchor(chain_id=issuing.chain_id, contract=issuing.contract, token_id=str(token_id))
    document = CredentialDocument(public=public, claims={}, anchor=anchor)
    return open_badge_credential(document)


def known_public_part(token_id: int, *, store: MetadataStore, chain: RegistryReader) -> PublicPart:
    """:func:`public_part_of`, or a :class:`NotFound` that says whether the token exists at
    all (on the chain) when the store lacks its metadata."""
    try:
        return public_part_of(token_id, store=store)
    except ContentNotFound:
        pass
    try:
        _, head = chain.chain_head()
        (record,) = chain.credentials([token_id], head)
    except ChainUnavailable:
        raise NotFound("metadata in this service's store for token", f"{token_id:#066x}") from None
    if not record.issued:
        raise NotFound("credential with token id", f"{token_id:#066x} on this registry") from None
    raise NotFound(
        "metadata in this service's store for token",
        f"{token_id:#066x} (the token exists on chain, but it was not issued through this "
        "service, so its public part is not here)",
    )


def _records(
    token_ids: Sequence[int], chain: RegistryReader
) -> tuple[JudgedBlock | None, dict[int, CredentialRecord], str | None]:
    if not token_ids:
        return None, {}, None
    try:
        _, head = chain.chain_head()
        records = chain.credentials(token_ids, head)
    except ChainUnavailable as exc:
        return None, {}, str(exc)
    return head, {r.token_id: r for r in records}, None


def _public_or_problem(token_id: int, store: MetadataStore) -> tuple[PublicPart | None, str | None]:
    try:
        return public_part_of(token_id, store=store), None
    except ContentNotFound:
        return None, "its metadata is not in this service's store"
    except PinningError as exc:
        return None, str(exc)
