"""The learner page in tests: its HTML read into a tree (tests/web/html.py), and credentials
issued through the API (and, where the test needs real on-chain state, minted on the session
Anvil)."""

from __future__ import annotations

from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount

from chaincred.adapters.chain import Transactor
from chaincred.domain.onchain import BurnAuth
from tests.api.issuer.conftest import IssuerServer, Tenant
from tests.contracts.conftest import Registry
from tests.web.html import Element, parse_html

CLAIMS = {"name": "Ada Lovelace", "student_id": "s-1815", "grade": "A+"}


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
