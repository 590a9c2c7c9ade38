"""Errors raised by the pure domain.

All derive from :class:`chaincred.errors.ChainCredError` (one error tree) and carry structured
fields, so that the CLI and the API can present them without parsing messages. Locations are
JSON paths relative to the object that was validated, rendered like ``public.achievement.ects``
or ``claims.name.salt`` (array elements as ``[3]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chaincred.errors import ChainCredError

__all__ = [
    "DomainError",
    "InvalidCredential",
    "InvalidDigest",
    "MalformedJson",
    "NotCanonicalizable",
    "Problem",
    "SaltError",
    "render_path",
]

PathPart = str | int


def render_path(path: Sequence[PathPart]) -> str:
    """Render ``("public", "achievement", "learning_outcomes", 0)`` as
    ``public.achievement.learning_outcomes[0]``; the empty path is ``$`` (the whole object)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "$"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: where (a JSON path) and what."""

    path: tuple[PathPart, ...]
    message: str

    @property
    def location(self) -> str:
        return render_path(self.path)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class DomainError(ChainCredError):
    """Root of the errors of :mod:`chaincred.domain`."""


class InvalidCredential(DomainError, ValueError):
    """A credential, achievement or document failed validation.

    ``problems`` lists every problem found (at least one), each with its JSON path; ``path``
    and ``location`` are those of the first, which is what a caller usually shows.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidCredential needs at least one problem")
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems]
        super().__init__(lines[0] if len(lines) == 1 else "\n".join(lines))

    @classmethod
    def at(cls, path: Sequence[PathPart], message: str) -> InvalidCredential:
        return cls([Problem(tuple(path), message)])

    @property
    def path(self) -> tuple[PathPart, ...]:
        return self.problems[0].path

    @property
    def location(self) -> str:
        return self.problems[0].location


class NotCanonicalizable(DomainError, ValueError):
    """A value has no RFC 8785 canonical form under chaincred's rules (see
    docs/credential-format.md): NaN or infinity, an integer beyond ±(2^53-1), a lone
    surrogate, a string not in Unicode NFC, a non-string key or a non-JSON type."""

    def __init__(self, path: Sequence[PathPart], reason: str) -> None:
        self.path = tuple(path)
        self.reason = reason
        super().__init__(f"{render_path(self.path)}: {reason}")

    @property
    def location(self) -> str:
        return render_path(self.path)


class MalformedJson(DomainError, ValueError):
    """Text that is not acceptable JSON; ``line`` and ``column`` are 1-based."""

    def __init__(self, reason: str, line: int, column: int) -> None:
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(f"malformed JSON at line {line}, column {column}: {reason}")


class InvalidDigest(DomainError, ValueError):
    """A digest is not 32 bytes (or a token id is not a uint256)."""


class SaltError(DomainError, ValueError):
    """A salt source returned a salt of the wrong size, or the same salt twice.

    Salts hide low-entropy claims (a birth date has ~15 bits), so a short or repeated salt
    would make commitments guessable or linkable; issuance refuses rather than proceeds.
    """
