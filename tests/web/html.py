"""The pages' HTML read in tests: a small tree built with the standard library's parser (no
third-party HTML library is installed), and the rules every page meets (labelled inputs,
headings in order, unique ids, nothing inline that the CSP would block)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Element", "check_page_rules", "parse_html"]

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def raw_text(self) -> str:
        """The text content as written (a textarea's value)."""
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def text(self) -> str:
        """The text content, with whitespace runs collapsed to one space."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def select(self, tag: str | None = None, **attrs: str | None) -> list[Element]:
        """Elements of ``tag`` whose attributes have the given values (None: present);
        ``data_row`` is ``data-row``, ``class_`` is ``class``."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.walk()
            if (tag is None or e.tag == tag)
            and all(k in e.attrs and (v is None or e.attrs[k] == v) for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str | None) -> Element:
        found = self.select(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}> elements"
        return found[0]

    def by_id(self, id: str) -> Element:
        return self.one(None, id=id)

    def has_id(self, id: str) -> bool:
        return bool(self.select(None, id=id))

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    """The page as a tree; asserts that every element is closed where it should be."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements: " + ", ".join(
        e.tag for e in builder.stack[1:]
    )
    return builder.root


def check_page_rules(page: Element, *, links_elsewhere: bool = False) -> None:
    """Every form control labelled, headings in order from one h1, unique ids, nothing inline
    that the CSP would block, nothing loaded from elsewhere, and (unless ``links_elsewhere``)
    no link to elsewhere either."""
    elements = list(page.walk())
    labelled = {e.attrs.get("for") for e in elements if e.tag == "label"}
    for control in elements:
        kind = control.attrs.get("type")
        if control.tag in ("input", "textarea", "select") and kind not in ("hidden", "submit"):
            assert control.attrs.get("id") in labelled, f"no <label> for {control.attrs}"
    levels = [int(e.tag[1]) for e in elements if re.fullmatch(r"h[1-6]", e.tag)]
    assert levels.count(1) == 1 and levels[0] == 1, levels
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    ids = [e.attrs["id"] for e in elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for element in elements:
        assert "style" not in element.attrs, element.attrs
        assert not any(a.startswith("on") for a in element.attrs), element.attrs
        if element.tag == "script":
            assert element.attrs.get("src", "").startswith("/static/"), element.attrs
            assert not element.text(), "inline script"
        if not links_elsewhere or element.tag in ("img", "script", "link"):
            for attribute in ("src", "href"):
                assert not element.attrs.get(attribute, "").startswith(("http:", "https:", "//"))
