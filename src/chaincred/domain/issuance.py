"""Issuance: a credential becomes a document — salted commitments for its personal claims, a
public part, its digest and the anchor the token will have.

Pure: the salts come from ``salt_source`` (default: the OS CSPRNG) and the time is a
parameter, so tests and golden vectors are reproducible and nothing here reads a clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime

from chaincred.domain.achievement import Achievement
from chaincred.domain.claims import (
    ClaimName,
    SaltSource,
    commit,
    draw_salts,
    random_salt,
)
from chaincred.domain.conformance import RuleSets
from chaincred.domain.credential import Credential, Institution
from chaincred.domain.digest import digest_hex
from chaincred.domain.document import (
    Anchor,
    ClaimOpening,
    CredentialDocument,
    build_public_part,
)
from chaincred.domain.errors import InvalidCredential
from chaincred.domain.fields import timestamp_of
from chaincred.domain.types import Digest
from chaincred.domain.validation import validate_model

__all__ = ["issue_credential", "issue_document"]


def issue_document(
    achievement: Achievement,
    *,
    institution: Institution,
    recipient: str,
    claims: Mapping[str, object],
    issued_at: datetime,
    chain_id: int,
    contract: str,
    valid_until: datetime | None = None,
    supersedes: Digest | None = None,
    rules: RuleSets = RuleSets(),  # noqa: B008 - frozen, so a shared default is safe
    salt_source: SaltSource = random_salt,
) -> CredentialDocument:
    """Issue ``achievement`` to the holder of ``recipient``, to be minted by ``contract`` on
    ``chain_id``.

    ``valid_until`` defaults to ``issued_at`` plus the achievement's validity period, if it has
    one. Raises :class:`InvalidCredential` (paths such as ``recipient`` or
    ``claims.date_of_birth``) or :class:`SaltError`.
    """
    issued = _timestamp(issued_at, "issued_at")
    until = _timestamp(valid_until, "valid_until") if valid_until is not None else None
    if until is None and achievement.validity_months is not None:
        until = timestamp_of(_add_months(issued_at, achievement.validity_months))
    raw = {
        "achievement": achievement,
        "institution": institution,
        "recipient": recipient,
        "claims": claims,
        "issued_at": issued,
        "valid_until": until,
        "supersedes": digest_hex(supersedes) if supersedes is not None else None,
    }
    credential = validate_model(Credential, {k: v for k, v in raw.items() if v is not None})
    return issue_credential(
        credential, chain_id=chain_id, contract=contract, rules=rules, salt_source=salt_source
    )


def issue_credential(
    credential: Credential,
    *,
    chain_id: int,
    contract: str,
    rules: RuleSets = RuleSets(),  # noqa: B008 - frozen, so a shared default is safe
    salt_source: SaltSource = random_salt,
) -> CredentialDocument:
    """The document of an already validated :class:`Credential`."""
    claims = credential.claims.items()
    salts = draw_salts((name for name, _ in claims), salt_source)
    openings: dict[ClaimName, ClaimOpening] = {}
    commitments: dict[ClaimName, str] = {}
    for name, value in claims:
        openings[name] = ClaimOpening(value=value, salt="0x" + salts[name].hex())
        commitments[name] = "0x" + commit(name, value, salts[name]).hex()
    public = build_public_part(
        achievement=credential.achievement,
        institution=credential.institution,
        recipient=credential.recipient,
        issued_at=credential.issued_at,
        valid_until=credential.valid_until,
        supersedes=credential.supersedes,
        commitments=commitments,
        rules=rules,
    )
    token_id = str(int.from_bytes(public.digest(), "big"))
    anchor = validate_model(
        Anchor,
        {"chain_id": chain_id, "contract": contract, "token_id": token_id},
        prefix=("anchor",),
    )
    return CredentialDocument(public=public, claims=openings, anchor=anchor)


def _timestamp(moment: datetime, field: str) -> str:
    try:
        return timestamp_of(moment)
    except ValueError as exc:
        raise InvalidCredential.at((field,), str(exc)) from None


def _add_months(moment: datetime, months: int) -> datetime:
    """Same day and time ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    moment = moment.astimezone(UTC)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
