"""canonical_bytes: RFC 8785 output, and the inputs chaincred refuses (with their path)."""

from __future__ import annotations

import struct
from collections import OrderedDict
from types import MappingProxyType

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from chaincred.domain import MAX_SAFE_INTEGER, NotCanonicalizable, canonical_bytes
from chaincred.domain.canonical import check_text


def _double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


# RFC 8785 appendix B: IEEE-754 bit patterns and their canonical text.
@pytest.mark.parametrize(
    ("bits", "text"),
    [
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("41b3de4355555553", "333333333.3333332"),
    ],
)
def test_numbers_follow_rfc8785_appendix_b(bits: str, text: str) -> None:
    assert canonical_bytes(_double(bits)) == text.encode()


@pytest.mark.parametrize(
    "bits",
    # RFC 8785 appendix B values beyond ±(2^53-1): chaincred refuses them (see canonical.py).
    ["7fefffffffffffff", "4340000000000000", "4430000000000000", "44b52d02c7e14af6"],
)
def test_numbers_beyond_the_safe_range_are_refused_even_as_floats(bits: str) -> None:
    with pytest.raises(NotCanonicalizable, match=r"beyond ±\(2\^53-1\)"):
        canonical_bytes([_double(bits)])


def test_integral_float_and_int_have_one_form() -> None:
    assert canonical_bytes([5, 5.0, 4.5]) == b"[5,5,4.5]"


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    # RFC 8785 3.2.3: U+1F600 (UTF-16 D83D DE00) sorts before U+FF41 although its code point
    # is larger. (The RFC's own example uses U+FB33, which is not NFC: see below.)
    obj = {"\uff41": 7, "\u20ac": 5, "\r": 1, "1": 2, "\U0001f600": 6, "\u0080": 3, "ö": 4}
    assert canonical_bytes(obj) == (
        '{"\\r":1,"1":2,"\u0080":3,"ö":4,"\u20ac":5,"\U0001f600":6,"\uff41":7}'.encode()
    )


def test_whitespace_and_escapes_are_canonical() -> None:
    assert canonical_bytes({"b": [1, {"c": '\u00e9\n\x1f"\\/'}], "a": None, "t": True}) == (
        b'{"a":null,"b":[1,{"c":"\xc3\xa9\\n\\u001f\\"\\\\/"}],"t":true}'
    )


def test_accepts_any_mapping_and_tuples() -> None:
    nested = MappingProxyType({"z": (1, 2), "a": OrderedDict(b=False)})
    assert canonical_bytes(nested) == b'{"a":{"b":false},"z":[1,2]}'


