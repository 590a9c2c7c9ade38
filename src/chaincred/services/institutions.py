"""Institutions: created by the administrator, shown publicly with their on-chain record."""

from __future__ import annotations

from dataclasses import dataclass

from chaincred.domain import Institution
from chaincred.domain.onchain import InstitutionRecord
from chaincred.domain.validation import validate_model
from chaincred.errors import ChainUnavailable
from chaincred.ports import RegistryReader
from chaincred.ports.issuer import (
    Clock,
    InstitutionEntry,
    IssuerRepository,
    StorageConflict,
)
from chaincred.services.errors import AlreadyExists, NotFound

__all__ = ["RegistryView", "create_institution", "get_institution", "registry_view"]


@dataclass(frozen=True)
class RegistryView:
    """An institution as this service knows it and as the chain records it.

    ``chain`` is None when the chain could not be read; ``chain_error`` then says why."""

    institution_id: int
    entry: InstitutionEntry | None
    chain: InstitutionRecord | None
    chain_error: str | None = None


def create_institution(
    institution_id: object, name: object, country: object, *, repo: IssuerRepository, clock: Clock
) -> InstitutionEntry:
    """Register an institution with this service; ``institution_id`` is its id in the
    on-chain registry (a uint24)."""
    raw = {"id": institution_id, "name": name, "country": country}
    valid = validate_model(Institution, {k: v for k, v in raw.items() if v is not None})
    entry = InstitutionEntry(
        id=valid.id, name=valid.name, country=valid.country, created_at=clock()
    )
    try:
        with repo.begin() as tx:
            if tx.institution(valid.id) is not None:
                raise AlreadyExists("institution", valid.id)
            tx.add_institution(entry)
    except StorageConflict:
        raise AlreadyExists("institution", valid.id) from None
    return entry


def get_institution(institution_id: int, *, repo: IssuerRepository) -> InstitutionEntry:
    with repo.begin() as tx:
        entry = tx.institution(institution_id)
    if entry is None:
        raise NotFound("institution", institution_id)
    return entry


def registry_view(
    institution_id: int, *, repo: IssuerRepository, chain: RegistryReader
) -> RegistryView:
    """The public view of an institution: 404 only if neither side knows it."""
    with repo.begin() as tx:
        entry = tx.institution(institution_id)
    try:
        _, head = chain.chain_head()
        record: InstitutionRecord | None = chain.institutions([institution_id], head)[
            institution_id
        ]
    except ChainUnavailable as exc:
        if entry is None:
            raise
        return RegistryView(institution_id, entry, None, chain_error=exc.cause)
    if entry is None and (record is None or not record.registered):
        raise NotFound("institution", institution_id)
    return RegistryView(institution_id, entry, record)
