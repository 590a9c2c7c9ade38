"""The console driven as a browser would: a cookie jar, forms read from the page (hidden fields
included) and sent back with this site's Origin, redirects followed by hand (so tests see
them). HTML is read with the standard library's parser."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from tests.api.issuer.conftest import IssuerServer, Tenant, new_tenant

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def words(self) -> str:
        """The text content, whitespace collapsed."""
        return " ".join(self.text.split())


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data


class Page:
    """An answer of the console, with its HTML parsed."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        tree = _Tree()
        tree.feed(response.text)
        self.root = tree.root

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with ``tag`` whose attributes have these values (``data_row`` is
        ``data-row``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.root.walk()
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def by_id(self, ident: str) -> Element:
        found = self.all(id=ident)
        assert len(found) == 1, f"{len(found)} elements with id {ident!r} in\n{self.text}"
        return found[0]

    def has_id(self, ident: str) -> bool:
        return bool(self.all(id=ident))

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
                values[name] = e.text.removeprefix("\n")
            elif e.tag == "select":
                options = [o for o in e.walk() if o.tag == "option"]
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                values[name] = chosen[0].attrs.get("value", chosen[0].words) if chosen else ""
        return form.attrs["action"], values

    def error_of(self, name: str) -> str:
        """The error shown next to field ``name``, checked to be tied to it."""
        control = self.by_id(name)
        error = self.by_id(f"{name}-error")
        assert "error" in error.attrs.get("class", "").split()
        assert f"{name}-error" in control.attrs.get("aria-describedby", "").split()
        assert control.attrs.get("aria-invalid") == "true"
        return error.words


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
