"""An in-memory ``CredentialIndex`` over the fake outbox's credentials (tests)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import uuid4

from chaincred.adapters.memory.ledger import MemCredential, MemoryOutbox
from chaincred.domain.onchain import Reason
from chaincred.ports.indexing import CredentialChange
from chaincred.ports.pipeline import BlockRef

__all__ = ["MemoryCredentialIndex"]


class MemoryCredentialIndex:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.outbox = outbox

    def cursor(self, name: str) -> BlockRef | None:
        found = self.outbox.cursors.get(name)
        return None if found is None else BlockRef(*found)

    def reset(self, name: str) -> None:
        self.outbox.cursors.pop(name, None)

    def apply(self, name: str, changes: Sequence[CredentialChange], upto: BlockRef) -> None:
        with self.outbox.lock:
            by_token = {c.token_id: c for c in self.outbox.credentials.values()}
            for change in changes:
                self._one(change, by_token)
            self.outbox.cursors[name] = (upto.number, upto.hash)

    def _one(self, change: CredentialChange, by_token: dict[str, MemCredential]) -> None:
        if change.kind == "institution" and change.institution_id is not None:
            self.outbox.institutions.add(change.institution_id)
            return
        if change.token_id is None:
            return
        token = f"0x{change.token_id:064x}"
        row = by_token.get(token)
        if change.kind == "issued":
            if row is None and change.institution_id and change.recipient:
                row = MemCredential(
                    uuid4().hex, change.institution_id, token, change.recipient, "confirmed"
                )
                self.outbox.add_credential(row)
                by_token[token] = row
        elif row is None:
            return
        elif change.kind == "status" and change.status is not None:
            row.status = change.status.name.lower()
            reason = change.reason
            row.status_reason = None if reason in (None, Reason.NONE) else reason.name.lower()
        elif change.kind == "superseded" and change.successor is not None:
            successor = by_token.get(f"0x{change.successor:064x}")
            if successor is not None and successor.supersedes_id is None:
                successor.supersedes_id = row.id
        elif change.kind == "burned":
            row.status, row.document = "burned", None
