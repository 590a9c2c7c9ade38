"""The learner page in tests: its HTML read into a small tree (the standard library's parser;
no HTML library is installed), the rules every page meets, and credentials issued through the
API (and, where the test needs real on-chain state, minted on the session Anvil)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount

from chaincred.adapters.chain import Transactor
from chaincred.domain.onchain import BurnAuth
from tests.api.issuer.conftest import IssuerServer, Tenant
from tests.contracts.conftest import Registry

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

CLAIMS = {"name": "Ada Lovelace", "student_id": "s-1815", "grade": "A+"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def select(self, tag: str | None = None, **attrs: str | None) -> list[Element]:
        """Elements of ``tag`` whose attributes have the given values (None: present)."""
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
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert builder.stack == [builder.root], [e.tag for e in builder.stack[1:]]
    return builder.root


def check_page_rules(page: Element) -> None:
    """Every form control labelled, headings in order from one h1, unique ids, nothing inline
    that the CSP would block, nothing loaded from elsewhere."""
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
        if element.tag in ("img", "script", "link"):
            for attribute in ("src", "href"):
                assert not element.attrs.get(attribute, "").startswith(("http:", "https:", "//"))


def get_page(site: IssuerServer, **params: str) -> tuple[httpx.Response, Element]:
    answer = httpx.get(f"{site.url}/learner", params=params, timeout=60)
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    return answer, parse_html(answer.text)


def articles(page: Element) -> dict[str, Element]:
    """The listed credentials by token id, in page order."""
    return {a.attrs["data-token-id"]: a for a in page.select("article", class_="credential card")}


def new_holder() -> LocalAccount:
    account: LocalAccount = Account.create()
    return account


def issue_to(tenant: Tenant, recipient: str, **changes: Any) -> dict[str, Any]:
    """A credential accepted by the API for ``recipient`` (its public part pinned, its mint
    queued; no worker runs in these tests)."""
    achievement_id = changes.pop("achievement_id", None) or tenant.achievement()
    return tenant.issued(achievement_id, recipient=recipient, claims=changes.pop("claims", CLAIMS))


def confirm(site: IssuerServer, credential_id: str) -> None:
    """Play the signer worker: the credential's mint is confirmed."""
    ops = [op.id for op in site.db.outbox(credential_id) if op.id is not None]
    site.db.settle(ops, state="confirmed", credential={"state": "confirmed"})


def mint(registry: Registry, token_id: str, to: str, burn_auth: BurnAuth) -> int:
    """Mint ``token_id`` on the session chain (the registry's issuer); its block number."""
    receipt = registry.client.mint(registry.issuer, to, int(token_id, 16), burn_auth)
    return int(receipt["blockNumber"])


def funded(registry: Registry, account: LocalAccount) -> Transactor:
    """A transactor for ``account``, given ether (the test's chain snapshot takes it back)."""
    registry.w3.provider.make_request(
        "anvil_setBalance",  # type: ignore[arg-type]
        [account.address, hex(10**18)],
    )
    return Transactor(registry.w3, account, registry.client.decoder)


def claim_link(tenant: Tenant, credential_id: str) -> str:
    answer = tenant.http.post(f"/v1/credentials/{credential_id}/claim-link")
    assert answer.status_code == 201, answer.text
    return str(answer.json()["url"])
