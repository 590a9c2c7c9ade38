"""Reading the verifier page's HTML in tests: a small tree built with the standard library's
parser (no third-party HTML library is installed), and the checks every page must meet
(labelled inputs, headings in order, nothing inline that the CSP would block)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from chaincred.domain import CredentialDocument, Institution, issue_document, parse_achievement
from tests.contracts.conftest import ISSUER_INSTITUTION
from tests.verifier.support import ANVIL_CHAIN_ID, Issue, achievement_data, make_document

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        """The text content, with whitespace runs collapsed to one space."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.walk()
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}> elements"
        return found[0]

    def by_id(self, id: str) -> Element:
        return self.find(None, id=id)

    def has_id(self, id: str) -> bool:
        return bool(self.find_all(None, id=id))

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


def check_page_rules(page: Element) -> None:
    """What every verifier page must meet: each form control has a label, headings do not
    skip a level, ids are unique, and nothing inline that the CSP would block."""
    elements = list(page.walk())
    labelled = {e.attrs.get("for") for e in elements if e.tag == "label"}
    for control in elements:
        if control.tag in ("input", "textarea", "select") and control.attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            assert control.attrs.get("id") in labelled, f"no <label> for {control.attrs}"
    levels = [int(e.tag[1]) for e in elements if re.fullmatch(r"h[1-6]", e.tag)]
    assert levels and levels[0] == 1, levels
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    ids = [e.attrs["id"] for e in elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for element in elements:
        assert "style" not in element.attrs, element
        assert not any(a.startswith("on") for a in element.attrs), element
        if element.tag == "script":
            assert element.attrs.get("src", "").startswith("/static/"), element
            assert not element.text(), "inline script"
        for attribute in ("src", "href"):
            assert not element.attrs.get(attribute, "").startswith(("http:", "https:", "//"))


@dataclass(frozen=True)
class Report:
    """A report page read back: the verdict, each check's outcome, the whole tree."""

    page: Element
    verdict: str
    words: str
    why: str
    outcomes: dict[str, str]

    def row(self, check: str) -> Element:
        return self.page.find("tr", data_check=check)


def read_report(text: str) -> Report:
    page = parse_html(text)
    check_page_rules(page)
    verdict = page.by_id("verdict")
    assert verdict.attrs["data-verdict"] in verdict.classes
    assert "verdict" in verdict.classes
    table = page.by_id("checks")
    rows = [r for r in table.walk() if r.tag == "tr" and "data-check" in r.attrs]
    return Report(
        page=page,
        verdict=verdict.attrs["data-verdict"],
        words=page.by_id("verdict-words").text(),
        why=page.by_id("verdict-why").text(),
        outcomes={r.attrs["data-check"]: r.attrs["data-outcome"] for r in rows},
    )


def build_issue(contract: str, recipient: str) -> Issue:
    def build(**changes: Any) -> CredentialDocument:
        arguments: dict[str, Any] = {"contract": contract, "recipient": recipient}
        return make_document(**(arguments | changes))

    return build


HOSTILE = "<script>alert('pwned')</script>"


def hostile_document(contract: str, recipient: str) -> CredentialDocument:
    """A document whose title, institution, outcome and a claim are markup."""
    achievement = achievement_data() | {
        "title": f"Course {HOSTILE}",
        "learning_outcomes": [{"text": f"Outcome <img src=x onerror=alert(1)> {HOSTILE}"}],
    }
    return issue_document(
        parse_achievement(achievement),
        institution=Institution.model_validate({"id": ISSUER_INSTITUTION, "name": HOSTILE}),
        recipient=recipient,
        claims={"name": f'"><b>{HOSTILE}', "grade": "A"},
        issued_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=1),
        chain_id=ANVIL_CHAIN_ID,
        contract=contract,
    )
