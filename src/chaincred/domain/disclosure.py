"""Selective disclosure: a holder presents the public part with any subset of the claims'
openings; the verifier learns exactly those values, and that they are the committed ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chaincred.domain.claims import CLAIM_NAMES, ClaimName, commit
from chaincred.domain.document import CredentialDocument
from chaincred.domain.errors import InvalidCredential

__all__ = ["DisclosureReport", "Mismatch", "present", "verify_disclosure"]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A disclosed claim that proves nothing: ``reason`` says why."""

    name: ClaimName
    reason: str


@dataclass(frozen=True, slots=True)
class DisclosureReport:
    """``proven``: disclosed and matching their commitments (name → value); ``withheld``:
    committed but not disclosed; ``mismatched``: disclosed but not matching."""

    proven: dict[ClaimName, str]
    withheld: tuple[ClaimName, ...]
    mismatched: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        """True when nothing disclosed failed to match (withholding is the holder's right)."""
        return not self.mismatched


def verify_disclosure(document: CredentialDocument) -> DisclosureReport:
    """Recompute each disclosed claim's commitment and compare it with the public part's."""
    committed = document.public.claim_commitments
    proven: dict[ClaimName, str] = {}
    mismatched: list[Mismatch] = []
    for name in CLAIM_NAMES:
        opening = document.claims.get(name)
        if opening is None:
            continue
        expected = committed.get(name)
        if expected is None:
            mismatched.append(Mismatch(name, "the public part has no commitment to this claim"))
            continue
        actual = "0x" + commit(name, opening.value, bytes.fromhex(opening.salt[2:])).hex()
        if actual == expected:
            proven[name] = opening.value
        else:
            mismatched.append(Mismatch(name, "value and salt do not match the commitment"))
    withheld = tuple(n for n in CLAIM_NAMES if n in committed and n not in document.claims)
    return DisclosureReport(proven=proven, withheld=withheld, mismatched=tuple(mismatched))


def present(document: CredentialDocument, disclose: Iterable[str]) -> CredentialDocument:
    """A copy of ``document`` that discloses only the claims named in ``disclose``."""
    names = set(disclose)
    unknown = sorted(names - set(document.claims))
    if unknown:
        raise InvalidCredential.at(("claims", unknown[0]), "is not in this document")
    kept = {n: o for n, o in document.claims.items() if n in names}
    return document.model_copy(update={"claims": kept})
