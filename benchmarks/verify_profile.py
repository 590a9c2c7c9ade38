"""Where the bulk verification time goes: one cProfile run, cut into disjoint phases.

Split from ``benchmarks/verify_report.py`` to keep each module short.
"""

from __future__ import annotations

import cProfile
import os
import pstats
from dataclasses import dataclass
from typing import Any

Key = tuple[str, int, str]  # pstats' (file, line, function)

#: The bulk path, top-down, as disjoint phases: (name, function, caller or None for "from
#: anywhere"). A "rest of" row is what its function leaves once the rows nested inside it are
#: taken out: those listed after the row named in NESTED_AFTER.
Where = tuple[str, str | None]  # (file suffix, function name or None for any in the file)

PHASES: tuple[tuple[str, Where, Where | None], ...] = (
    ("JSON parse of each file (parse_json)", ("domain/jsontext.py", "parse_json"),
     ("benchmarks/verify.py", None)),
    ("cohort key: the shared members marshalled (CohortReader._split)",
     ("domain/cohort.py", "_split"), ("domain/cohort.py", "parse")),
    ("a cohort's first document, in full (parse_document)", ("domain/parsing.py",
     "parse_document"), ("domain/cohort.py", "parse")),
    ("validation of the rest, the shared members standing in (pydantic)",
     ("pydantic/main.py", "model_validate"), ("domain/cohort.py", "_short_road")),
    ("claim values (check_claim_values)", ("domain/parsing.py", "check_claim_values"),
     ("domain/cohort.py", "_short_road")),
    ("canonical bytes joined from the members' (canonical_object)", ("domain/canonical.py",
     "canonical_object"), ("domain/cohort.py", "_short_road")),
    ("rest of the short road (own members rebuilt and canonicalized, SHA-256, anchor)",
     ("domain/cohort.py", "_short_road"), None),
    ("disclosure: salted commitments (verify_disclosure)", ("domain/disclosure.py",
     "verify_disclosure"), ("services/verify.py", "_local_checks")),
    ("rest of the local checks", ("services/verify.py", "_local_checks"), None),
    ("chain read (_read_chain: JSON-RPC batches, eth_abi decoding)",
     ("services/verify.py", "_read_chain"), None),
    ("checks and reports (_report)", ("services/verify.py", "_report"), None),
)  # fmt: skip

#: For each "rest of" row, the row after which the rows nested in its function begin.
NESTED_AFTER = {
    "rest of the short road (own members rebuilt and canonicalized, SHA-256, anchor)":
        "a cohort's first document, in full (parse_document)",
    "rest of the local checks": "JSON parse of each file (parse_json)",
}  # fmt: skip


@dataclass(frozen=True)
class Breakdown:
    """Where the bulk document path spends its time, from one cProfile run on ``sample``."""

    sample: int
    seconds: float  # profiled wall time of the whole sample
    phases: list[tuple[str, float]]  # disjoint; "other" last
    canonical_calls: int  # canonical_bytes calls, every caller
    canonical_seconds: float
    pydantic_seconds: float  # pydantic-core's validate_python, every caller

    def to_json(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "profiled_seconds": round(self.seconds, 6),
            "phases": [
                {"phase": name, "share": round(s / self.seconds, 4), "seconds": round(s, 6)}
                for name, s in self.phases
            ],
            "canonical_bytes_calls_per_credential": round(self.canonical_calls / self.sample, 1),
            "canonical_bytes_share": round(self.canonical_seconds / self.seconds, 4),
            "pydantic_share": round(self.pydantic_seconds / self.seconds, 4),
        }


def _find(stats: dict[Key, Any], where: Where) -> list[Key]:
    suffix, name = where
    return [k for k in stats if name in (None, k[2]) and k[0].replace(os.sep, "/").endswith(suffix)]


def _cumulative(stats: dict[Key, Any], where: Where, caller: Where | None) -> float:
    """Cumulative seconds of ``where``, counting only calls from ``caller`` when given."""
    total = 0.0
    for key in _find(stats, where):
        if caller is None:
            total += stats[key][3]
            continue
        callers = set(_find(stats, caller))
        total += sum(v[3] for k, v in stats[key][4].items() if k in callers)
    return total


def _called(stats: dict[Key, Any], where: Where, caller: Where | None) -> bool:
    callers = None if caller is None else set(_find(stats, caller))
    return any(callers is None or callers & set(stats[key][4]) for key in _find(stats, where))


def breakdown_of(profiler: cProfile.Profile, sample: int) -> Breakdown:
    stats: dict[Key, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    wall = sum(v[2] for v in stats.values())  # every function's own time
    raw = [  # a function the code no longer calls there gets no row
        (name, _cumulative(stats, where, caller))
        for name, where, caller in PHASES
        if _called(stats, where, caller)
    ]
    phases: list[tuple[str, float]] = []
    for name, seconds in raw:
        if name in NESTED_AFTER:
            names = [n for n, _ in phases]
            first = names.index(NESTED_AFTER[name]) + 1 if NESTED_AFTER[name] in names else 0
            seconds -= sum(s for _, s in phases[first:])
        phases.append((name, seconds))
    phases.append(("other (reader set-up, list building, …)", wall - sum(s for _, s in phases)))
    canonical = _find(stats, ("domain/canonical.py", "canonical_bytes"))
    validators = [k for k in stats if k[2].startswith("<method 'validate_python'")]
    return Breakdown(
        sample,
        wall,
        phases,
        canonical_calls=sum(stats[k][1] for k in canonical),
        canonical_seconds=sum(stats[k][3] for k in canonical),
        pydantic_seconds=sum(stats[k][3] for k in validators),
    )
