"""Property tests: key order and whitespace never change the digest; any change of a value
does; NFC-equivalent inputs are one credential; salts are never reused; the shortcuts of
bulk verification (canonical bytes joined from members', claim preimages, EIP-55) write
exactly what the general functions write."""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Literal

import pytest
from eth_utils.address import is_checksum_address as eth_is_checksum_address
from eth_utils.address import to_checksum_address
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chaincred.domain import (
    MAX_SAFE_INTEGER,
    NotCanonicalizable,
    canonical_bytes,
    claim_preimage,
    commit,
    digest_of,
    document_json,
    parse_document,
    random_salt,
    verify_disclosure,
)
from chaincred.domain.addresses import checksum_address, is_checksum_address
from chaincred.domain.canonical import canonical_object

from .factories import DROP, achievement, issue, raw_document

_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

nfc_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12).map(
    lambda s: unicodedata.normalize("NFC", s)
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | nfc_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nfc_text, inner, max_size=4),
    max_leaves=20,
)
one_line_text = st.text(
    st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=40
).filter(str.strip)


def _reordered(value: Any, rnd: Any) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {k: _reordered(value[k], rnd) for k in keys}
    if isinstance(value, list):
        return [_reordered(v, rnd) for v in value]
    return value


layouts = st.sampled_from([(None, (",", ":")), (None, (", ", ": ")), (2, (",", ": ")), (7, None)])


@_FAST
@given(json_values, st.randoms(use_true_random=False), layouts)
def test_key_order_and_whitespace_never_change_canonical_bytes(
    value: Any, rnd: Any, layout: tuple[Any, Any]
) -> None:
    indent, separators = layout
    text = json.dumps(_reordered(value, rnd), indent=indent, separators=separators)
    assert canonical_bytes(json.loads(text)) == canonical_bytes(value)


@_FAST
@given(json_values)
def test_canonical_bytes_are_json_that_reads_back_as_the_same_value(value: Any) -> None:
    assert json.loads(canonical_bytes(value)) == value


_DOCUMENT = issue()
_PUBLIC = document_json(_DOCUMENT)["public"]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False), layouts)
def test_key_order_and_whitespace_never_change_a_documents_digest(
    rnd: Any, layout: tuple[Any, Any]
) -> None:
    indent, separators = layout
    text = json.dumps(
        _reordered(raw_document(_DOCUMENT), rnd),
        indent=indent,
        separators=separators,
        ensure_ascii=bool(rnd.getrandbits(1)),
    )
    assert parse_document(json.loads(text)).digest() == _DOCUMENT.digest()


@_FAST
@given(st.sampled_from(_leaves(_PUBLIC)), json_scalars)
def test_any_change_of_a_value_changes_the_digest(path: tuple[Any, ...], new: Any) -> None:
    changed = json.loads(json.dumps(_PUBLIC))
    node = changed
    for key in path[:-1]:
        node = node[key]
    assume(canonical_bytes(node[path[-1]]) != canonical_bytes(new))
    node[path[-1]] = new
    assert digest_of(changed) != _DOCUMENT.digest()


@_FAST
@given(one_line_text, one_line_text)
def test_nfc_equivalent_inputs_are_one_credential(title: str, name: str) -> None:
    def issued(form: Literal["NFC", "NFD"]) -> Any:
        ach = achievement(title=unicodedata.normalize(form, title))
        return issue(ach, claims={"name": unicodedata.normalize(form, name)})

    composed, decomposed = issued("NFC"), issued("NFD")
    assert composed.digest() == decomposed.digest()
    assert composed.claims == decomposed.claims


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(["name", "student_id", "grade", "date_of_birth"]), unique=True, min_size=1
    )
)
def test_salts_are_never_reused_across_claims_or_issuances(names: list[str]) -> None:
    values = {"name": "Ada", "student_id": "s1", "grade": "A", "date_of_birth": "2001-04-13"}
    claims = {n: values[n] for n in names}
    documents = [issue(claims=claims, salt_source=random_salt) for _ in range(3)]
    salts = [o.salt for d in documents for o in d.claims.values()]
    assert len(set(salts)) == len(salts) == 3 * len(names)
    assert len({d.digest() for d in documents}) == 3
    assert all(verify_disclosure(d).ok for d in documents)


@_FAST
@given(nfc_text, nfc_text, st.binary(min_size=16, max_size=16))
def test_a_commitment_opens_only_to_its_own_value(value: str, other: str, salt: bytes) -> None:
    assert claim_preimage("grade", value) == canonical_bytes(["grade", value])
    assume(value != other)
    assert commit("grade", value, salt) != commit("grade", other, salt)


@settings(max_examples=40, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "title": one_line_text,
            "ects": st.none() | st.integers(1, 60) | st.sampled_from([2.5, 4.5, 7.5]),
            "eqf_level": st.none() | st.integers(1, 8),
            "workload_hours": st.integers(1, 2000),
            "delivery_mode": st.sampled_from(["online", "on-site", "blended"]),
            "identity_verification": st.sampled_from(["none", "online-proctored", "on-site"]),
        }
    )
)
def test_every_issued_document_parses_back_to_itself(fields: dict[str, Any]) -> None:
    changes = {k: DROP if v is None else v for k, v in fields.items()}
    document = issue(achievement(**changes))
    assert parse_document(raw_document(document)) == document


# Keys from the whole of Unicode but lone surrogates: RFC 8785 orders keys by UTF-16 code
# units, which differs from code-point order above U+FFFF.
any_key = st.text(st.characters(exclude_categories=["Cs"]), max_size=6).map(
    lambda s: unicodedata.normalize("NFC", s)
)


@_FAST
@given(st.dictionaries(any_key, json_values, max_size=8))
def test_an_object_joined_from_its_members_bytes_is_its_canonical_bytes(
    obj: dict[str, Any],
) -> None:
    members = {k: canonical_bytes(v) for k, v in obj.items()}
    assert canonical_object(members) == canonical_bytes(obj)


@_FAST
@given(st.sampled_from(["name", "student_id", "grade"]), json_values)
def test_a_claim_preimage_is_the_canonical_bytes_of_the_pair(name: str, value: Any) -> None:
    assert claim_preimage(name, value) == canonical_bytes([name, value])


def test_a_claim_preimage_refuses_what_canonical_bytes_refuses() -> None:
    for value in ("Cafe\u0301", "\ud800", float("nan"), 2**60):
        try:
            canonical_bytes(["name", value])
        except NotCanonicalizable as exc:
            expected = exc.reason
        with pytest.raises(NotCanonicalizable) as caught:
            claim_preimage("name", value)
        assert caught.value.reason == expected


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**160 - 1) | st.sampled_from([0, 1, 2**160 - 1, 0x8000 << 144]))
def test_eip55_checksums_are_those_of_eth_utils(address: int) -> None:
    expected = to_checksum_address(f"0x{address:040x}")
    assert checksum_address(address) == expected
    assert is_checksum_address(expected)
    for variant in (expected.lower(), "0x" + expected[2:].upper(), expected.swapcase()):
        assert is_checksum_address(variant) == eth_is_checksum_address(variant)
    for not_one in (expected[2:], "0X" + expected[2:], expected + "0", expected[:-1] + "g"):
        assert not is_checksum_address(not_one)
