"""Following sent transactions until they count: receipts, drops, fee bumps, reorgs.

How each failure is detected (field notes: Anvil re-queues nothing after a reorg, answers
"nonce too low" to a mined transaction re-sent, takes a replacement at +1 wei):

- not sent yet (a crash after signing): the stored raw bytes are sent;
- no receipt, the node does not know any version (dropped, or a crash before it arrived):
  the same raw bytes are re-broadcast;
- no receipt for ``stuck_after`` seconds: a new version at the same nonce with fees +12.5%
  (the earlier hash is kept: whichever version mines is recorded);
- no receipt and the account's nonce moved past it: a version may just have mined (look
  again); still none after ``lost_after`` seconds: another transaction took the nonce, and
  the operations go back to the queue;
- a receipt whose block is no longer canonical (reorg): back to ``sent`` and, with no version
  mined elsewhere, re-signed at the same nonce (same calldata, fees bumped so that it also
  replaces a copy a real node re-queued).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from chaincred.errors import ContractReverted
from chaincred.ports.pipeline import (
    BlockRef,
    ChainSender,
    OutboxLedger,
    PendingOp,
    Receipt,
    SendOutcome,
    SignedTx,
    TxRecord,
    TxRejected,
    UnsignedTx,
)
from chaincred.services.pipeline_calls import blame, render_revert
from chaincred.services.pipeline_config import Fault, PipelineConfig, Progress, bumped_fee

__all__ = ["Tracker"]

_log = logging.getLogger("chaincred.pipeline")

#: The one call that keeps a nonce without doing anything: a 0-value transfer to oneself.
NOOP = "noop"
_NOOP_GAS = 21_000


class Tracker:
    """Moves the open transactions of one signer forward; one call of :meth:`track` per round."""

    def __init__(
        self,
        *,
        ledger: OutboxLedger,
        chain: ChainSender,
        config: PipelineConfig,
        now: Callable[[], datetime],
        fault: Fault,
    ) -> None:
        self.ledger = ledger
        self.chain = chain
        self.config = config
        self.now = now
        self.fault = fault
        self.parked = False
        self.parked_need = 0
        self._watched_head: str | None = None
        self._nonce_gone: dict[str, datetime] = {}

    # ------------------------------------------------------------------ one round

    def track(self, head: BlockRef, progress: Progress) -> int:
        """Follow every open transaction once; return how many remain open."""
        self._chain_nonce: int | None = None
        self._watch_settled(head, progress)
        open_txs = self.ledger.open_transactions(self.chain.address)
        for tx in open_txs:
            if tx.state == "signed":
                # A new version not sent yet: an earlier one may have mined meanwhile.
                receipt = self._receipt(tx) if tx.previous_hashes else None
                if receipt is not None:
                    self._record(tx, receipt, head, progress)
                elif not self.parked:
                    self.send(tx, progress)
            elif tx.state == "sent":
                self._follow_sent(tx, head, progress)
            elif tx.state == "mined":
                self._follow_mined(tx, head, progress)
        return len(self.ledger.open_transactions(self.chain.address))

    def send(self, tx: TxRecord, progress: Progress) -> None:
        """Broadcast the stored bytes and record that they went out."""
        try:
            outcome = self.chain.send(tx.raw)
        except TxRejected as rejected:
            self._reject(tx, rejected, progress)
            return
        self.fault("after_send")
        if outcome is SendOutcome.INSUFFICIENT_FUNDS:
            need = tx.gas_limit * tx.max_fee_per_gas
            self.park(f"insufficient funds to send nonce {tx.nonce} ({need} wei)", need, progress)
            return
        if outcome is SendOutcome.UNDERPRICED:
            # Below the base fee now, or an earlier version still pending: offer more, once
            # per round (what the node says to the new version shows in the next round).
            newer = self._new_version(tx, note="underpriced", progress=progress)
            if newer is not None:
                try:
                    self.chain.send(newer.raw)
                except TxRejected as rejected:
                    progress.notes.append(f"nonce {tx.nonce}: {rejected}")
        self.ledger.mark_sent(tx.id, self.now())
        progress.sent += 1

    # ------------------------------------------------------------------ sent, no receipt yet

    def _follow_sent(self, tx: TxRecord, head: BlockRef, progress: Progress) -> None:
        receipt = self._receipt(tx)
        if receipt is not None:
            self._record(tx, receipt, head, progress)
            return
        if self._nonce() > tx.nonce:
            receipt = self._receipt(tx)  # mined between the two reads?
            if receipt is not None:
                self._record(tx, receipt, head, progress)
                return
            first_seen = self._nonce_gone.setdefault(tx.id, self.now())
            if (self.now() - first_seen).total_seconds() < self.config.lost_after:
                return  # the receipt may still be on its way to this RPC endpoint
            del self._nonce_gone[tx.id]
            self.ledger.mark_lost(tx.id, f"nonce {tx.nonce} was used by another transaction")
            # The key signed elsewhere: the counter catches up with the chain.
            self.ledger.ensure_signer(self.chain.address, self._nonce())
            _log.warning("tx %s lost its nonce %d; operations re-queued", tx.tx_hash, tx.nonce)
            progress.lost += 1
            return
        if not any(self.chain.is_known(h) for h in tx.hashes):
            # Dropped from the pool (or never arrived): the same bytes, the same hash.
            self.send(tx, progress)
            progress.rebroadcast += 1
            return
        waited = (self.now() - (tx.sent_at or self.now())).total_seconds()
        if waited >= self.config.stuck_after:
            self._bump(tx, progress)

    def _bump(self, tx: TxRecord, progress: Progress) -> None:
        newer = self._new_version(tx, note="stuck", progress=progress)
        if newer is not None:
            self.send(newer, progress)

    def _new_version(self, tx: TxRecord, *, note: str, progress: Progress) -> TxRecord | None:
        """Re-sign the same call at the same nonce with fees +12.5% (at least what a new
        transaction would offer now), stored before it is sent; None at the fee cap."""
        current = self.chain.decode(tx.raw)
        fees = self.chain.fees()
        priority = max(bumped_fee(current.max_priority_fee_per_gas), fees.priority_fee)
        max_fee = max(bumped_fee(current.max_fee_per_gas), 2 * fees.base_fee + priority)
        cap = self.config.max_fee_cap
        if cap is not None and max_fee > cap:
            progress.notes.append(f"nonce {tx.nonce} {note} at the fee cap {cap}")
            return None
        newer = self.chain.sign(
            replace(current, max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)
        )
        record = self.ledger.replace_signed(tx.id, newer)
        _log.info(
            "nonce %d %s: re-signed at %d wei/gas as %s", tx.nonce, note, max_fee, newer.tx_hash
        )
        progress.bumped += 1
        return record

    # ------------------------------------------------------------------ mined

    def _record(self, tx: TxRecord, receipt: Receipt, head: BlockRef, progress: Progress) -> None:
        self.fault("after_receipt")
        if not receipt.succeeded:
            self._record_reverted(tx, receipt, progress)
            return
        self.ledger.record_mined(tx.id, receipt)
        progress.mined += 1
        if head.number - receipt.block_number + 1 >= self.config.confirmations:
            self.ledger.confirm(tx.id)
            progress.confirmed += len(tx.operation_ids)
            self.fault("after_confirm")

    def _follow_mined(self, tx: TxRecord, head: BlockRef, progress: Progress) -> None:
        assert tx.block_number is not None
        if self._left_chain(tx):
            self._reorged(tx, progress)
            return
        if head.number - tx.block_number + 1 >= self.config.confirmations:
            self.ledger.confirm(tx.id)
            progress.confirmed += len(tx.operation_ids)
            self.fault("after_confirm")

    def _record_reverted(self, tx: TxRecord, receipt: Receipt, progress: Progress) -> None:
        if tx.function == NOOP:
            self.ledger.record_reverted(tx.id, receipt, "the no-op reverted", (), ())
            return
        data = self.chain.decode(tx.raw).data
        # The state after the block shows what beat it (a competing mint in the same block);
        # the state before it, what was wrong all along.
        error = self.chain.replay(data, receipt.block_number) or self.chain.replay(
            data, receipt.block_number - 1
        )
        operations = self.ledger.operations_of(tx.id)
        fail, requeue, reason = self._blame_revert(tx, receipt, error, operations)
        self.ledger.record_reverted(tx.id, receipt, reason, fail, requeue)
        _log.warning("tx %s reverted: %s", receipt.tx_hash, reason)
        progress.failed += len(fail)

    def _blame_revert(
        self,
        tx: TxRecord,
        receipt: Receipt,
        error: Exception | None,
        operations: Sequence[PendingOp],
    ) -> tuple[list[int], list[int], str]:
        everyone = [op.id for op in operations]
        if isinstance(error, ContractReverted):
            reason = render_revert(error)
            named = blame(error, operations) if len(operations) > 1 else None
            if named is not None:
                culprits = {op.id for op in named}
                return sorted(culprits), [i for i in everyone if i not in culprits], reason
            if len(operations) <= 1 or tx.function not in ("mintBatch", "revokeBatch"):
                return everyone, [], reason
        elif receipt.gas_used >= tx.gas_limit:
            reason = f"out of gas ({receipt.gas_used} of {tx.gas_limit})"
        else:
            reason = "reverted; the reason no longer reproduces"
        # Nothing names an item: retry the batch (its pre-flight will bisect), a few times.
        tired = [op.id for op in operations if op.attempts >= self.config.max_attempts]
        return tired, [i for i in everyone if i not in tired], reason

    # ------------------------------------------------------------------ reorgs

    def _watch_settled(self, head: BlockRef, progress: Progress) -> None:
        """Settled transactions whose block left the canonical chain. One read per new head:
        the hashes chain, so if the highest settled block is canonical, all below are."""
        if head.hash == self._watched_head:
            return
        since = head.number - self.config.reorg_window
        settled = self.ledger.settled_since(self.chain.address, since)
        if settled:
            top = max(settled, key=lambda t: t.block_number or 0)
            if self._left_chain(top):
                for tx in settled:
                    if self._left_chain(tx):
                        self._reorged(tx, progress)
        self._watched_head = head.hash

    def _reorged(self, tx: TxRecord, progress: Progress) -> None:
        _log.warning("block %s of nonce %d left the chain (reorg)", tx.block_hash, tx.nonce)
        progress.reorged += 1
        was_failed = tx.state == "failed"
        self.ledger.unmine(tx.id)
        receipt = self._receipt(tx)
        if receipt is not None:
            return  # mined again in the new chain: the next round records it there
        if self._nonce() > tx.nonce:
            return  # the nonce went to another transaction: the next round marks it lost
        if was_failed:
            # Its operations are final already; keep the nonce without repeating the call.
            self.send(self.ledger.replace_with_noop(tx.id, self._noop(tx), ""), progress)
            return
        newer = self._new_version(tx, note="re-sent after a reorg", progress=progress)
        if newer is not None:
            self.send(newer, progress)

    # ------------------------------------------------------------------ helpers

    def _reject(self, tx: TxRecord, rejected: TxRejected, progress: Progress) -> None:
        if tx.previous_hashes:
            # An earlier version may still mine; keep following it.
            self.ledger.mark_sent(tx.id, self.now())
            progress.notes.append(f"a new version of nonce {tx.nonce} was refused")
            return
        _log.error("nonce %d refused for good (%s): operations failed", tx.nonce, rejected)
        progress.failed += len(tx.operation_ids)
        self.ledger.replace_with_noop(tx.id, self._noop(tx), str(rejected))

    def _noop(self, tx: TxRecord) -> SignedTx:
        fees = self.chain.fees()
        priority = max(bumped_fee(tx.max_priority_fee_per_gas), fees.priority_fee)
        return self.chain.sign(
            UnsignedTx(
                chain_id=self.chain.chain_id,
                nonce=tx.nonce,
                to=self.chain.address,
                data=b"",
                gas=_NOOP_GAS,
                max_fee_per_gas=max(bumped_fee(tx.max_fee_per_gas), 2 * fees.base_fee + priority),
                max_priority_fee_per_gas=priority,
            )
        )

    def park(self, reason: str, need: int, progress: Progress) -> None:
        """Stop new transactions until the balance exceeds ``need`` wei."""
        self.ledger.park(self.chain.address, reason)
        self.parked, self.parked_need = True, need
        progress.parked = reason
        _log.warning("signer %s parked: %s", self.chain.address, reason)

    def _left_chain(self, tx: TxRecord) -> bool:
        """Whether the block the transaction was mined in is no longer canonical. A block
        beyond the head of this endpoint (a lagging node behind a load balancer) proves
        nothing yet."""
        canonical = self.chain.block_hash(tx.block_number or 0)
        return canonical is not None and canonical != tx.block_hash

    def _receipt(self, tx: TxRecord) -> Receipt | None:
        for tx_hash in tx.hashes:
            receipt = self.chain.receipt(tx_hash)
            if receipt is not None:
                return receipt
        return None

    def _nonce(self) -> int:
        if self._chain_nonce is None:
            self._chain_nonce = self.chain.nonce()
        return self._chain_nonce
