"""Turning queued operations into registry calls, and reverts into blame.

A ``mintBatch`` is all or nothing, so the worker pre-flights it (``eth_estimateGas``) and
takes the items a revert names out of it (marking them failed) until the rest goes through.
Revocations of one institution with one reason go out together as a ``revokeBatch`` (8,952
gas per credential in a batch of 100 against 32,431 for a lone ``revoke``), pre-flighted the
same way.
Pure functions over the ports; the worker (``pipeline.py``) decides when to call them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from eth_utils.address import is_address, to_checksum_address

from chaincred.domain.onchain import BurnAuth, Reason
from chaincred.errors import ContractReverted
from chaincred.ports.pipeline import ChainSender, PendingOp

__all__ = [
    "BATCH_WIDE_ERRORS",
    "Call",
    "Preflight",
    "blame",
    "change_call",
    "due_mint_group",
    "preflight_mints",
    "preflight_revokes",
    "render_revert",
    "revoke_group",
]

#: Reverts that concern the sender, not an item: every item of the batch fails with them.
BATCH_WIDE_ERRORS = frozenset(
    {"ChainCredNotAnIssuer", "ChainCredInstitutionInactive", "ChainCredBadBatch"}
)
#: Reverts of a lifecycle change whose first argument is the token it acts on.
_TARGET_ERRORS = frozenset(
    {"ChainCredInvalidStatus", "ERC721NonexistentToken", "ChainCredNotTokenIssuer"}
)
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_ZERO_ADDRESS = "0x" + "0" * 40


@dataclass(frozen=True)
class Call:
    """A registry call ready to sign: its calldata, gas estimate and operations."""

    function: str
    data: bytes
    gas: int
    operation_ids: tuple[int, ...]


@dataclass(frozen=True)
class Preflight:
    """The outcome of pre-flighting a batch: the call for the items that pass (None when none
    does), the items failed with their reasons, and the items put back for a later batch."""

    call: Call | None
    failed: tuple[tuple[PendingOp, str], ...]
    deferred: tuple[PendingOp, ...] = ()


def render_revert(error: ContractReverted) -> str:
    """``ChainCredAlreadyIssued(0x…64 hex…)``: 256-bit values as the 0x-hex token ids the
    database stores, small numbers in decimal, addresses as given."""
    return f"{error.error}({', '.join(_render(a) for a in error.args_)})"


def _render(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"0x{value:064x}" if value >= 2**64 else str(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and is_address(value):
        return str(to_checksum_address(value))
    return str(value)


def blame(error: ContractReverted, items: Sequence[PendingOp]) -> list[PendingOp] | None:
    """The items ``error`` is about; None when it names none of them (the caller bisects)."""
    name, args = error.error, error.args_
    if name in BATCH_WIDE_ERRORS:
        return list(items)
    if name == "ChainCredAlreadyIssued" and args:
        culprits = [op for op in items if op.token_id == args[0]]
    elif name in _TARGET_ERRORS and args:  # a revocation of a batch names its token
        culprits = [op for op in items if op.target_token_id == args[0]]
    elif name == "ChainCredZeroDigest":
        culprits = [op for op in items if op.token_id == 0]
    elif name == "ERC721InvalidReceiver" and args:
        culprits = [op for op in items if op.recipient.lower() == str(args[0]).lower()]
    else:
        return None
    return culprits or None


def burn_auth_of(op: PendingOp) -> BurnAuth | None:
    value = op.payload.get("burn_auth", "owner_only")
    try:
        return BurnAuth[str(value).upper()]
    except KeyError:
        return None


def due_mint_group(
    mints: Sequence[PendingOp], *, batch_size: int, interval: float, now: datetime
) -> list[PendingOp]:
    """The first batch worth sending: queued mints of one institution with one burn authority
    (``mintBatch`` takes one), in queue order — full, or holding an item older than
    ``interval`` seconds. Empty when every group is still filling."""
    groups: dict[tuple[int, str], list[PendingOp]] = {}
    for op in mints:
        key = (op.institution_id, str(op.payload.get("burn_auth", "owner_only")))
        groups.setdefault(key, []).append(op)
    for group in groups.values():
        batch = group[:batch_size]
        age = (now - batch[0].created_at).total_seconds()  # the API's clock vs ours
        if len(batch) == batch_size or interval <= 0 or age >= interval:
            return batch
    return []


def preflight_mints(chain: ChainSender, items: Sequence[PendingOp]) -> Preflight:
    """Estimate ``mintBatch`` for ``items``, taking out what reverts until the rest passes and
    fits the per-transaction gas cap (the second half of a batch above it waits)."""
    failed: list[tuple[PendingOp, str]] = []
    remaining: list[PendingOp] = []
    for op in items:
        problem = _invalid_mint(op)
        if problem:
            failed.append((op, problem))
        else:
            remaining.append(op)
    deferred: list[PendingOp] = []
    while remaining:
        data = _mint_batch_data(chain, remaining)
        try:
            gas = chain.estimate(data)
        except ContractReverted as error:
            culprits = blame(error, remaining)
            if culprits is None:
                culprits_with_errors = _bisect(chain, remaining, error)
            else:
                reason = render_revert(error)
                culprits_with_errors = [(op, reason) for op in culprits]
            failed.extend(culprits_with_errors)
            gone = {op.id for op, _ in culprits_with_errors}
            remaining = [op for op in remaining if op.id not in gone]
            continue
        if gas > chain.gas_cap and len(remaining) > 1:
            half = len(remaining) // 2
            deferred = remaining[half:] + deferred
            remaining = remaining[:half]
            continue
        ids = tuple(op.id for op in remaining)
        return Preflight(Call("mintBatch", data, gas, ids), tuple(failed), tuple(deferred))
    return Preflight(None, tuple(failed), tuple(deferred))


def _invalid_mint(op: PendingOp) -> str | None:
    if burn_auth_of(op) is None:
        return f"invalid payload: unknown burn_auth {op.payload.get('burn_auth')!r}"
    if not _ADDRESS.match(op.recipient):
        return f"invalid recipient {op.recipient!r}: not a 0x-prefixed 20-byte address"
    return None


def _mint_batch_data(chain: ChainSender, items: Sequence[PendingOp]) -> bytes:
    auth = burn_auth_of(items[0])
    assert auth is not None  # _invalid_mint took the others out
    recipients = [op.recipient for op in items]
    return chain.encode("mintBatch", recipients, [op.token_id for op in items], int(auth))


def _bisect(
    chain: ChainSender, items: Sequence[PendingOp], error: ContractReverted
) -> list[tuple[PendingOp, str]]:
    """A revert that names no item: pre-flight halves until single items carry the blame."""
    if len(items) == 1:
        return [(items[0], render_revert(error))]
    half = len(items) // 2
    culprits: list[tuple[PendingOp, str]] = []
    for part in (items[:half], items[half:]):
        try:
            chain.estimate(_mint_batch_data(chain, part))
        except ContractReverted as part_error:
            named = blame(part_error, part)
            if named is None:
                culprits.extend(_bisect(chain, part, part_error))
            else:
                culprits.extend((op, render_revert(part_error)) for op in named)
    return culprits


def change_call(chain: ChainSender, op: PendingOp) -> tuple[str, bytes] | str:
    """The registry call of a lifecycle operation, or why its payload cannot make one."""
    target = op.target_token_id
    if target is None:
        return f"{op.kind}: the credential it acts on is unknown"
    if op.kind in ("revoke", "suspend"):
        try:
            reason = Reason[str(op.payload.get("reason", "")).upper()]
        except KeyError:
            return f"invalid payload: unknown reason {op.payload.get('reason')!r}"
        return op.kind, chain.encode(op.kind, target, int(reason))
    if op.kind == "reinstate":
        return "reinstate", chain.encode("reinstate", target)
    if op.kind == "supersede":
        if not _ADDRESS.match(op.recipient) or op.recipient == _ZERO_ADDRESS:
            return f"invalid recipient {op.recipient!r}"
        return "supersede", chain.encode("supersede", target, op.token_id, op.recipient)
    return f"unknown operation kind {op.kind!r}"


def revoke_group(ready: Sequence[PendingOp], *, limit: int) -> list[PendingOp]:
    """The revocations that go out together with ``ready[0]`` (a revocation whose credential
    is confirmed and not waiting on another change): the ready revocations of its institution
    with its reason, oldest first, at most ``limit``. ``revokeBatch`` takes one reason."""
    first = ready[0]
    reason = first.payload.get("reason")
    return [
        op
        for op in ready
        if op.kind == "revoke"
        and op.institution_id == first.institution_id
        and op.payload.get("reason") == reason
    ][:limit]


def preflight_revokes(chain: ChainSender, group: Sequence[PendingOp]) -> Preflight:
    """Estimate ``revokeBatch`` for ``group``, failing the revocations a revert names until the
    rest passes. No call when fewer than two remain, or a revert names no item, or the batch
    is above the gas cap: the first revocation then goes alone (its own pre-flight tells)."""
    remaining = list(group)
    failed: list[tuple[PendingOp, str]] = []
    while len(remaining) > 1:
        try:
            reason = Reason[str(remaining[0].payload.get("reason", "")).upper()]
        except KeyError:
            break  # change_call fails it with the precise message
        targets = [op.target_token_id for op in remaining]
        data = chain.encode("revokeBatch", targets, int(reason))
        try:
            gas = chain.estimate(data)
        except ContractReverted as error:
            named = blame(error, remaining)
            if named is None or error.error in BATCH_WIDE_ERRORS:
                break
            failed.extend((op, render_revert(error)) for op in named)
            gone = {op.id for op in named}
            remaining = [op for op in remaining if op.id not in gone]
            continue
        if gas > chain.gas_cap:
            break
        call = Call("revokeBatch", data, gas, tuple(op.id for op in remaining))
        return Preflight(call, tuple(failed), ())
    return Preflight(None, tuple(failed))
