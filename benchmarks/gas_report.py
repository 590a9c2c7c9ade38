"""Presenting the gas benchmark: rows, cap figures, and the "Gas" section of docs/benchmarks.md.

No chain and no clock here: ``benchmarks/gas.py`` measures and passes the figures (and the
date) in. Split from it to keep each module short.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import docfile
from benchmarks.docfile import markers
from chaincred.adapters.chain import GAS_CAP
from chaincred.toolchain.artifact import load_artifact

SECTION = "gas"
BEGIN, END = markers(SECTION)

#: Per-credential targets of issue 6, keyed by (operation, batch size).
TARGETS: dict[tuple[str, int], int] = {
    ("mint", 1): 76_000,
    ("mintBatch", 100): 52_000,
    ("revoke", 1): 33_000,
    ("revokeBatch", 100): 9_000,
}


@dataclass(frozen=True)
class Row:
    """One operation measured on both contracts; gas figures are whole-transaction gasUsed."""

    operation: str
    batch: int
    gas_used: int
    baseline_gas_used: int
    breakdown: dict[str, int] | None = None  # chaincred's gasUsed by kind of cost

    @property
    def gas_per_credential(self) -> float:
        return round(self.gas_used / self.batch, 2)

    @property
    def baseline_gas_per_credential(self) -> float:
        return round(self.baseline_gas_used / self.batch, 2)

    @property
    def target(self) -> int | None:
        return TARGETS.get((self.operation, self.batch))

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.gas_per_credential <= self.target

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "batch": self.batch,
            "gas_per_credential": self.gas_per_credential,
            "baseline_gas_per_credential": self.baseline_gas_per_credential,
            "ratio": round(self.gas_used / self.baseline_gas_used, 4),
            "target": self.target,
            "met": self.met,
            "gas_used": self.gas_used,
            "baseline_gas_used": self.baseline_gas_used,
        }


@dataclass(frozen=True)
class Cap:
    """The largest batch of one operation that fits one transaction under EIP-7825."""

    operation: str
    largest: int
    gas_used: int  # the largest batch, mined
    next_estimate: int  # eth_estimateGas for one credential more


#: FIELD-NOTES' floor for an ERC-721 mint with id = digest (they add up with `Transfer` alone),
#: and the two events the soulbound standards add per token: ERC-5192 `Locked` (LOG1, one
#: word of data: 375 + 375 + 256) and ERC-5484 `Issued` (LOG4, one word: 375 + 4 * 375 + 256).
FLOOR_SINGLE, FLOOR_BATCH = 70_500, 47_500
SOULBOUND_EVENTS = 1_006 + 2_131
BREAKDOWN_KINDS = ("base", "calldata", "storage", "events", "other")


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    caps: list[Cap]
    deploy_gas: dict[str, int]
    anvil: str
    hardfork: str
    date: str


def _gas(value: float) -> str:
    return f"{value:,.0f}"


def _met(row: Row) -> str:
    if row.target is None:
        return "—"
    if row.met:
        return "met"
    over = row.gas_per_credential - row.target
    return f"missed by {_gas(over)} ({over / row.target:.1%})"


def render_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| operation | batch | chaincred gas/credential | baseline gas/credential | ratio "
        "| target | met |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        target = f"≤ {_gas(r.target)}" if r.target else "—"
        ratio = r.gas_used / r.baseline_gas_used
        lines.append(
            f"| `{r.operation}` | {r.batch} | {_gas(r.gas_per_credential)} "
            f"| {_gas(r.baseline_gas_per_credential)} | {ratio:.3f} | {target} | {_met(r)} |"
        )
    return lines


def render_caps(caps: Sequence[Cap]) -> list[str]:
    if not caps:
        return ["Not measured in this run (`--no-cap`)."]
    return [
        f"- `{c.operation}`: **{c.largest:,}** credentials in one transaction — mined, "
        f"{_gas(c.gas_used)} gas ({_gas(c.gas_used / c.largest)} per credential); "
        f"{c.largest + 1:,} would need {_gas(c.next_estimate)} (`eth_estimateGas`) and, mined "
        f"with a gas limit of 2^24 = {_gas(GAS_CAP)}, ran out of gas."
        for c in caps
    ]


def render_breakdown(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| operation | batch | tx base | calldata | storage | events | other execution | total |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        if r.breakdown is not None:
            cells = " | ".join(_gas(r.breakdown.get(k, 0) / r.batch) for k in BREAKDOWN_KINDS)
            lines.append(
                f"| `{r.operation}` | {r.batch} | {cells} | {_gas(r.gas_per_credential)} |"
            )
    return lines


def _marginal(rows: Sequence[Row], operation: str) -> float | None:
    """Gas of one credential more in a batch, from the two largest batches measured."""
    sized = sorted((r for r in rows if r.operation == operation), key=lambda r: r.batch)
    if len(sized) < 2 or sized[-1].batch == sized[-2].batch:
        return None
    small, big = sized[-2], sized[-1]
    return (big.gas_used - small.gas_used) / (big.batch - small.batch)


MINT_PROSE = """\
A single `mint` costs {total}: the 21,000 transaction base, {calldata} of calldata, {storage} of
storage — two slots written from zero at a cold 22,100 each (20,000 + 2,100 cold access): the
token record (owner, institution, times, status, reason and burn authority share one word; the
digest is the token id, so it needs no slot of its own) and the fresh holder's balance; plus
one cold 2,100 read of the caller's signer entry, which authorizes the call — {events} for the
three events the standards require (ERC-721 `Transfer` 1,875, ERC-5192 `Locked` 1,006,
ERC-5484 `Issued` 2,131) and {other} of other execution. In a batch the transaction base and
the authorization are paid once; one credential more costs {marginal}.

