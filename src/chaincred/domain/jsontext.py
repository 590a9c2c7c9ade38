"""Strict JSON text → Python value, for documents read at the edges.

Python's :func:`json.loads` accepts things that would make one document hash two ways:
duplicate keys (the last one silently wins; another reader may keep the first), the
non-standard literals ``NaN``/``Infinity``, and numbers too large for a double. This parser
refuses them with a line and column, so the CLI can point at the problem.

Two roads. The standard library's C scanner reads the text, with hooks that refuse the
non-standard literals and overflowing numbers; a count then rules out duplicate keys (see
:func:`_keys_unique`). Only text refused there, or whose count is not conclusive, is read again
by the Python scanner, the one that knows where each object starts, to say where the problem
is. The C road was ten times faster than the Python one (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any

from chaincred.domain.errors import MalformedJson

__all__ = ["MAX_DEPTH", "parse_json"]

#: Deepest nesting accepted. A credential document is a few levels deep; the limit keeps
#: recursive code downstream (validation, canonicalization) far from Python's stack limit.
MAX_DEPTH = 64


def parse_json(text: str | bytes) -> Any:
    """Parse RFC 8259 JSON text (UTF-8 if bytes); raise :class:`MalformedJson` otherwise."""
    if isinstance(text, bytes):
        text = _decode_utf8(text)
    try:
        value = _FAST.decode(text)
        unique = _keys_unique(text, _check_depth(value))
    except (_Refused, json.JSONDecodeError, RecursionError):
        unique = False
    if not unique:
        value = _located(text)  # raises where the problem is (or finds none: a false alarm)
        _check_depth(value)
    return value


def _keys_unique(text: str, keys: int) -> bool:
    """Whether no object of ``text`` repeats a key, given ``keys``, the number of keys its
    parsed objects hold (a repeated key leaves one). Without a quote followed by blanks and a
    colon, every key of the text is written ``"…":``, so ``'":'`` occurs at least once per key
    of the text, more often only inside strings: a count equal to ``keys`` leaves no room for
    a repeated one. Anything else is not conclusive."""
    return text.count('":') == keys and _SPACED_COLON.search(text) is None


_SPACED_COLON = re.compile(r'"\s+:')


def _located(text: str) -> Any:
    """Parse with the Python scanner, whose errors carry a position."""
    try:
        return _StrictDecoder().decode(text)
    except RecursionError:
        raise MalformedJson(f"nested deeper than {MAX_DEPTH} levels", 1, 1) from None
    except _Refused as exc:
        pos = exc.pos if exc.pos is not None else _find_token(text, exc.token)
        line, column = _line_column(text, pos)
        raise MalformedJson(exc.reason, line, column) from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(exc.msg, exc.lineno, exc.colno) from None


def _check_depth(value: Any) -> int:
    """Refuse nesting beyond MAX_DEPTH, level by level (only containers are kept for the next
    level); the number of keys of all objects."""
    level = [value] if type(value) in _CONTAINERS else []
    keys = 0
    for _ in range(MAX_DEPTH):
        keys += sum(len(item) for item in level if type(item) is dict)
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) in _CONTAINERS
        ]
        if not level:
            return keys
    raise MalformedJson(f"nested deeper than {MAX_DEPTH} levels", 1, 1)


_CONTAINERS = (dict, list)


class _Refused(Exception):
    """``pos`` is None when raised from a callback that is not told where it is; the token is
    then located by :func:`_find_token` (the parser stops at the first bad one)."""

    def __init__(self, reason: str, pos: int | None = None, token: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.pos = pos
        self.token = token


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not valid JSON", token=name)


# Undocumented but stable CPython internals (json/scanner.py, json/decoder.py since 2.7/3.1);
# typeshed does not declare them. The Python scanner is the only hook that sees positions.
_py_make_scanner: Callable[[json.JSONDecoder], Callable[[str, int], tuple[Any, int]]] = (
    json.scanner.py_make_scanner  # type: ignore[attr-defined]
)
_json_object: Callable[..., tuple[list[tuple[str, Any]], int]] = json.decoder.JSONObject  # type: ignore[attr-defined]


class _StrictDecoder(json.JSONDecoder):
    def __init__(self) -> None:
        super().__init__(parse_constant=_refuse_constant, parse_float=_finite_float)
        # The C scanner ignores a custom parse_object; the Python one calls it with the
        # position of the object, which lets a duplicate key be reported where it is.
        self.parse_object = self._parse_object
        self.scan_once = _py_make_scanner(self)

    def _parse_object(
        self, s_and_end: tuple[str, int], strict: bool, scan_once: Callable[..., Any], *rest: Any
    ) -> tuple[dict[str, Any], int]:
        start = s_and_end[1] - 1
        pairs, end = _json_object(s_and_end, strict, scan_once, None, list, *rest[2:])
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise _Refused(f"duplicate key {key!r} in the object that starts here", start)
            out[key] = value
        return out, end


def _finite_float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"number {literal} is too large for a double", token=literal)
    return value


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data[: exc.start].decode("utf-8", "replace"), exc.start)
        raise MalformedJson("the text is not valid UTF-8", line, column) from None


# The C scanner honours these hooks (not a custom parse_object); they run only for the
# literals NaN and Infinity and for numbers with a fraction or an exponent.
_FAST = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)

_STRING_OR_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s\[\]{},:"]+')


def _find_token(text: str, token: str) -> int:
    """Offset of the first ``token`` outside string literals (0 if not found)."""
    for match in _STRING_OR_TOKEN.finditer(text):
        if match.group() == token:
            return match.start()
    return 0


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1
