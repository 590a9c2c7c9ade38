"""httpx calls of the remote pinning adapters, with every transport failure as a PinningError."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from chaincred.errors import ConfigurationError, PinningError

__all__ = ["base_url", "excerpt", "json_body", "send"]


def base_url(url: str, setting: str) -> str:
    """``url`` without a trailing slash; ``ConfigurationError`` unless it is http(s)://host…"""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{setting} must be an http:// or https:// URL, got {url!r}")
    return url.rstrip("/")


def send(client: httpx.Client, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
    """``client.request(...)``, raising ``PinningError("<what>: <cause>")`` if no answer came."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise PinningError(f"{what}: no answer within the timeout ({type(exc).__name__})") from exc
    except httpx.ConnectError as exc:
        raise PinningError(f"{what}: cannot connect ({exc})") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise PinningError(f"{what}: {type(exc).__name__}: {exc}") from exc


def json_body(response: httpx.Response, what: str) -> Any:
    """The response's JSON; ``PinningError`` naming ``what`` if it is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PinningError(f"{what}: the answer is not JSON: {excerpt(response)}") from exc


def excerpt(response: httpx.Response) -> str:
    """The start of the body, for error messages."""
    text = response.content[:200].decode("utf-8", "replace")
    return repr(text) + ("…" if len(response.content) > 200 else "")