@pytest.mark.parametrize("value", [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
def test_safe_integer_bounds_are_accepted(value: int) -> None:
    assert canonical_bytes(value) == str(value).encode()


@pytest.mark.parametrize(
    ("obj", "path", "reason"),
    [
        ({"a": [1, float("nan")]}, ("a", 1), "nan is not a JSON number"),
        ({"a": float("inf")}, ("a",), "inf is not a JSON number"),
        ({"a": -float("inf")}, ("a",), "-inf is not a JSON number"),
        ({"n": 2**53}, ("n",), "beyond ±(2^53-1)"),
        ({"n": [-(2**53)]}, ("n", 0), "beyond ±(2^53-1)"),
        ({"s": "ok\ud800"}, ("s",), "lone surrogate (U+D800) at index 2"),
        ({"s": "e\u0301"}, ("s",), "not in Unicode Normalization Form C"),
        ({"x": {"\ufb33": 1}}, ("x",), "is not in Unicode Normalization Form C"),
        ({"x": {"\udc00": 1}}, ("x",), "lone surrogate"),
        ({"x": {1: "a"}}, ("x",), "object key 1 is not a string"),
        ({"b": b"bytes"}, ("b",), "bytes is not a JSON type"),
        ({"s": {1, 2}}, ("s",), "set is not a JSON type"),
    ],
)
def test_refused_inputs_name_their_path(obj: object, path: tuple[object, ...], reason: str) -> None:
    with pytest.raises(NotCanonicalizable) as caught:
        canonical_bytes(obj)
    assert caught.value.path == path
    assert reason in caught.value.reason


def test_error_message_renders_the_path() -> None:
    with pytest.raises(NotCanonicalizable, match=r"^claims\.name\.value\[0\]: "):
        canonical_bytes({"claims": {"name": {"value": [float("nan")]}}})


def test_bool_is_not_an_integer() -> None:
    assert canonical_bytes([True, False, 1, 0]) == b"[true,false,1,0]"


# The fast path (json.dumps) and rfc8785 must give the same bytes wherever the fast path is
# taken: JSON without floats, any strings (controls, quotes, non-ASCII, astral), any keys.
_nfc_text = st.text().filter(lambda t: check_text(t) is None)
_json_without_floats = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | _nfc_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_nfc_text, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(_json_without_floats)
def test_fast_path_bytes_equal_rfc8785(value: object) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_control_characters_and_astral_keys_match_rfc8785() -> None:
    value = {"\U0001f600": 1, "\ufb01": 2, "k": '\x00\x1f\x7f\u2028"\\\b\f\n\r\t'}
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_only_floats_and_high_keys_take_the_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from chaincred.domain import canonical

    calls: list[object] = []
    monkeypatch.setattr(canonical.rfc8785, "dumps", lambda v: calls.append(v) or b"slow")
    assert (
        canonical_bytes({"b": [1, "é", None], "a": True}) == b'{"a":true,"b":[1,"\xc3\xa9",null]}'
    )
    assert calls == []
    assert canonical_bytes({"a": 2.5}) == b"slow"
    assert canonical_bytes({"\U0001f600": 1}) == b"slow"
    assert len(calls) == 2


# The fast checks (json.dumps, NFC of the whole text, json.loads back) may doubt a value the
# walk accepts, never the other way round: where they answer, the walk gives the same bytes.
_any_text = st.text(alphabet=st.characters(codec=None))  # lone surrogates and non-NFC too
_anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _any_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(_any_text | st.integers(0, 9), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500)
@given(_anything)
def test_the_fast_checks_vouch_only_for_what_the_walk_accepts(value: object) -> None:
    from chaincred.domain.canonical import _fast, _walked

    fast = _fast(value)
    if fast is not None:
        assert fast == _walked(value)


@pytest.mark.parametrize(
    "value",
    [
        {1: "a"},  # json.dumps would write the key as "1"
        {"a": (1, 2)},  # a tuple reads back as a list
        {"a": 5.0},
        {"a": 2**53},
        {"a": -(2**53 - 1)},  # 16 digits: the walk judges it (and accepts it)
        {"\U0001f600": 1},
        {"a": "e\u0301"},  # not NFC
        {"a": "\ud800"},  # lone surrogate
        {"a": float("nan")},
        {"a": "\n\u0301"},  # NFC, but its escaped text is not: a false alarm, no harm
    ],
)
def test_the_fast_checks_leave_doubtful_values_to_the_walk(value: object) -> None:
    from chaincred.domain.canonical import _fast

    assert _fast(value) is None


def test_both_paths_write_a_string_enum_member_as_its_value() -> None:
    from enum import Enum

    from chaincred.domain.canonical import _fast, _walked

    class Mixed(str, Enum):  # noqa: UP042 - the mixin whose str() is "Mixed.A", not "a"
        A = "a"

    assert _fast({"k": Mixed.A}) == _walked({"k": Mixed.A}) == b'{"k":"a"}'


@settings(max_examples=300)
@given(st.dictionaries(_any_text, _any_text, max_size=4))
def test_string_to_string_objects_get_the_walks_bytes_or_its_refusal(value: object) -> None:
    """The shortcut for objects of strings (claim commitments) writes what the walk writes."""
    from chaincred.domain.canonical import _walked

    try:
        expected = _walked(value)
    except NotCanonicalizable:
        with pytest.raises(NotCanonicalizable):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected
