"""Generate the golden credential vectors in tests/data/ from tests/data/inputs/*.json.

For each input (an achievement, an institution, a recipient, personal claims with *fixed*
salts, an issued-at time, a chain anchor and optionally rule-set choices) this writes

- ``tests/data/<name>.json``: the full credential document (docs/credential-format.md);
- ``tests/data/<name>.expected.json``: its canonical public-part bytes (hex), digest, token id,
  CID, token URI, badge CID, and for each claim the salt, the commitment preimage and the
  commitment;

and ``tests/data/vectors.json``, the index the contract tests read (digest and token URI of
every vector). ``--check`` writes nothing and exits 1 if any file differs from what the code
computes now (tests/unit/domain/test_golden_vectors.py runs the same comparison).

Usage: .venv/bin/python scripts/make_golden_vectors.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from chaincred.domain import (
    CLAIM_NAMES,
    CredentialDocument,
    RuleSets,
    badge_of,
    canonical_bytes,
    cid_of,
    cid_of_bytes,
    claim_preimage,
    digest_from_hex,
    digest_hex,
    document_json,
    issue_document,
    parse_achievement,
    parse_json,
)
from chaincred.domain.conformance import CMF_RULE_SETS
from chaincred.domain.credential import Institution

GENERATED_BY = "scripts/make_golden_vectors.py"
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
INPUTS = DATA / "inputs"


def load_inputs() -> dict[str, dict[str, Any]]:
    """Every vector input by name (the file stem), in name order."""
    return {p.stem: parse_json(p.read_bytes()) for p in sorted(INPUTS.glob("*.json"))}


def issue_vector(spec: Mapping[str, Any], supersedes: str | None) -> CredentialDocument:
    """The document of one input; its salts are the fixed ones the input lists."""
    claims: Mapping[str, str] = spec["claims"]
    if set(spec["salts"]) != set(claims):
        raise SystemExit(f"salts and claims name different fields: {sorted(spec['salts'])}")
    # issue_document draws one salt per present claim, in vocabulary order.
    ordered = iter(bytes.fromhex(spec["salts"][n][2:]) for n in CLAIM_NAMES if n in claims)
    valid_until = spec.get("valid_until")
    return issue_document(
        parse_achievement(spec["achievement"]),
        institution=Institution.model_validate(spec["institution"]),
        recipient=spec["recipient"],
        claims=claims,
        issued_at=datetime.fromisoformat(spec["issued_at"]),
        valid_until=datetime.fromisoformat(valid_until) if valid_until else None,
        supersedes=digest_from_hex(supersedes) if supersedes else None,
        chain_id=spec["chain_id"],
        contract=spec["contract"],
        rules=_rules(spec.get("rules", {})),
        salt_source=lambda: next(ordered),
    )


def _rules(choice: Mapping[str, Any]) -> RuleSets:
    cmf = CMF_RULE_SETS[choice.get("cmf", "cmf-2019")]
    if "hours_per_ects" in choice:
        cmf = cmf.with_hours_per_ects(*choice["hours_per_ects"])
    return RuleSets(cmf=cmf)


def expected_of(name: str, spec: Mapping[str, Any], document: CredentialDocument) -> dict[str, Any]:
    public = canonical_bytes(document.public.to_json())
    digest = document.digest()
    badge = badge_of(document)
    commitments = {}
    for claim, opening in document.claims.items():
        preimage = claim_preimage(claim, opening.value)
        commitments[claim] = {
            "value": opening.value,
            "salt": opening.salt,
            "preimage_hex": preimage.hex(),
            "commitment": document.public.claim_commitments[claim],
        }
    return {
        "generated_by": GENERATED_BY,
        "about": spec["about"],
        "document": f"{name}.json",
        "canonical_public_part_hex": public.hex(),
        "canonical_public_part_sha256": "0x" + hashlib.sha256(public).hexdigest(),
        "digest": digest_hex(digest),
        "token_id": str(document.token_id()),
        "cid": cid_of(digest),
        "token_uri": document.token_uri(),
        "image": {
            "cid": cid_of_bytes(badge),
            "svg_sha256": "0x" + hashlib.sha256(badge).hexdigest(),
        },
        "claim_commitments": commitments,
        "conformance": {r.framework: r.conforms for r in document.public.conformance},
    }


def _in_dependency_order(inputs: Mapping[str, Mapping[str, Any]]) -> Iterator[str]:
    done: set[str] = set()

    def visit(name: str) -> Iterator[str]:
        if name not in done:
            done.add(name)
            target = inputs[name].get("supersedes_vector")
            if target:
                yield from visit(target)
            yield name

    for name in inputs:
        yield from visit(name)


def build_outputs() -> dict[Path, str]:
    """Every generated file's path and exact text."""
    inputs = load_inputs()
    outputs: dict[Path, str] = {}
    index: list[dict[str, Any]] = []
    digests: dict[str, str] = {}
    for name in _in_dependency_order(inputs):
        spec = inputs[name]
        document = issue_vector(spec, digests.get(spec.get("supersedes_vector", "")))
        expected = expected_of(name, spec, document)
        digests[name] = expected["digest"]
        outputs[DATA / f"{name}.json"] = _render(document_json(document))
        outputs[DATA / f"{name}.expected.json"] = _render(expected)
        index.append({k: expected[k] for k in ("document", "digest", "token_id", "token_uri")})
        index[-1] = {"name": name, **index[-1]}
    index.sort(key=lambda v: v["name"])
    outputs[DATA / "vectors.json"] = _render({"generated_by": GENERATED_BY, "vectors": index})
    return outputs


def _render(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    args = parser.parse_args(argv)
    stale = []
    for path, text in build_outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "differ from the code" if args.check else "written"
    for path in stale:
        print(f"{path.relative_to(DATA.parents[1])}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
