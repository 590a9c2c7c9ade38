"""CohortReader: parse_document with a memory gives the same document or the same error.

The differential tests change every leaf of a document in turn (and re-anchor it, so that the
digest check does not hide the deeper ones) and compare the reader, primed with the cohort,
against parse_document.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chaincred.domain import (
    CredentialDocument,
    InvalidCredential,
    NotCanonicalizable,
    canonical_bytes,
    digest_of,
    document_json,
    parse_document,
    token_id_of,
)
from chaincred.domain import cohort as cohort_module
from chaincred.domain.cohort import PER_CREDENTIAL, CohortReader
from chaincred.domain.conformance import RuleSets
from chaincred.domain.document import build_public_part

from .factories import achievement, counting_salts, institution, issue, raw_document

SECOND_LEARNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def _learner(serial: int, **kwargs: Any) -> dict[str, Any]:
    """Another credential of the same cohort: its own recipient, time, salts and claims."""
    return raw_document(
        issue(
            recipient=SECOND_LEARNER,
            issued_at=datetime(2025, 7, 1 + serial, 9, 30, tzinfo=UTC),
            claims={"name": f"Learner {serial}", "student_id": f"s{serial:07d}"},
            salt_source=counting_salts(16 * serial + 7),
            **kwargs,
        )
    )


@pytest.fixture
def primed() -> CohortReader:
    """A reader that has read the cohort's first document the long way."""
    reader = CohortReader()
    reader.parse(_learner(0))
    return reader


def _outcome(parse: Any, raw: Any) -> tuple[str, Any]:
    try:
        document = parse(raw)
    except InvalidCredential as exc:
        return "refused", [(p.path, p.message) for p in exc.problems]
    assert isinstance(document, CredentialDocument)
    return "parsed", document_json(document)


