"""The signer worker: drains the outbox into transactions of one key, until they count.

One round (:meth:`SignerWorker.round`):

1. follow the open transactions (``pipeline_tracking.Tracker``): send what is signed, record
   receipts, re-broadcast the dropped, bump the stuck, re-send what a reorg removed, confirm at
   depth;
2. while fewer than ``max_in_flight`` are open: take the next piece of work — a ready lifecycle
   operation (ready revocations of one institution and reason together, as a ``revokeBatch``),
   else a due ``mintBatch`` of one institution — pre-flight it (a revert fails the
   item it names, never the rest), check the balance (short: park, operations stay queued),
   then in ONE database transaction take the nonce from the signer's counter, sign, store the
   raw bytes and link the operations; only then send.

Every step is durable before the next one starts, so killing the process anywhere and
starting it again loses nothing and sends nothing twice (the nonce sees to the latter).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from chaincred.errors import ChainUnavailable, ContractReverted
from chaincred.ports.pipeline import (
    ChainSender,
    ClaimConflict,
    LedgerUnavailable,
    OutboxLedger,
    PendingOp,
    SignedTx,
    TxRecord,
    UnsignedTx,
)
from chaincred.services.pipeline_calls import (
    Call,
    change_call,
    due_mint_group,
    preflight_mints,
    preflight_revokes,
    render_revert,
    revoke_group,
)
from chaincred.services.pipeline_config import (
    Fault,
    PipelineConfig,
    Progress,
    no_fault,
)
from chaincred.services.pipeline_tracking import Tracker

__all__ = ["SignerWorker", "run_loop", "utc_now"]

_log = logging.getLogger("chaincred.pipeline")


def utc_now() -> datetime:
    return datetime.now(UTC)


class SignerWorker:
    """The one worker of one signing key (the ledger's signer lock keeps it the only one)."""

    def __init__(
        self,
        *,
        ledger: OutboxLedger,
        chain: ChainSender,
        config: PipelineConfig = PipelineConfig(),  # noqa: B008 - frozen
        now: Callable[[], datetime] = utc_now,
        fault: Fault = no_fault,
    ) -> None:
        self.ledger = ledger
        self.chain = chain
        self.config = config
        self.now = now
        self.fault = fault
        self.tracker = Tracker(ledger=ledger, chain=chain, config=config, now=now, fault=fault)
        self.active = False
        #: The institution the key signs for on chain (0: none), read at start and again
        #: before each mint batch: a mint sent for another institution would be issued in
        #: the name of the key's institution.
        self.signs_for = 0

    @property
    def address(self) -> str:
        return self.chain.address

    @property
    def institutions(self) -> frozenset[int]:
        """Whose operations this worker sends: the configured institutions, else the one its
        key signs for."""
        if self.config.institutions is not None:
            return self.config.institutions
        return frozenset({self.signs_for}) if self.signs_for else frozenset()

    def start(self) -> bool:
        """Take the signer lock and reconcile the nonce counter; False while another worker
        holds the key (this one stands by)."""
        if not self.ledger.acquire_signer(self.address):
            return False
        state = self.ledger.ensure_signer(self.address, self.chain.nonce())
        self.tracker.parked = state.parked_reason is not None
        self.signs_for = self.chain.institution()
        self.active = True
        _log.info(
            "signer %s (institution %d) active at nonce %d",
            self.address,
            self.signs_for,
            state.next_nonce,
        )
        if not self.signs_for and self.config.institutions is None:
            _log.warning(
                "%s signs for no institution in the registry: nothing to send until the "
                "registrar adds it (or --institution names one, whose operations then fail)",
                self.address,
            )
        return True

    def stop(self) -> None:
        if self.active:
            self.ledger.release_signer(self.address)
            self.active = False

    def round(self) -> Progress:
        """Follow the open transactions, then start new ones."""
        progress = Progress()
        if not (self.active and self.ledger.holds_signer(self.address)) and not self.start():
            self.active = False
            progress.standby = True
            return progress
        head = self.chain.head()
        if not self.signs_for and self.config.institutions is None:
            self.signs_for = self.chain.institution()  # registered since start?
        open_count = self.tracker.track(head, progress)
        if self.tracker.parked and not self._unpark(progress):
            return progress
        while open_count < self.config.max_in_flight:
            call = self._next_call(progress)
            if call is None:
                break
            tx = self._commit(call, progress)
            if tx is None:
                break
            self.fault("after_sign")
            self.tracker.send(tx, progress)
            open_count += 1
        return progress

    def idle(self) -> bool:
        """Started, with nothing open and nothing queued for this worker's institutions."""
        return self.active and not self.ledger.has_work(self.address, self.institutions)

    # ------------------------------------------------------------------ new work

    def _next_call(self, progress: Progress) -> Call | None:
        return self._next_change(progress) or self._next_mint_batch(progress)

    def _next_change(self, progress: Progress) -> Call | None:
        changes = self.ledger.queued_changes(self.institutions, self.config.changes_per_round)
        ready: list[PendingOp] = []
        for op in changes:
            if op.blocked or op.target_state in ("queued", "submitted"):
                continue  # its credential, or an earlier change of it, is still on the way
            if op.target_state != "confirmed":
                self._fail([op], f"{op.kind}: the credential was never issued", progress)
                continue
            ready.append(op)
        while ready:
            op = ready.pop(0)
            if op.kind == "revoke":
                group = revoke_group([op, *ready], limit=self.config.batch_size)
                if len(group) > 1:
                    checked = preflight_revokes(self.chain, group)
                    self._fail_each(checked.failed, progress)
                    if checked.call is not None:
                        return checked.call
                    gone = {failed.id for failed, _ in checked.failed}
                    ready = [other for other in ready if other.id not in gone]
                    if op.id in gone:
                        continue
            built = change_call(self.chain, op)
            if isinstance(built, str):
                self._fail([op], built, progress)
                continue
            function, data = built
            try:
                gas = self.chain.estimate(data)
            except ContractReverted as error:
                self._fail([op], render_revert(error), progress)
                continue
            return Call(function, data, gas, (op.id,))
        return None

    def _next_mint_batch(self, progress: Progress) -> Call | None:
        size = self.config.batch_size
        while True:
            mints = self.ledger.queued_mints(self.institutions, 2 * size)
            if not mints:
                return None
            self.signs_for = self.chain.institution()
            foreign = {op.institution_id for op in mints} - {self.signs_for}
            if self.signs_for and foreign:
                progress.notes.append(
                    f"mints of institution(s) {sorted(foreign)} wait: this key signs for "
                    f"institution {self.signs_for}"
                )
                mints = [op for op in mints if op.institution_id == self.signs_for]
            group = due_mint_group(
                mints, batch_size=size, interval=self.config.batch_interval, now=self.now()
            )
            if not group:
                return None
            checked = preflight_mints(self.chain, group)
            self._fail_each(checked.failed, progress)
            if checked.call is not None:
                return checked.call

    def _commit(self, call: Call, progress: Progress) -> TxRecord | None:
        fees = self.chain.fees()
        gas_limit = max(
            call.gas, min(math.ceil(call.gas * self.config.gas_margin), self.chain.gas_cap)
        )
        cost = gas_limit * fees.max_fee
        balance = self.chain.balance()
        if balance < cost:
            reason = (
                f"insufficient funds: balance {balance} wei, a {call.function} may cost "
                f"{cost} wei ({gas_limit} gas at {fees.max_fee} wei)"
            )
            self.tracker.park(reason, cost, progress)
            return None
        self.fault("before_claim")

        def sign(nonce: int) -> SignedTx:
            return self.chain.sign(
                UnsignedTx(
                    chain_id=self.chain.chain_id,
                    nonce=nonce,
                    to=self.chain.contract,
                    data=call.data,
                    gas=gas_limit,
                    max_fee_per_gas=fees.max_fee,
                    max_priority_fee_per_gas=fees.priority_fee,
                )
            )

        try:
            return self.ledger.commit_signed(self.address, call.operation_ids, call.function, sign)
        except ClaimConflict as conflict:
            progress.notes.append(str(conflict))
            return None

    def _unpark(self, progress: Progress) -> bool:
        # The need is known when this process parked; after a restart, any balance is worth
        # a try (too little parks again, with the need known).
        need = self.tracker.parked_need
        balance = self.chain.balance()
        if balance <= need or balance == 0:
            progress.parked = f"insufficient funds: still parked at a balance of {balance} wei"
            return False
        self.ledger.unpark(self.address)
        self.tracker.parked = False
        _log.info("signer %s funded (%d wei): resuming", self.address, balance)
        return True

    def _fail_each(self, failed: Sequence[tuple[PendingOp, str]], progress: Progress) -> None:
        """Fail pre-flight's casualties, one ledger call per reason."""
        by_reason: dict[str, list[PendingOp]] = {}
        for op, reason in failed:
            by_reason.setdefault(reason, []).append(op)
        for reason, ops in by_reason.items():
            self._fail(ops, reason, progress)

    def _fail(self, ops: Sequence[PendingOp], reason: str, progress: Progress) -> None:
        self.ledger.fail_operations([op.id for op in ops], reason)
        progress.failed += len(ops)
        _log.warning("%d operation(s) failed: %s", len(ops), reason)


def run_loop(
    steps: Sequence[Callable[[], bool]],
    *,
    should_stop: Callable[[], bool],
    sleep: Callable[[float], object],
    poll: float = 0.2,
    backoff: tuple[float, float] = (0.5, 15.0),
) -> None:
    """Run ``steps`` (each returns whether it did something) until ``should_stop``; sleep
    ``poll`` seconds when nothing happened. A chain or database outage is waited out with
    exponential backoff: everything is durable, so retrying is always safe."""
    first, ceiling = backoff
    delay = first
    while not should_stop():
        try:
            busy = False
            for step in steps:
                busy = step() or busy
            delay = first
        except (ChainUnavailable, LedgerUnavailable) as outage:
            _log.warning("%s; retrying in %.1f s", outage, delay)
            sleep(delay)
            delay = min(delay * 2, ceiling)
            continue
        if not busy:
            sleep(poll)
