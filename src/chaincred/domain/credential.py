"""A credential before it is split into its public part and private claims: who awarded what
to whom, when."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import StringConstraints, model_validator

from chaincred.domain.achievement import Achievement
from chaincred.domain.claims import PersonalClaims
from chaincred.domain.fields import (
    Address,
    Hash32Hex,
    HttpsUrl,
    InstitutionId,
    Model,
    ShortText,
    Timestamp,
)
from chaincred.domain.validation import field_error

__all__ = ["Credential", "Institution"]

CountryCode = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2."""


class Institution(Model):
    """The awarding body as the registry knows it: its on-chain id and its display name."""

    id: InstitutionId
    name: ShortText
    country: CountryCode | None = None
    region: ShortText | None = None
    url: HttpsUrl | None = None


class Credential(Model):
    """An achievement awarded to the holder of ``recipient``, with the holder's personal claims.

    ``supersedes`` is the digest (``0x`` + hex) of the credential this one corrects.
    """

    achievement: Achievement
    institution: Institution
    recipient: Address
    claims: PersonalClaims
    issued_at: Timestamp
    valid_until: Timestamp | None = None
    supersedes: Hash32Hex | None = None

    @model_validator(mode="after")
    def _valid_after_issue(self) -> Self:
        # Timestamps share one fixed-width UTC form, so text order is time order.
        if self.valid_until is not None and self.valid_until <= self.issued_at:
            raise field_error("valid_until", f"must be later than issued_at ({self.issued_at})")
        return self
