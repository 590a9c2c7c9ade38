"""The indexer's ports: the registry's events on the chain, and the credentials they rebuild.

The chain is the source of truth for which credentials exist, who received them, which
institution issued them and their status; the indexer (``chaincred.services.indexer``)
replays the registry's events into the database. Personal documents (names, grades, claim
salts) never reach the chain, so a database rebuilt from it has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chaincred.domain.onchain import Reason, Status
from chaincred.errors import ChainError
from chaincred.ports.pipeline import BlockRef

__all__ = [
    "CredentialChange",
    "CredentialIndex",
    "EventSource",
    "LogRangeTooLarge",
    "RegistryEvent",
]


class LogRangeTooLarge(ChainError):
    """The node refuses ``eth_getLogs`` over this many blocks (or results): ask for fewer."""

    def __init__(self, first: int, last: int, cause: str) -> None:
        super().__init__(f"eth_getLogs over blocks {first}..{last} refused: {cause}")
        self.first, self.last = first, last


@dataclass(frozen=True)
class RegistryEvent:
    """One decoded log of the registry. ``name`` is the Solidity event name; the other fields
    are set as the event carries them (``token_id`` for credential events, ``institution_id``
    for ``InstitutionRegistered``, ``account`` is ``Issued``'s recipient, ``successor`` is
    ``CredentialSuperseded``'s new token, ``reason`` the status change's reason)."""

    name: str
    block_number: int
    log_index: int
    token_id: int | None = None
    account: str | None = None
    institution_id: int | None = None
    reason: Reason | None = None
    successor: int | None = None
    metadata_digest: bytes | None = None


@dataclass(frozen=True)
class CredentialChange:
    """What one event means for the credentials table.

    ``issued`` carries recipient and institution; ``status`` carries the new status and
    reason; ``superseded`` links ``successor`` to ``token_id``; ``burned`` erases the
    holder's document; ``institution`` registers ``institution_id``.
    """

    kind: str
    token_id: int | None = None
    recipient: str | None = None
    institution_id: int | None = None
    status: Status | None = None
    reason: Reason | None = None
    successor: int | None = None


class EventSource(Protocol):
    """The registry's logs (``eth_getLogs`` over block ranges) and the views they need."""

    contract: str

    def head(self) -> BlockRef: ...

    def block_hash(self, number: int) -> str | None:
        """The canonical hash at ``number``, None beyond the head."""
        ...

    def events(self, first: int, last: int) -> list[RegistryEvent]:
        """The registry's events in blocks ``first..last`` (inclusive), in chain order;
        ``LogRangeTooLarge`` when the node wants a smaller range."""
        ...

    def institutions_of(self, token_ids: Sequence[int]) -> dict[int, int]:
        """The issuing institution of each token (``Issued`` names the signing account, not
        the institution). Read at the latest block: a token's institution never changes, and
        an old block would need an archive node."""
        ...


class CredentialIndex(Protocol):
    """The credentials as the indexer maintains them, with its cursor; one database
    transaction per :meth:`apply`."""

    def cursor(self, name: str) -> BlockRef | None:
        """The last block applied under ``name``, None before the first."""
        ...

    def apply(self, name: str, changes: Sequence[CredentialChange], upto: BlockRef) -> None:
        """Apply ``changes`` in order and move the cursor to ``upto``, atomically. Credentials
        unknown to the database are created (``confirmed``, without document); known ones keep
        their document unless burned, and get the chain's status."""
        ...

    def reset(self, name: str) -> None:
        """Forget the cursor: the next sync replays from the start."""
        ...