FIELD-NOTES puts the floor of an ERC-721 mint with id = digest at ≈{floor_single} single and
≈{floor_batch} per token in large batches; those figures add up with the `Transfer` event
alone. The soulbound standards add `Locked` and `Issued`, {soulbound} gas per token, which puts
the floor at ≈{floor_single_sb} and ≈{floor_batch_sb}: chaincred's {single} (single) and
{batch} (batch of {size}) are {single_over:.1%} and {batch_over:.1%} above it.
"""

REVOKE_PROSE = """\
A single `revoke` costs {total}: the base, {calldata} of calldata, {storage} of storage — a
cold read (2,100) and a rewrite (2,900) of the token's existing record word, which holds status,
reason and time, plus the signer read (2,100) — and {events} for ERC-4906 `MetadataUpdate`
(1,006) and `CredentialRevoked` (1,381). In `revokeBatch` the base, the signer read and the
calldata head are shared. The baseline's revoke writes a new boolean slot from zero (22,100), so
it costs more although it stores neither reason nor time and checks nothing.
"""


def _parts(row: Row) -> dict[str, str]:
    parts = row.breakdown or {}
    return {"total": _gas(row.gas_used), **{k: _gas(parts.get(k, 0)) for k in BREAKDOWN_KINDS}}


def render_explanation(rows: Sequence[Row]) -> list[str]:
    mint = next(r for r in rows if r.operation == "mint")
    revoke = next(r for r in rows if r.operation == "revoke")
    batch = max((r for r in rows if r.operation == "mintBatch"), key=lambda r: r.batch)
    marginal = _marginal(rows, "mintBatch")
    floor_single, floor_batch = FLOOR_SINGLE + SOULBOUND_EVENTS, FLOOR_BATCH + SOULBOUND_EVENTS
    mint_text = MINT_PROSE.format(
        **_parts(mint),
        marginal=_gas(marginal) if marginal else "(not measured)",
        floor_single=_gas(FLOOR_SINGLE),
        floor_batch=_gas(FLOOR_BATCH),
        soulbound=_gas(SOULBOUND_EVENTS),
        floor_single_sb=_gas(round(floor_single, -2)),
        floor_batch_sb=_gas(round(floor_batch, -2)),
        single=_gas(mint.gas_per_credential),
        batch=_gas(batch.gas_per_credential),
        size=batch.batch,
        single_over=mint.gas_per_credential / floor_single - 1,
        batch_over=batch.gas_per_credential / floor_batch - 1,
    )
    return [mint_text, REVOKE_PROSE.format(**_parts(revoke))]


INTRO_PROSE = """\
_Written by `benchmarks/gas.py` on {date}; rerun the script rather than editing this section._

