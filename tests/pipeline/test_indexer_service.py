"""The indexer service over fakes: ranges, halving refused ranges, reorg replays, the
meaning of each event."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chaincred.adapters.memory.index import MemoryCredentialIndex
from chaincred.adapters.memory.ledger import MemoryOutbox
from chaincred.domain.onchain import Reason, Status
from chaincred.ports.indexing import CredentialChange, LogRangeTooLarge, RegistryEvent
from chaincred.ports.pipeline import BlockRef
from chaincred.services.indexer import Indexer, IndexerConfig, changes_of

HOLDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


class FakeChain:
    """Events by block; refuses ranges wider than ``widest``."""

    contract = "0x" + "00" * 20

    def __init__(self, head: int, events: Sequence[RegistryEvent], widest: int = 10**9) -> None:
        self.height = head
        self.all = list(events)
        self.widest = widest
        self.ranges: list[tuple[int, int]] = []
        self.fork = ""

    def head(self) -> BlockRef:
        return BlockRef(self.height, self.block_hash(self.height) or "")

    def block_hash(self, number: int) -> str | None:
        return None if number > self.height else f"0x{number:x}{self.fork}"

    def events(self, first: int, last: int) -> list[RegistryEvent]:
        if last - first + 1 > self.widest:
            raise LogRangeTooLarge(first, last, "query returned more than 10000 results")
        self.ranges.append((first, last))
        return [e for e in self.all if first <= e.block_number <= last]

    def institutions_of(self, token_ids: Sequence[int]) -> dict[int, int]:
        return dict.fromkeys(token_ids, 1)


def minted(block: int, token: int) -> RegistryEvent:
    return RegistryEvent("Issued", block, 0, token_id=token, account=HOLDER)


def indexer(chain: FakeChain, **config: int) -> tuple[Indexer, MemoryOutbox]:
    outbox = MemoryOutbox()
    index = MemoryCredentialIndex(outbox)
    return Indexer(events=chain, index=index, config=IndexerConfig(**config)), outbox  # type: ignore[arg-type]


def test_sync_walks_ranges_up_to_the_confirmed_head_and_resumes_at_the_cursor() -> None:
    chain = FakeChain(25, [minted(3, 1), minted(24, 2), minted(25, 3)])
    follower, outbox = indexer(chain, chunk=10, confirmations=2)
    assert follower.sync() == 2  # block 25 is not buried under 2 blocks yet
    assert chain.ranges == [(0, 9), (10, 19), (20, 24)]
    chain.height = 26
    assert follower.sync() == 1
    assert chain.ranges[-1] == (25, 25)
    assert len(outbox.credentials) == 3


def test_a_refused_range_is_halved_until_the_node_accepts_it() -> None:
    chain = FakeChain(9, [minted(2, 1), minted(7, 2)], widest=3)
    follower, _ = indexer(chain, chunk=10)
    assert follower.sync() == 2
    assert all(last - first < 3 for first, last in chain.ranges)
    assert chain.ranges[0][0] == 0 and chain.ranges[-1][1] == 9


def test_a_range_refused_at_one_block_is_raised() -> None:
    chain = FakeChain(3, [], widest=0)
    follower, _ = indexer(chain)
    with pytest.raises(LogRangeTooLarge):
        follower.sync()


def test_a_reorg_below_the_cursor_replays_the_window() -> None:
    chain = FakeChain(100, [minted(95, 1)])
    follower, _ = indexer(chain, reorg_window=8)
    follower.sync()
    chain.fork, chain.height = "-b", 102
    chain.ranges.clear()
    follower.sync()
    assert chain.ranges[0] == (92, 102)


def test_what_each_event_means() -> None:
    events = [
        RegistryEvent("InstitutionRegistered", 1, 0, institution_id=4),
        RegistryEvent("Issued", 2, 0, token_id=5, account=HOLDER),
        RegistryEvent("CredentialSuspended", 3, 0, token_id=5, reason=Reason.OTHER),
        RegistryEvent("CredentialReinstated", 4, 0, token_id=5),
        RegistryEvent("CredentialSuperseded", 5, 0, token_id=5, successor=6),
        RegistryEvent("CredentialRevoked", 6, 0, token_id=6, reason=Reason.ISSUED_IN_ERROR),
        RegistryEvent("Burned", 7, 0, token_id=6),
    ]
    assert changes_of(events, {5: 4}) == [
        CredentialChange("institution", institution_id=4),
        CredentialChange(
            "issued",
            token_id=5,
            recipient=HOLDER,
            institution_id=4,
            status=Status.ACTIVE,
            reason=Reason.NONE,
        ),
        CredentialChange("status", token_id=5, status=Status.SUSPENDED, reason=Reason.OTHER),
        CredentialChange("status", token_id=5, status=Status.ACTIVE, reason=Reason.NONE),
        CredentialChange("status", token_id=5, status=Status.SUPERSEDED, reason=Reason.SUPERSEDED),
        CredentialChange("superseded", token_id=5, successor=6),
        CredentialChange(
            "status", token_id=6, status=Status.REVOKED, reason=Reason.ISSUED_IN_ERROR
        ),
        CredentialChange("burned", token_id=6, status=Status.BURNED),
    ]
