"""Canonical bytes: RFC 8785 (JCS) restricted to what chaincred can hash unambiguously.

RFC 8785 itself leaves a few inputs to the implementation; chaincred refuses them instead of
guessing, because two programs that disagree on one byte disagree on the digest (the token id):

- numbers: NaN and ±infinity have no JSON form; a magnitude beyond 2^53-1 is refused for
  integers (an IEEE-754 reader such as JavaScript would round them) and for floats too (RFC
  8785 writes 1e17 as ``100000000000000000``, which Python and others read back as an
  integer, so the value's type would depend on the reader);
- strings and keys: a lone surrogate cannot be encoded as UTF-8; a string not in Unicode NFC
  would give a different digest from its visually identical NFC twin, so documents must be in
  NFC (models normalize at validation; here we only check, because normalizing silently would
  hash bytes that differ from the document a verifier holds);
- only JSON types (dict/Mapping with ``str`` keys, list/tuple, str, int, float, bool, None).

Speed: ``rfc8785.dumps`` is pure Python and was half the CPU of bulk verification
(docs/benchmarks.md). For a value with no floats and no object key containing a code point at
or above U+D800, the standard library's compact, key-sorted, non-ASCII-preserving
``json.dumps`` writes exactly the RFC 8785 bytes: integers are plain digits (already capped at
2^53-1), strings escape the same characters the same way (quote, backslash, the short forms
for backspace, form feed, newline, return and tab, other control characters as lower-case
``\\u00xx``), and below U+D800 code-point order
is UTF-16 order (RFC 8785 sorts keys by UTF-16 code units). Anything else takes ``rfc8785``.
The golden vectors and a property test hold the two paths to the same bytes.

Even the rule checks are done at C speed first (:func:`_fast`): ``json.dumps`` writes the
text, which must encode as UTF-8 (no lone surrogate), be in NFC as a whole (every string sits
between quotes, which compose with nothing, so a string out of NFC leaves the whole text out
of NFC; the escapes can only add false alarms), hold no code point above the BMP (UTF-16 order
could differ), and read back with ``json.loads`` as a value equal to the input, with no float
and no integer of 16 digits or more. Equality rules out what ``json.dumps`` converts silently
(non-string keys, tuples). Any doubt falls back to the walk below, which finds the precise
problem or writes the bytes.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import rfc8785

from chaincred.domain.errors import NotCanonicalizable, PathPart

__all__ = ["MAX_SAFE_INTEGER", "canonical_bytes", "canonical_object", "check_text"]

MAX_SAFE_INTEGER = 2**53 - 1


def canonical_bytes(obj: object) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``obj``.

    Raises :class:`NotCanonicalizable` with the JSON path of the first offending value.
    """
    if type(obj) is str:  # a claim value, an address: no read-back needed
        return _COMPACT.encode(_checked_string(obj, ())).encode()
    if type(obj) is dict and all(type(k) is str and type(v) is str for k, v in obj.items()):
        # Strings to strings (claim commitments): all ASCII, the text needs no read-back.
        text = _COMPACT.encode(obj)
        if text.isascii():
            return text.encode()
    fast = _fast(obj)
    return fast if fast is not None else _walked(obj)


def canonical_object(members: Mapping[str, bytes]) -> bytes:
    """The RFC 8785 bytes of an object whose members' canonical bytes are given: RFC 8785
    writes an object as its members sorted by the UTF-16 code units of their keys (section
    3.2.3), and a member's bytes do not depend on the other members."""
    keys, prefixes = _layout(frozenset(members))
    return b"{" + b",".join(map(bytes.__add__, prefixes, map(members.__getitem__, keys))) + b"}"


@functools.lru_cache(maxsize=256)  # the documents of a cohort share their member names
def _layout(names: frozenset[str]) -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    """The keys in RFC 8785 order, and each member's ``"key":`` prefix."""
    keys = tuple(sorted(names, key=lambda k: k.encode("utf-16-be", "surrogatepass")))
    return keys, tuple(canonical_bytes(k) + b":" for k in keys)


def _walked(obj: object) -> bytes:
    """The canonical bytes after a check of every leaf in Python (the precise errors)."""
    scan = _Scan()
    plain = _checked(obj, (), scan)
    if not scan.needs_rfc8785:
        return _COMPACT.encode(plain).encode()
    try:
        return rfc8785.dumps(plain)
    except rfc8785.CanonicalizationError as exc:  # pragma: no cover - _checked rules these out
        raise NotCanonicalizable((), str(exc)) from exc


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class _Doubt(Exception):
    """The fast path cannot vouch for this value."""


def _no_float(text: str) -> float:
    raise _Doubt(text)


def _small_int(text: str) -> int:
    if len(text.lstrip("-")) >= 16:  # 2^53-1 has 16 digits: the walk judges those
        raise _Doubt(text)
    return int(text)


# Built once: json.dumps and json.loads with options build a new coder on every call.
_COMPACT = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)
_READ_BACK = json.JSONDecoder(parse_float=_no_float, parse_int=_small_int)


def _fast(obj: object) -> bytes | None:
    """The canonical bytes when checks at C speed vouch for them, else None (see above)."""
    try:
        text = _COMPACT.encode(obj)
        data = text.encode()
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return None
    if not text.isascii() and (
        not unicodedata.is_normalized("NFC", text) or _ASTRAL.search(text) is not None
    ):
        return None
    try:
        again = _READ_BACK.decode(text)
    except _Doubt:
        return None
    return data if again == obj else None


class _Scan:
    """What the check walk saw that the fast serializer cannot write the RFC 8785 way."""

    needs_rfc8785 = False


def check_text(text: str) -> str | None:
    """Why ``text`` cannot be canonicalized (lone surrogate, not NFC), or None if it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"contains a lone surrogate (U+{ord(text[exc.start]):04X}) at index {exc.start}"
    if not unicodedata.is_normalized("NFC", text):
        return "is not in Unicode Normalization Form C (NFC)"
    return None


def _checked(value: object, path: tuple[PathPart, ...], scan: _Scan) -> Any:
    """A plain dict/list copy of ``value``, after checking every leaf against the rules above."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalizable(
                path, f"integer {value} is beyond ±(2^53-1); write it as a string"
            )
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotCanonicalizable(path, f"{value} is not a JSON number")
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalizable(path, f"number {value!r} is beyond ±(2^53-1)")
        scan.needs_rfc8785 = True  # ECMAScript number formatting (5.0 → "5", 1e-7 → "1e-7")
        return value
    if isinstance(value, str):
        return _checked_string(value, path)
    if isinstance(value, Mapping):
        return _checked_object(value, path, scan)
    if isinstance(value, list | tuple):
        return [_checked(item, (*path, i), scan) for i, item in enumerate(value)]
    raise NotCanonicalizable(path, f"{type(value).__name__} is not a JSON type")


def _checked_string(value: str, path: tuple[PathPart, ...]) -> str:
    problem = check_text(value)
    if problem is not None:
        raise NotCanonicalizable(path, f"string {problem}")
    return str.__str__(value)  # the text itself (a (str, Enum) member str()s to its name)


def _checked_object(
    value: Mapping[object, object], path: tuple[PathPart, ...], scan: _Scan
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise NotCanonicalizable(path, f"object key {key!r} is not a string")
        problem = check_text(key)
        if problem is not None:
            raise NotCanonicalizable(path, f"object key {key!r} {problem}")
        if key and max(key) >= "\ud800":
            scan.needs_rfc8785 = True  # UTF-16 order differs from code-point order up there
        out[key] = _checked(item, (*path, key), scan)
    return out
