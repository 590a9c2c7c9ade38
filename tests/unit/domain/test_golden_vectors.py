"""The golden vectors in tests/data: the checked-in files equal what the code computes now
(drift test), and their numbers check out by independent computation."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chaincred.domain import canonical_bytes, parse_document, verify_disclosure

from .factories import DATA, VECTOR_NAMES, load_expected, load_vector
from .test_digest import solidity_style_cid

SCRIPT = DATA.parents[1] / "scripts" / "make_golden_vectors.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_golden_vectors", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_vectors_equal_what_the_code_computes_now() -> None:
    # On failure, if the change is intended: .venv/bin/python scripts/make_golden_vectors.py
    outputs: dict[Path, str] = _generator().build_outputs()
    assert {p.name for p in outputs} == {
        *(f"{n}.json" for n in VECTOR_NAMES),
        *(f"{n}.expected.json" for n in VECTOR_NAMES),
        "vectors.json",
    }
    for path, text in outputs.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} drifted"


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_vector_numbers_check_out_independently(name: str) -> None:
    raw, expected = load_vector(name), load_expected(name)
    public_bytes = bytes.fromhex(expected["canonical_public_part_hex"])
    assert canonical_bytes(raw["public"]) == public_bytes
    assert json.loads(public_bytes) == raw["public"]
    digest = hashlib.sha256(public_bytes).digest()
    assert expected["digest"] == "0x" + digest.hex()
    assert expected["token_id"] == raw["anchor"]["token_id"] == str(int.from_bytes(digest, "big"))
    assert expected["cid"] == solidity_style_cid(digest)
    assert expected["token_uri"] == "ipfs://" + expected["cid"]


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_vector_commitments_check_out_by_hand(name: str) -> None:
    raw, expected = load_vector(name), load_expected(name)
    for claim, opening in raw["claims"].items():
        preimage = json.dumps(
            [claim, opening["value"]], ensure_ascii=False, separators=(",", ":")
        ).encode()
        salt = bytes.fromhex(opening["salt"][2:])
        commitment = "0x" + hashlib.sha256(salt + preimage).hexdigest()
        assert expected["claim_commitments"][claim]["preimage_hex"] == preimage.hex()
        assert commitment == raw["public"]["claim_commitments"][claim]
        assert commitment == expected["claim_commitments"][claim]["commitment"]


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_vectors_parse_and_prove_all_their_claims(name: str) -> None:
    document = parse_document(load_vector(name))
    report = verify_disclosure(document)
    assert report.ok and not report.withheld
    assert set(report.proven) == set(load_expected(name)["claim_commitments"])


def test_vector_set_covers_the_cases_issue_2_asks_for() -> None:
    conformance = {n: load_expected(n)["conformance"] for n in VECTOR_NAMES}
    assert conformance["cmf-5ects-eqf6"] == {"cmf": True, "eu-council": True}
    assert conformance["nonformal-workshop"] == {"cmf": False, "eu-council": False}
    inputs: dict[str, Any] = json.loads((DATA / "inputs" / "unicode-nfc.json").read_text())
    title = inputs["achievement"]["title"]
    assert load_vector("unicode-nfc")["public"]["name"] != title  # the input was not NFC
    corrected = load_vector("cmf-5ects-eqf6-corrected")["public"]["supersedes"]
    assert corrected == load_expected("cmf-5ects-eqf6")["digest"]


def test_index_lists_every_vector_for_the_contract_tests() -> None:
    index = json.loads((DATA / "vectors.json").read_text(encoding="utf-8"))
    assert [v["name"] for v in index["vectors"]] == sorted(VECTOR_NAMES)
    for entry in index["vectors"]:
        expected = load_expected(entry["name"])
        assert entry["digest"] == expected["digest"]
        assert entry["token_uri"] == expected["token_uri"]
        assert (DATA / entry["document"]).is_file()


def test_the_worked_example_in_the_format_docs_matches_its_vector() -> None:
    docs = (DATA.parents[1] / "docs" / "credential-format.md").read_text(encoding="utf-8")
    expected = load_expected("cmf-5ects-eqf6")
    quoted = [expected[k] for k in ("digest", "token_id", "cid", "token_uri")]
    for claim in ("name", "date_of_birth"):
        quoted += [
            expected["claim_commitments"][claim]["salt"],
            expected["claim_commitments"][claim]["preimage_hex"],
            expected["claim_commitments"][claim]["commitment"],
        ]
    missing = [value for value in quoted if value not in docs]
    assert missing == [], "docs/credential-format.md §10 is out of date"
    size = len(bytes.fromhex(expected["canonical_public_part_hex"]))
    assert f"`canonical(public)` is {size} bytes" in docs