def _reanchored(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with the token id its public part hashes to (when it can be hashed at all)."""
    with contextlib.suppress(InvalidCredential, NotCanonicalizable, TypeError, KeyError):
        raw["anchor"]["token_id"] = str(token_id_of(digest_of(raw["public"])))
    return raw


def test_a_second_learner_takes_the_short_road_to_the_same_document(
    primed: CohortReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _learner(1)
    expected = parse_document(copy.deepcopy(raw))
    long_roads: list[object] = []
    monkeypatch.setattr(
        cohort_module, "parse_document", lambda r: long_roads.append(r) or parse_document(r)
    )
    document = primed.parse(raw)
    assert long_roads == []
    assert document == expected
    assert document.public.canonical == expected.public.canonical
    assert document.token_id() == expected.token_id()


def test_a_new_cohort_is_read_the_long_way_and_then_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = CohortReader()
    long_roads: list[object] = []
    monkeypatch.setattr(
        cohort_module, "parse_document", lambda r: long_roads.append(r) or parse_document(r)
    )
    other = raw_document(issue(achievement(title="Another Course"), recipient=SECOND_LEARNER))
    for raw in (_learner(0), _learner(1), other, _learner(2)):
        reader.parse(raw)
    assert len(long_roads) == 2  # the first of each cohort


def test_the_oldest_cohort_is_forgotten_beyond_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = CohortReader(capacity=1)
    long_roads: list[object] = []
    monkeypatch.setattr(
        cohort_module, "parse_document", lambda r: long_roads.append(r) or parse_document(r)
    )
    other = raw_document(issue(achievement(title="Another Course"), recipient=SECOND_LEARNER))
    for raw in (_learner(0), other, _learner(1)):
        reader.parse(raw)
    assert len(long_roads) == 3


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every node's path, containers included, root excluded."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


_REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    0,
    1,
    1.0,
    5.5,
    "",
    "x",
    "Cafe\u0301",  # not NFC
    [],
    {},
    "0x" + "ab" * 32,
    "2025-07-02T09:30:00Z",
    "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",  # an address, not checksummed
)


def _changed(raw: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    changed = copy.deepcopy(raw)
    node = changed
    for key in path[:-1]:
        node = node[key]
    if new is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(new)
    return changed


_DELETE = object()


def _cases() -> Iterator[tuple[tuple[Any, ...], Any]]:
    raw = _learner(1)
    for path in _paths(raw):
        for new in (*_REPLACEMENTS, _DELETE):
            if new is _DELETE and isinstance(path[-1], int):
                continue
            yield path, new


@pytest.mark.parametrize("reanchor", [False, True], ids=["as-changed", "re-anchored"])
def test_every_changed_leaf_gets_the_same_answer_both_ways(
    primed: CohortReader, reanchor: bool
) -> None:
    raw = _learner(1)
    compared = 0
    for path, new in _cases():
        changed = _changed(raw, path, new)
        if reanchor:
            changed = _reanchored(changed)
        expected = _outcome(parse_document, copy.deepcopy(changed))
        assert _outcome(primed.parse, changed) == expected, (path, new)
        compared += 1
    assert compared > 1000


def test_added_members_get_the_same_answer_both_ways(primed: CohortReader) -> None:
    raw = _learner(1)
    for path in ((), *(p for p in _paths(raw) if isinstance(_at(raw, p), dict))):
        changed = copy.deepcopy(raw)
        _at(changed, path)["extra"] = "x"
        changed = _reanchored(changed)
        assert _outcome(primed.parse, changed) == _outcome(parse_document, changed), path


def _at(raw: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        raw = raw[key]
    return raw


def test_fewer_committed_claims_are_not_read_as_the_cohort(primed: CohortReader) -> None:
    """The EU report depends on which claims are committed to (learner identification needs
    the name), so a document that drops the name's commitment but keeps the cohort's report
    must be refused as parse_document refuses it."""
    raw = _learner(1)
    del raw["public"]["claim_commitments"]["name"]
    del raw["claims"]["name"]
    raw = _reanchored(raw)
    outcome = _outcome(primed.parse, raw)
    assert outcome == _outcome(parse_document, raw)
    assert outcome[0] == "refused"


def test_values_equal_in_python_but_not_in_json_are_not_the_cohort(primed: CohortReader) -> None:
    """``True == 1 == 1.0`` in Python; the cohort key tells them apart."""
    raw = _learner(1)
    for path in _paths(raw["public"]):
        value = _at(raw["public"], path)
        if isinstance(value, bool | int | float):
            for twin in (bool(value), int(value), float(value)):
                if type(twin) is type(value):
                    continue
                changed = _reanchored(_changed(raw, ("public", *path), twin))
                expected = _outcome(parse_document, copy.deepcopy(changed))
                assert _outcome(primed.parse, changed) == expected, (path, twin)


def test_python_values_that_are_not_json_get_the_same_answer(primed: CohortReader) -> None:
    raw = _learner(1)
    tupled = copy.deepcopy(raw)
    tupled["public"]["attributes"] = tuple(tupled["public"]["attributes"])
    int_key = copy.deepcopy(raw)
    int_key["public"]["achievement"][1] = "one"
    for changed in (tupled, _reanchored(int_key)):
        expected = _outcome(parse_document, copy.deepcopy(changed))
        assert _outcome(primed.parse, changed) == expected


def test_shared_members_follow_from_shared_facts_alone() -> None:
    """What the cohort reader relies on: changing the per-credential inputs of
    build_public_part moves no member outside PER_CREDENTIAL."""
    ach, inst = achievement(), institution()
    names = {"name": "0x" + "11" * 32, "student_id": "0x" + "22" * 32}

    def shared(**own: Any) -> dict[str, bytes]:
        part = build_public_part(
            achievement=ach, institution=inst, commitments=names, rules=RuleSets(), **own
        )
        return {k: canonical_bytes(v) for k, v in part.to_json().items() if k not in PER_CREDENTIAL}

    base = shared(recipient=SECOND_LEARNER, issued_at="2025-06-30T12:00:00Z")
    assert base == shared(
        recipient="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        issued_at="2031-01-01T00:00:00Z",
        valid_until="2032-01-01T00:00:00Z",
        supersedes="0x" + "33" * 32,
    )
    assert {k for k in base} | PER_CREDENTIAL >= set(
        build_public_part(
            achievement=ach,
            institution=inst,
            commitments=names,
            rules=RuleSets(),
            recipient=SECOND_LEARNER,
            issued_at="2025-06-30T12:00:00Z",
            valid_until="2032-01-01T00:00:00Z",
            supersedes="0x" + "33" * 32,
        ).to_json()
    )


def test_json_text_round_trip_documents_take_the_short_road(
    primed: CohortReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents as a verifier receives them (parsed from text, key order and all) hit."""
    long_roads: list[object] = []
    monkeypatch.setattr(
        cohort_module, "parse_document", lambda r: long_roads.append(r) or parse_document(r)
    )
    for serial in range(2, 6):
        primed.parse(json.loads(json.dumps(_learner(serial))))
    assert long_roads == []


def test_an_empty_member_written_out_is_refused_as_parse_document_refuses_it() -> None:
    """A cohort that commits to no claims omits ``claim_commitments``; writing it as ``{}``
    changes nothing the models see, only the bytes: the rebuilt members must catch it."""
    reader = CohortReader()
    reader.parse(raw_document(issue(claims={})))
    raw = raw_document(issue(claims={}, recipient=SECOND_LEARNER))
    raw["public"]["claim_commitments"] = {}
    raw = _reanchored(raw)
    outcome = _outcome(reader.parse, raw)
    assert outcome == _outcome(parse_document, raw)
    assert outcome == ("refused", [(("public", "claim_commitments"), _OMIT)])


_OMIT = "must be omitted (absent values and empty lists are left out, never written as null or [])"
