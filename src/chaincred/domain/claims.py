"""Personal claims and their salted commitments (DESIGN invariant 1).

A personal claim never enters the public part. The public part carries, per claim,

    commitment = SHA-256( salt || JCS([name, value]) )

where ``salt`` is 16 fresh random bytes, ``JCS`` is the RFC 8785 canonical UTF-8 encoding
(:func:`~chaincred.domain.canonical.canonical_bytes`) and ``[name, value]`` is the JSON array
of the claim's name and its value, e.g. ``["date_of_birth","2001-04-13"]``. Hashing the name
with the value binds each opening to its field: a disclosed ``student_id`` cannot be passed
off as a ``name`` with the same text. The salt comes first and has a fixed length, so the
preimage splits unambiguously.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Literal, get_args

from chaincred.domain.canonical import canonical_bytes
from chaincred.domain.errors import SaltError
from chaincred.domain.fields import IsoDate, Model, ShortText
from chaincred.domain.types import Commitment, Salt

__all__ = [
    "CLAIM_NAMES",
    "SALT_BYTES",
    "ClaimName",
    "PersonalClaims",
    "SaltSource",
    "claim_preimage",
    "commit",
    "draw_salts",
    "random_salt",
]

SALT_BYTES = 16

SaltSource = Callable[[], bytes]

ClaimName = Literal[
    "name",
    "given_name",
    "family_name",
    "student_id",
    "date_of_birth",
    "date_of_completion",
    "grade",
]


class PersonalClaims(Model):
    """The claims vocabulary: every personal fact a credential may commit to.

    Values are strings so that a verifier in any language compares them exactly; dates are
    ``YYYY-MM-DD``. Unknown claim names are rejected.
    """

    name: ShortText | None = None
    """Full name as it appears on the transcript."""
    given_name: ShortText | None = None
    family_name: ShortText | None = None
    student_id: ShortText | None = None
    date_of_birth: IsoDate | None = None
    date_of_completion: IsoDate | None = None
    grade: ShortText | None = None
    """Grade or result as the institution states it ("A", "18/20", "pass")."""

    def items(self) -> list[tuple[ClaimName, str]]:
        """The claims present, in vocabulary order."""
        values = self.model_dump(exclude_none=True)
        return [(name, values[name]) for name in CLAIM_NAMES if name in values]


CLAIM_NAMES: tuple[ClaimName, ...] = get_args(ClaimName)
assert tuple(PersonalClaims.model_fields) == CLAIM_NAMES, "ClaimName and PersonalClaims diverge"


def claim_preimage(name: str, value: object) -> bytes:
    """``JCS([name, value])``: the bytes a claim's commitment hashes after its salt. RFC 8785
    writes an array as its items' canonical bytes, comma-separated, in brackets."""
    return b"[" + _name_bytes(name) + b"," + canonical_bytes(value) + b"]"


@lru_cache(maxsize=64)  # a handful of claim names, each in every document
def _name_bytes(name: str) -> bytes:
    return canonical_bytes(name)


def commit(name: str, value: object, salt: bytes) -> Commitment:
    """``SHA-256(salt || JCS([name, value]))`` for a 16-byte ``salt``."""
    if len(salt) != SALT_BYTES:
        raise SaltError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
    return Commitment(hashlib.sha256(salt + claim_preimage(name, value)).digest())


def random_salt() -> bytes:
    """16 bytes from the operating system's CSPRNG: the default salt source."""
    return secrets.token_bytes(SALT_BYTES)


def draw_salts(names: Iterable[str], salt_source: SaltSource) -> Mapping[str, Salt]:
    """One fresh salt per claim name from ``salt_source``.

    Refuses salts of the wrong size and any salt drawn twice: a repeated salt would make two
    commitments to the same value equal, linking them (a broken or seeded source shows up
    here, not in a privacy incident).
    """
    salts: dict[str, Salt] = {}
    seen: set[bytes] = set()
    for name in names:
        salt = salt_source()
        if not isinstance(salt, bytes) or len(salt) != SALT_BYTES:
            raise SaltError(f"the salt source returned {salt!r}; a salt is {SALT_BYTES} bytes")
        if salt in seen:
            raise SaltError(f"the salt source returned the same salt twice (for {name!r})")
        seen.add(salt)
        salts[name] = Salt(salt)
    return salts