One command, `.venv/bin/python benchmarks/gas.py`: one fresh Anvil ({anvil}, hardfork
{hardfork}; Anvil does not enforce EIP-7825, the chain adapter does), ChainCred and the baseline
deployed in the same run, gas from receipts (`gasUsed`); per credential = gasUsed / batch size;
ratio = chaincred / baseline. Compiler, from `src/chaincred/artifacts/contracts.json`: solc
{solc}, optimizer {optimizer}, viaIR {via_ir}, EVM version {evm}.

Every mint goes to a fresh holder (`Account.create()`, never held anything), so its balance
slot is cold and zero — the realistic case for a cohort. Runs differ only there: a zero byte
in a random address is 4 gas of calldata instead of 16, so a mint moves by multiples of 12 gas
(digests are fixed SHA-256 values, so revocations repeat exactly). The baseline is
`contracts/baseline/BaselineCredential.sol`: OpenZeppelin `ERC721._mint` plus a
`tokenId → digest` mapping, with **sequential token ids** (1, 2, 3, …: cheaper calldata than
random ids, so the comparison favours the baseline); its batch is its own `mintBatch` loop; its
revoke sets a boolean and emits an event.
"""


def render_intro(report: Report) -> str:
    artifact = load_artifact()
    settings = artifact.settings
    optimizer = settings.get("optimizer", {})
    runs = optimizer.get("runs")
    return INTRO_PROSE.format(
        date=report.date,
        anvil=report.anvil,
        hardfork=report.hardfork,
        solc=artifact.compiler_version,
        optimizer=f"on, {runs:,} runs" if optimizer.get("enabled") else "off",
        via_ir="on" if settings.get("viaIR") else "off",
        evm=settings.get("evmVersion", "default"),
    )


def render_deployment(deploy_gas: dict[str, int]) -> list[str]:
    artifact = load_artifact()
    lines = [
        "| contract | deployment gas | runtime code | runtime code SHA-256 |",
        "|---|--:|--:|---|",
    ]
    for name, gas in deploy_gas.items():
        code = artifact.contract(name).deployed_bytecode
        digest = hashlib.sha256(code).hexdigest()[:16]
        lines.append(f"| {name} | {_gas(gas)} | {len(code):,} bytes | `{digest}…` |")
    return lines


def render_section(report: Report) -> str:
    lines = [
        "## Gas",
        "",
        render_intro(report),
        "### Per credential",
        "",
        *render_table(report.rows),
        "",
        "### Deployment",
        "",
        *render_deployment(report.deploy_gas),
        "",
        "### Largest batches under the 2^24 per-transaction gas cap (EIP-7825)",
        "",
        *render_caps(report.caps),
        "",
        "### Where the gas goes (chaincred, per credential, from `debug_traceCall`)",
        "",
        *render_breakdown(report.rows),
        "",
        "\n".join(render_explanation(report.rows)).rstrip(),
    ]
    return "\n".join(lines) + "\n"


# ====================================================================== the document


def rewrite_section(text: str, section: str) -> str:
    """``text`` with the gas section replaced, or appended when it has none yet."""
    return docfile.rewrite_section(text, SECTION, section)


def write_doc(path: Path, section: str) -> None:
    docfile.write_section(path, SECTION, section)
