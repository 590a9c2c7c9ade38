"""The credential document: its public part (hashed into the token id), the openings of its
private claims, and its anchor on the chain.

Shape (docs/credential-format.md is the normative description)::

    {"public": {...}, "claims": {name: {"value": ..., "salt": "0x…"}},
     "anchor": {"chain_id": 1, "contract": "0x…", "token_id": "…"}}

The public part has the shape of ERC-721 metadata (``name``, ``description``, ``image``,
``external_url``, ``attributes``) so that its canonical bytes are the metadata wallets fetch
from ``ipfs://<cid>``: the token URI then follows from the token id alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property, lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from chaincred.domain.achievement import Achievement
from chaincred.domain.badge import badge_svg
from chaincred.domain.canonical import canonical_bytes
from chaincred.domain.claims import ClaimName
from chaincred.domain.conformance import ConformanceReport, RuleSets, cmf_report, eu_report
from chaincred.domain.credential import Institution
from chaincred.domain.digest import cid_of_bytes, sha256_digest, token_id_of, token_uri_of
from chaincred.domain.fields import (
    Address,
    ChainId,
    Hash32Hex,
    HttpsUrl,
    Model,
    Salt16Hex,
    ShortText,
    Text,
    Timestamp,
    TokenIdDecimal,
)
from chaincred.domain.types import Digest, TokenId, TokenUri

__all__ = [
    "PUBLIC_FORMAT",
    "Anchor",
    "Attribute",
    "ClaimOpening",
    "CredentialDocument",
    "PublicPart",
    "build_public_part",
    "document_json",
]

PUBLIC_FORMAT = "chaincred/credential-public/v1"

IpfsUri = Annotated[str, StringConstraints(strict=True, pattern=r"^ipfs://b[a-z2-7]{58}$")]


def _scalar(value: object) -> str | int | float:
    ok = isinstance(value, str | int | float) and not isinstance(value, bool)
    if not ok or (isinstance(value, float) and not math.isfinite(value)):
        raise PydanticCustomError("attribute_value", "must be a string or a finite number")
    return value  # type: ignore[return-value]  # narrowed by the check above


AttributeValue = Annotated[
    str | int | float, PlainValidator(_scalar), WithJsonSchema({"type": ["string", "number"]})
]


class Attribute(Model):
    """An ERC-721 metadata attribute (the OpenSea convention wallets render)."""

    trait_type: ShortText
    value: AttributeValue


class PublicPart(Model):
    """Everything about a credential that may be public: nothing personal, only commitments."""

    format: Literal["chaincred/credential-public/v1"]
    name: ShortText
    description: Text
    image: IpfsUri
    external_url: HttpsUrl | None = None
    attributes: tuple[Attribute, ...]
    achievement: Achievement
    institution: Institution
    recipient: Address
    issued_at: Timestamp
    valid_until: Timestamp | None = None
    supersedes: Hash32Hex | None = None
    claim_commitments: dict[ClaimName, Hash32Hex] = Field(default_factory=dict)
    conformance: tuple[ConformanceReport, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON value whose canonical bytes are hashed. Absent optional fields and empty
        lists are omitted (never ``null``), so each credential has exactly one form."""
        return self.model_dump(mode="json", exclude_defaults=True)

    @cached_property
    def canonical(self) -> bytes:
        """The RFC 8785 canonical bytes of :meth:`to_json`: what the digest hashes and what is
        pinned as the ERC-721 metadata. Computed once per (immutable) public part; pydantic
        leaves the cached value out of equality, dumps and hashes."""
        return canonical_bytes(self.to_json())

    def digest(self) -> Digest:
        return sha256_digest(self.canonical)


class ClaimOpening(Model):
    """A disclosed claim: its value and the salt of its commitment."""

    value: Annotated[str, StringConstraints(strict=True)]
    salt: Salt16Hex


class Anchor(Model):
    """Where the credential lives on-chain. ``token_id`` is decimal text (a uint256 does not
    fit a JSON number); it must equal the digest of the public part."""

    chain_id: ChainId
    contract: Address
    token_id: TokenIdDecimal


class CredentialDocument(Model):
    """The document the learner keeps (and presents, possibly with fewer claims)."""

    public: PublicPart
    claims: dict[ClaimName, ClaimOpening]
    anchor: Anchor

    def digest(self) -> Digest:
        return self.public.digest()

    def token_id(self) -> TokenId:
        return token_id_of(self.digest())

    def token_uri(self) -> TokenUri:
        return token_uri_of(self.digest())


def document_json(document: CredentialDocument) -> dict[str, Any]:
    """The document as a JSON value (``claims`` always present, possibly empty)."""
    return {
        "public": document.public.to_json(),
        "claims": {name: c.model_dump(mode="json") for name, c in document.claims.items()},
        "anchor": document.anchor.model_dump(mode="json"),
    }


def build_public_part(
    *,
    achievement: Achievement,
    institution: Institution,
    recipient: str,
    issued_at: str,
    commitments: Mapping[ClaimName, str],
    rules: RuleSets,
    valid_until: str | None = None,
    supersedes: str | None = None,
) -> PublicPart:
    """The public part that follows from a credential's public facts and its commitments.

    Display fields (name, image, attributes) and the conformance reports are derived here, so
    that they cannot disagree with the achievement they describe.
    """
    cmf, eu, image, attributes = _derived(achievement, institution, frozenset(commitments), rules)
    fields: dict[str, Any] = {
        "format": PUBLIC_FORMAT,
        "name": achievement.title,
        "description": achievement.description,
        "image": image,
        "external_url": achievement.url,
        "attributes": attributes,
        "achievement": achievement,
        "institution": institution,
        "recipient": recipient,
        "issued_at": issued_at,
        "valid_until": valid_until,
        "supersedes": supersedes,
        "claim_commitments": dict(commitments),
        "conformance": (cmf, eu),
    }
    return PublicPart.model_validate({k: v for k, v in fields.items() if v is not None})


@lru_cache(maxsize=256)
def _derived(
    achievement: Achievement,
    institution: Institution,
    claims: frozenset[ClaimName],
    rules: RuleSets,
) -> tuple[ConformanceReport, ConformanceReport, str, tuple[Attribute, ...]]:
    """What a public part derives from its achievement and institution: conformance reports,
    badge image and wallet attributes. Cached, because a cohort shares them and rebuilding
    them (an SVG, two rule sets) dominated the parsing of every document in a bulk check."""
    cmf = cmf_report(achievement, rules.cmf)
    eu = eu_report(
        achievement, issuer_country=institution.country, committed_claims=claims, rules=rules.eu
    )
    image = "ipfs://" + cid_of_bytes(badge_svg(achievement, institution.name))
    return cmf, eu, image, _attributes(achievement, institution, cmf)


def _attributes(
    achievement: Achievement, institution: Institution, cmf: ConformanceReport
) -> tuple[Attribute, ...]:
    pairs: list[tuple[str, str | int | float]] = []
    if achievement.ects is not None:
        pairs.append(("ECTS", _json_number(achievement.ects)))
    if achievement.eqf_level is not None:
        pairs.append(("EQF level", achievement.eqf_level))
    pairs += [
        ("Workload hours", _json_number(achievement.workload_hours)),
        ("Institution", institution.name),
        ("Achievement type", achievement.achievement_type),
        ("CMF conformance", _conformance_label(cmf)),
    ]
    return tuple(Attribute(trait_type=t, value=v) for t, v in pairs)


def _conformance_label(report: ConformanceReport) -> str:
    verdict = "conforms" if report.conforms else "does not conform"
    return f"{verdict} ({report.version})"


def _json_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value
