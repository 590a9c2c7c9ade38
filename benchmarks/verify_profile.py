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
#: anywhere"). The two "rest of" rows are what their function leaves once the rows listed
#: before them (all nested inside it) are taken out.
Where = tuple[str, str | None]  # (file suffix, function name or None for any in the file)

PHASES: tuple[tuple[str, Where, Where | None], ...] = (
    ("JSON parse of each file (json.loads)", ("json/__init__.py", "loads"),
     ("benchmarks/verify.py", None)),
    ("schema validation (pydantic, validate_model)", ("domain/validation.py", "validate_model"),
     ("domain/parsing.py", "parse_document")),
    ("RFC 8785 check of the public part (canonical_bytes)", ("domain/canonical.py",
     "canonical_bytes"), ("domain/parsing.py", "parse_document")),
    ("claim values (_check_claim_values)", ("domain/parsing.py", "_check_claim_values"),
     ("domain/parsing.py", "parse_document")),
    ("derived public part rebuilt, compared leaf by leaf (_check_derived)",
     ("domain/parsing.py", "_check_derived"), ("domain/parsing.py", "parse_document")),
    ("digest of the public part (digest_of: RFC 8785 + SHA-256)", ("domain/digest.py",
     "digest_of"), ("domain/parsing.py", "parse_document")),
    ("SHA-256 of the canonical bytes (sha256_digest)", ("domain/digest.py", "sha256_digest"),
     ("domain/parsing.py", "parse_document")),
    ("rest of parse_document", ("domain/parsing.py", "parse_document"), None),
    ("token id again from the model (CredentialDocument.token_id: to_json + RFC 8785 + SHA-256)",
     ("domain/document.py", "token_id"), ("services/verify.py", "_local_checks")),
    ("disclosure: salted commitments (verify_disclosure)", ("domain/disclosure.py",
     "verify_disclosure"), ("services/verify.py", "_local_checks")),
    ("rest of the local checks", ("services/verify.py", "_local_checks"), None),
    ("chain read (_read_chain: JSON-RPC batches, eth_abi decoding)",
     ("services/verify.py", "_read_chain"), None),
    ("checks and reports (_report)", ("services/verify.py", "_report"), None),
)  # fmt: skip


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
        if name.startswith("rest of "):
            seconds -= sum(s for _, s in phases[1:])  # everything after the JSON parse
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
