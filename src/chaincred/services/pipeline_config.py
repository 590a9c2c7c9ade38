"""The signer worker's knobs, its progress report and its fault hook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

__all__ = ["FAULT_POINTS", "Fault", "PipelineConfig", "Progress", "bumped_fee", "no_fault"]

#: Where a test may kill the worker (``CHAINCRED_FAULT=after_sign:1``), in pipeline order:
#: the outbox rows are committed and read but nothing is claimed / the claim and the signed
#: raw transaction are committed, not sent / sent, "sent" not recorded / a receipt fetched,
#: not recorded / a confirmation committed.
FAULT_POINTS = ("before_claim", "after_sign", "after_send", "after_receipt", "after_confirm")

Fault = Callable[[str], None]


def no_fault(point: str) -> None:
    """The production fault hook: nothing happens."""


@dataclass(frozen=True)
class PipelineConfig:
    """How one signer worker drains the outbox (``chaincred worker`` fills it from Settings)."""

    #: Most mints per ``mintBatch`` (329 fresh holders fit the 2^24 gas cap).
    batch_size: int = 300
    #: Seconds a batch may wait to fill before it is sent anyway.
    batch_interval: float = 1.0
    #: Blocks a transaction must be buried under to count as confirmed (1: the head).
    confirmations: int = 1
    #: Institutions whose operations this key sends (None: all in the outbox).
    institutions: frozenset[int] | None = None
    #: Transactions sent and not yet confirmed, at most.
    max_in_flight: int = 8
    #: Seconds a sent transaction may stay unmined before its fee is bumped.
    stuck_after: float = 30.0
    #: Seconds the account's nonce must stay past a transaction none of whose versions has a
    #: receipt before it counts as lost (a load-balanced RPC may show the nonce before the
    #: receipt: requeuing a mined batch would fail its items as already issued).
    lost_after: float = 15.0
    #: Highest max fee per gas a bump may offer (None: no ceiling).
    max_fee_cap: int | None = None
    #: Blocks below the head in which a reorg is still looked for.
    reorg_window: int = 64
    #: Gas limit = estimate x this margin (never above the per-transaction cap).
    gas_margin: float = 1.2
    #: A batch whose revert blames no item is retried at most this many times.
    max_attempts: int = 3
    #: Lifecycle operations looked at per round.
    changes_per_round: int = 50


def bumped_fee(old: int) -> int:
    """+12.5% rounded up (geth wants +10% for a replacement; Anvil takes +1 wei)."""
    return max(old + 1, -(-old * 9 // 8))


@dataclass
class Progress:
    """What one round of the worker did, for the progress log."""

    sent: int = 0
    mined: int = 0
    confirmed: int = 0
    failed: int = 0
    rebroadcast: int = 0
    bumped: int = 0
    reorged: int = 0
    lost: int = 0
    parked: str | None = None
    standby: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """Whether the round changed anything (the worker goes again without sleeping)."""
        return any(getattr(self, f.name) for f in fields(self) if f.type == "int")

    def summary(self) -> str:
        parts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if f.type == "int"]
        shown = [p for p in parts if not p.endswith("=0")]
        if self.parked:
            shown.append(f"parked: {self.parked}")
        return ", ".join(shown + self.notes)
