"""The indexer: replays the registry's events into the credentials table.

``sync`` follows the chain from a cursor to ``confirmations`` blocks below the head, in block
ranges (``eth_getLogs``; halved when the node refuses a range). ``rebuild`` forgets the
cursor and replays from the deployment block: a database deleted and rebuilt this way has the
same credentials — token ids, recipients, institutions, statuses, reasons, supersede links —
but none of the personal documents, which never reach the chain (DESIGN.md invariant 1).

Statuses come from the events alone (revoked, suspended, reinstated, superseded, burned);
the issuing institution, which ``Issued`` does not carry (it names the signing account), is
read from the registry's ``credentials`` view. A reorg below the
cursor is noticed by its block hash; the indexer then replays the last ``reorg_window``
blocks. An event that such a reorg removed keeps its effect until a ``rebuild``, which is why
the indexer stays ``confirmations`` blocks behind the head.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chaincred.domain.onchain import Reason, Status
from chaincred.ports.indexing import (
    CredentialChange,
    CredentialIndex,
    EventSource,
    LogRangeTooLarge,
    RegistryEvent,
)
from chaincred.ports.pipeline import BlockRef

__all__ = ["Indexer", "IndexerConfig", "changes_of"]

_log = logging.getLogger("chaincred.indexer")

_STATUS_EVENTS = {
    "CredentialRevoked": Status.REVOKED,
    "CredentialSuspended": Status.SUSPENDED,
    "CredentialReinstated": Status.ACTIVE,
}


@dataclass(frozen=True)
class IndexerConfig:
    #: The block the registry was deployed in (nothing to read before it).
    start_block: int = 0
    #: Blocks an event must be buried under before it is applied (1: the head).
    confirmations: int = 1
    #: Blocks per ``eth_getLogs``.
    chunk: int = 2_000
    #: Blocks replayed when the cursor's block left the chain.
    reorg_window: int = 64
    #: The cursor's name (one per followed registry).
    name: str = "registry"


class Indexer:
    def __init__(
        self,
        *,
        events: EventSource,
        index: CredentialIndex,
        config: IndexerConfig = IndexerConfig(),
    ) -> None:
        self.events = events
        self.index = index
        self.config = config

    def sync(self) -> int:
        """Apply what happened since the cursor; return how many events were applied."""
        config = self.config
        last = self.events.head().number - config.confirmations + 1
        first = self._resume_at()
        applied, span = 0, config.chunk
        while first <= last:
            end = min(first + span - 1, last)
            try:
                found = self.events.events(first, end)
            except LogRangeTooLarge:
                if span == 1:
                    raise
                span = max(1, span // 2)
                continue
            self._apply(found, end)
            applied += len(found)
            first = end + 1
        return applied

    def rebuild(self) -> int:
        """Replay everything from ``start_block``; the database keeps what it has otherwise."""
        self.index.reset(self.config.name)
        return self.sync()

    def _resume_at(self) -> int:
        cursor = self.index.cursor(self.config.name)
        if cursor is None:
            return self.config.start_block
        if self.events.block_hash(cursor.number) == cursor.hash:
            return cursor.number + 1
        _log.warning("block %d left the chain (reorg): replaying from below it", cursor.number)
        return max(self.config.start_block, cursor.number - self.config.reorg_window)

    def _apply(self, found: Sequence[RegistryEvent], end: int) -> None:
        issued = [e.token_id for e in found if e.name == "Issued" and e.token_id is not None]
        institutions = self.events.institutions_of(issued) if issued else {}
        end_hash = self.events.block_hash(end) or ""
        self.index.apply(self.config.name, changes_of(found, institutions), BlockRef(end, end_hash))
        if found:
            _log.info("indexed %d event(s) up to block %d", len(found), end)


def changes_of(
    events: Sequence[RegistryEvent], institutions: Mapping[int, int]
) -> list[CredentialChange]:
    """What the events mean for the credentials table, in order."""
    changes: list[CredentialChange] = []
    for event in events:
        token = event.token_id
        if event.name == "InstitutionRegistered":
            changes.append(CredentialChange("institution", institution_id=event.institution_id))
        elif event.name == "Issued" and token is not None:
            changes.append(
                CredentialChange(
                    "issued",
                    token_id=token,
                    recipient=event.account,
                    institution_id=institutions.get(token),
                    status=Status.ACTIVE,
                    reason=Reason.NONE,
                )
            )
        elif event.name in _STATUS_EVENTS:
            reason = event.reason if event.reason is not None else Reason.NONE
            status = _STATUS_EVENTS[event.name]
            changes.append(CredentialChange("status", token_id=token, status=status, reason=reason))
        elif event.name == "CredentialSuperseded":
            changes.append(
                CredentialChange(
                    "status", token_id=token, status=Status.SUPERSEDED, reason=Reason.SUPERSEDED
                )
            )
            changes.append(
                CredentialChange("superseded", token_id=token, successor=event.successor)
            )
        elif event.name == "Burned":
            changes.append(CredentialChange("burned", token_id=token, status=Status.BURNED))
    return changes
