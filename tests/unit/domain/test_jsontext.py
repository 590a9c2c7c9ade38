"""parse_json: strict JSON with line/column errors, and the fast road agreeing with the
standard library on valid text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaincred.domain import MalformedJson, parse_json


def test_parses_plain_json_text_and_bytes() -> None:
    assert parse_json('{"a": [1, 2.5, "é", null, true]}') == {"a": [1, 2.5, "é", None, True]}
    assert parse_json('{"a": "é"}'.encode()) == {"a": "é"}


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ('{"a": 1,\n  "b" 2}', 2, 7, "Expecting ':' delimiter"),
        ('{"a": 1,\n "a": 2}', 1, 1, "duplicate key 'a'"),
        ('{"x": [\n  {"y": 1, "y": 2}]}', 2, 3, "duplicate key 'y'"),
        ('{"NaN": \n [1, NaN]}', 2, 6, "NaN is not valid JSON"),
        ("[Infinity]", 1, 2, "Infinity is not valid JSON"),
        ('["1e999",\n  1e999]', 2, 3, "number 1e999 is too large for a double"),
        ("", 1, 1, "Expecting value"),
    ],
)
def test_refusals_carry_line_and_column(text: str, line: int, column: int, reason: str) -> None:
    with pytest.raises(MalformedJson) as caught:
        parse_json(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert reason in caught.value.reason
    assert f"line {line}, column {column}" in str(caught.value)


def test_invalid_utf8_is_refused_where_it_occurs() -> None:
    with pytest.raises(MalformedJson) as caught:
        parse_json(b'{\n  "a": "\xff"}')
    assert (caught.value.line, caught.value.column) == (2, 9)
    assert caught.value.reason == "the text is not valid UTF-8"


def test_lone_surrogate_escapes_parse_and_are_left_to_canonicalization() -> None:
    # JSON text may escape a lone surrogate; refusing it is canonical_bytes' job (with a path).
    assert parse_json('["\\ud800"]') == ["\ud800"]


def test_nesting_deeper_than_the_limit_is_malformed_not_a_crash() -> None:
    from chaincred.domain.jsontext import MAX_DEPTH

    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    for depth in (MAX_DEPTH + 1, 10_000):
        with pytest.raises(MalformedJson, match=f"nested deeper than {MAX_DEPTH} levels"):
            parse_json("[" * depth + "]" * depth)


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_valid_text_reads_as_the_standard_library_reads_it(value: object) -> None:
    text = json.dumps(value)
    assert parse_json(text) == json.loads(text)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=4), _values, min_size=1, max_size=4), st.data())
def test_a_duplicate_key_anywhere_is_refused_where_its_object_starts(
    obj: dict[str, object], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(obj)))
    inner = json.dumps(obj)[1:-1]
    text = '[0, {"k": ' + "{" + inner + ", " + json.dumps(key) + ": null}}]"
    with pytest.raises(MalformedJson) as caught:
        parse_json(text)
    assert f"duplicate key {key!r}" in caught.value.reason
    assert (caught.value.line, caught.value.column) == (1, 11)


@pytest.mark.parametrize(
    "text",
    [
        '{"a" : 1, "a" : 2}',  # blanks before the colon
        '{"a"\n:1,"b":{"c":2,"c"\t:3}}',
        '{"x": "say \\":\\" twice", "a": 1, "a": 2}',  # '":' inside a string as well
    ],
)
def test_duplicate_keys_are_found_however_the_text_is_laid_out(text: str) -> None:
    with pytest.raises(MalformedJson, match="duplicate key"):
        parse_json(text)


@pytest.mark.parametrize(
    "text",
    ['{"a" : 1, "b" : 2}', '{"x": "say \\":\\" twice", "a": ":"}', '[":", {"":":"}]'],
)
def test_a_count_that_is_not_conclusive_still_parses(text: str) -> None:
    assert parse_json(text) == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(_values, st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : "), (",\n", ":\t")]))
def test_any_layout_reads_as_the_standard_library_reads_it(
    value: object, separators: tuple[str, str]
) -> None:
    text = json.dumps(value, separators=separators)
    assert parse_json(text) == json.loads(text)
