"""The console driven as a browser would: a cookie jar, forms read from the page (hidden fields
included) and sent back with this site's Origin, redirects followed by hand (so tests see
them). HTML is read into a tree by tests/web/html.py."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from tests.api.issuer.conftest import IssuerServer, Tenant, new_tenant
from tests.web.html import Element, parse_html


class Page:
    """An answer of the console, with its HTML parsed."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.root = parse_html(response.text)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text

    def select(self, tag: str | None = None, **attrs: str | None) -> list[Element]:
        return self.root.select(tag, **attrs)

    def by_id(self, ident: str) -> Element:
        found = self.select(id=ident)
        assert len(found) == 1, f"{len(found)} elements with id {ident!r} in\n{self.text}"
        return found[0]

    def has_id(self, ident: str) -> bool:
        return self.root.has_id(ident)

    def form(self, ident: str) -> tuple[str, dict[str, str]]:
        """The action of form ``ident`` and the values it would send as it stands."""
        form = self.by_id(ident)
        values: dict[str, str] = {}
        for e in form.walk():
            name = e.attrs.get("name")
            if not name or "disabled" in e.attrs:
                continue
            if e.tag == "input" and e.attrs.get("type") not in ("submit", "file", "button"):
                values[name] = e.attrs.get("value", "")
            elif e.tag == "textarea":
                values[name] = e.raw_text().removeprefix("\n")
            elif e.tag == "select":
                options = [o for o in e.walk() if o.tag == "option"]
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                values[name] = chosen[0].attrs.get("value", chosen[0].text()) if chosen else ""
        return form.attrs["action"], values

    def error_of(self, name: str) -> str:
        """The error shown next to field ``name``, checked to be tied to it."""
        control = self.by_id(name)
        error = self.by_id(f"{name}-error")
        assert "error" in error.classes
        assert f"{name}-error" in control.attrs.get("aria-describedby", "").split()
        assert control.attrs.get("aria-invalid") == "true"
        return error.text()


class Browser:
    """One browser (one cookie jar) on the site."""

    def __init__(self, server: IssuerServer) -> None:
        self.server = server
        self.origin = server.url
        self.http = httpx.Client(base_url=server.url, timeout=60, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **params: Any) -> Page:
        return Page(self.http.get(path, params=params) if params else self.http.get(path))

    def post(
        self,
        path: str,
        data: Mapping[str, str] | None = None,
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        origin: str | None = "",
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        """A form post; its Origin is this site's unless ``origin`` says otherwise (None:
        no Origin header at all)."""
        sent = dict(headers or {})
        if origin is not None:
            sent["Origin"] = origin or self.origin
        return Page(self.http.post(path, data=dict(data or {}), files=files, headers=sent))

    def submit(
        self, page: Page, form_id: str, changes: Mapping[str, str] | None = None, **kw: Any
    ) -> Page:
        """Send form ``form_id`` of ``page`` with some fields changed."""
        action, values = page.form(form_id)
        return self.post(action, values | dict(changes or {}), **kw)

    def follow(self, page: Page) -> Page:
        """The page a 303 sends the browser to."""
        assert page.status == 303, (page.status, page.text[:2000])
        return self.get(page.response.headers["location"])

    def login(self, key: str) -> Page:
        form = self.get("/console")
        answer = self.submit(form, "login-form", {"key": key})
        assert answer.status == 303, answer.text
        return self.follow(answer)


def location(page: Page) -> str:
    assert page.status == 303, (page.status, page.text[:2000])
    return str(page.response.headers["location"])


def last_part(url: str) -> str:
    return url.rstrip("/").split("/")[-1].split("?")[0]


def roster_of(*lines: str, header: str = "recipient,name,student_id") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def signed_in(tenant: Tenant) -> Browser:
    browser = Browser(tenant.server)
    browser.login(tenant.key)
    return browser


def words(html: str) -> str:
    """Visible-ish text of a fragment (tags dropped, whitespace collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def other(site: IssuerServer) -> Iterator[Tenant]:
    """Another institution on the site (import this fixture into a test module to use it)."""
    yield from new_tenant(site, "Other College")
