"""The learner page over real HTTP: a wallet's credentials with public facts only, the
downloads, the selective-disclosure share link, the claim-link download, and burning where
the token's burn authority lets the holder (sent with the holder's key on the session Anvil,
then followed by the indexer, which erases the stored document)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft201909Validator

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.adapters.chain.events import Web3EventSource
from chaincred.adapters.db.index import SqlCredentialIndex
from chaincred.domain import parse_document, parse_json, verify_disclosure
from chaincred.domain.onchain import BurnAuth, Reason
from chaincred.schemas import OB3_SCHEMA, load
from chaincred.services.indexer import Indexer, IndexerConfig
from chaincred.toolchain.anvil import free_port
from chaincred.web.sharing import decode_share
from tests.api.issuer.conftest import ACHIEVEMENT, IssuerServer, Tenant, new_tenant, serve
from tests.contracts.conftest import Registry, new_digest
from tests.web.html import check_page_rules, parse_html
from tests.web.learner_support import (
    CLAIMS,
    articles,
    claim_link,
    confirm,
    funded,
    get_page,
    issue_to,
    mint,
    new_holder,
)

pytestmark = pytest.mark.chain


def test_the_empty_page_is_a_labelled_form_under_the_strict_policy(site: IssuerServer) -> None:
    answer, page = get_page(site)

    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    check_page_rules(page)
    field = page.by_id("wallet-address")
    assert (field.tag, field.attrs["name"]) == ("input", "address")
    assert page.one("label", for_="wallet-address").text() == "Wallet address"
    assert page.by_id("learner-submit").attrs["type"] == "submit"
    assert page.one("form", id="learner-form").attrs["method"] == "get"
    assert "personal data" in page.by_id("privacy-note").text()
    assert not page.select("article")


def test_an_address_lists_its_credentials_newest_first_with_public_facts_only(
    site: IssuerServer, tenant: Tenant
) -> None:
    holder = new_holder().address
    first = issue_to(tenant, holder)
    second = issue_to(tenant, holder, achievement_id=tenant.achievement(title="Secure Coding"))
    issue_to(tenant, new_holder().address)  # someone else's

    answer, page = get_page(site, address=holder)

    assert answer.status_code == 200
    check_page_rules(page)
    listed = articles(page)
    assert list(listed) == [second["token_id"], first["token_id"]]
    card = listed[first["token_id"]]
    facts = card.text()
    assert card.one("h3").text() == ACHIEVEMENT["title"]
    for fact in ("Test University", "ECTS credits 5", "EQF level 6", "queued"):
        assert fact in facts, facts
    issued = card.one("time").attrs["datetime"]
    assert facts.count(issued[:10]) == 1 and issued.endswith("Z")
    # Never minted here: no worker runs, and the chain says so.
    assert card.attrs["data-status"] == "not-issued"
    assert "Not on chain yet" in card.one("span", class_="badge not-issued").text()
    image = card.one("img", class_="badge-image")
    assert image.attrs["src"] == f"/v1/tokens/{first['token_id']}/image.svg"
    assert httpx.get(site.url + image.attrs["src"]).headers["content-type"] == "image/svg+xml"
    assert not card.select("button")  # nothing to burn before the mint
    stored = tenant.http.get(f"/v1/credentials/{first['id']}/document").json()
    salts = [c["salt"] for c in stored["claims"].values()]
    for personal in (*CLAIMS.values(), *salts, *(s.removeprefix("0x") for s in salts)):
        assert personal not in answer.text
    assert page.by_id("credential-count").text().startswith("2 credentials")


def test_a_credential_that_failed_to_reach_the_chain_says_so(
    site: IssuerServer, tenant: Tenant
) -> None:
    holder = new_holder().address
    issued = issue_to(tenant, holder)
    ops = [op.id for op in site.db.outbox(issued["id"]) if op.id is not None]
    failure = "the registry refused it (ChainCredAlreadyIssued)"
    site.db.settle(ops, state="failed", credential={"state": "failed", "failure": failure})

    _, page = get_page(site, address=holder)

    card = articles(page)[issued["token_id"]]
    assert card.attrs["data-status"] == "not-issued"
    assert card.one("span", class_="badge not-issued").text() == "Not on chain"
    assert card.one("dd", class_="pipeline-state").text() == (
        f"failed: it never reached the chain ({failure})"
    )


def test_a_lower_case_address_is_accepted_and_shown_checksummed(
    site: IssuerServer, tenant: Tenant
) -> None:
    holder = new_holder().address
    issued = issue_to(tenant, holder)

    answer, page = get_page(site, address="  " + holder.lower() + " ")

    assert answer.status_code == 200
    assert list(articles(page)) == [issued["token_id"]]
    assert page.by_id("wallet-address").attrs["value"] == holder
    assert holder in page.by_id("held-heading").text()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0x1234", "Wallet address '0x1234' is not an Ethereum address: 0x followed by 40 hex "),
        ("", "Wallet address is required: enter a wallet address (0x…)."),
        (
            "0x70997970C51812dc3A010C7d01b50e0d17dc79c8",
            "Wallet address has mixed case but a wrong EIP-55 checksum",
        ),
        ("0xZZ997970C51812dc3A010C7d01b50e0d17dc79C8", "is not an Ethereum address"),
    ],
)
def test_a_wrong_address_is_refused_with_a_precise_error(
    site: IssuerServer, typed: str, message: str
) -> None:
    answer, page = get_page(site, address=typed)

    assert answer.status_code == 422
    check_page_rules(page)
    error = page.by_id("wallet-address-error")
    assert message in error.text()
    assert error.attrs["role"] == "alert"
    field = page.by_id("wallet-address")
    assert field.attrs["aria-invalid"] == "true"
    assert "wallet-address-error" in field.attrs["aria-describedby"]
    assert field.attrs["value"] == typed.strip()
    assert not page.select(id="held")


def test_an_address_without_credentials_gets_a_helpful_message(site: IssuerServer) -> None:
    answer, page = get_page(site, address=new_holder().address)

    assert answer.status_code == 200
    assert not articles(page)
    message = page.by_id("no-credentials").text()
    assert "Check the address your institution issued to" in message


def test_the_open_badge_download_is_the_public_part_as_ob3(
    site: IssuerServer, tenant: Tenant
) -> None:
    holder = new_holder().address
    issued = issue_to(tenant, holder)
    _, page = get_page(site, address=holder)
    link = page.by_id(f"openbadge-{issued['token_id']}").attrs["href"]

    answer = httpx.get(site.url + link)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"].startswith("attachment;")
    badge = answer.json()
    validator = Draft201909Validator(load(OB3_SCHEMA))
    assert [e.message for e in validator.iter_errors(badge)] == []
    assert "OpenBadgeCredential" in badge["type"]
    subject = badge["credentialSubject"]
    assert subject["id"].endswith(f":{holder}") and subject["id"].startswith("did:pkh:eip155:")
    assert subject["achievement"]["name"] == ACHIEVEMENT["title"]
    assert subject["creditsEarned"] == 5
    assert "identifier" not in subject  # the name is a personal claim: not in a public export
    assert "value" not in subject["result"][0]  # nor is the grade
    evidence = badge["evidence"][0]["id"]
    assert evidence.endswith(f"/erc721:{site.settings.contract}/{int(issued['token_id'], 16)}")
    for personal in CLAIMS.values():
        assert personal not in answer.text


def test_downloads_of_unknown_tokens_are_404_pages(site: IssuerServer) -> None:
    unknown = f"0x{new_digest():064x}"
    for kind in ("openbadge.json", "certificate.pdf"):
        answer = httpx.get(f"{site.url}/learner/credentials/{unknown}/{kind}")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        problem = parse_html(answer.text).by_id("problem").text()
        assert problem == f"No credential with token id {unknown} on this registry."
        malformed = httpx.get(f"{site.url}/learner/credentials/0xnothex/{kind}")
        assert malformed.status_code == 404
        assert "is not a token id" in parse_html(malformed.text).by_id("problem").text()


def test_a_token_on_chain_whose_metadata_is_not_here_is_a_clear_404(
    site: IssuerServer, registry: Registry
) -> None:
    foreign = f"0x{new_digest():064x}"
    mint(registry, foreign, new_holder().address, BurnAuth.OWNER_ONLY)

    answer = httpx.get(f"{site.url}/learner/credentials/{foreign}/certificate.pdf")

    assert answer.status_code == 404
    assert parse_html(answer.text).by_id("problem").text() == (
        f"No metadata in this service's store for token {foreign} (the token exists on chain, "
        "but it was not issued through this service, so its public part is not here)."
    )


# ---------------------------------------------------------------- the share link


def _document(tenant: Tenant, credential_id: str) -> bytes:
    answer = httpx.get(claim_link(tenant, credential_id))
    assert answer.status_code == 200, answer.text
    return answer.content


def _upload(site: IssuerServer, data: bytes) -> tuple[httpx.Response, Any]:
    answer = httpx.post(
        f"{site.url}/learner/share",
        files={"file": ("credential.json", data, "application/json")},
        data={"text": ""},
    )
    return answer, parse_html(answer.text)


def test_the_share_link_discloses_only_the_ticked_claims(
    site: IssuerServer, tenant: Tenant
) -> None:
    issued = issue_to(tenant, new_holder().address)
    data = _document(tenant, issued["id"])

    chosen, page = _upload(site, data)

    assert chosen.status_code == 200
    check_page_rules(page)
    boxes = page.select("input", type="checkbox", name="disclose")
    assert [b.attrs["value"] for b in boxes] == ["name", "student_id", "grade"]
    assert page.one("label", for_="disclose-grade").text() == "Grade or result: A+"
    document_field = page.one("input", type="hidden", name="document")
    assert parse_document(parse_json(document_field.attrs["value"])).token_id() == int(
        issued["token_id"], 16
    )

    made = httpx.post(
        f"{site.url}/learner/share/link",
        data={"document": document_field.attrs["value"], "disclose": ["name", "grade"]},
    )

    assert made.status_code == 200
    result = parse_html(made.text)
    check_page_rules(result, links_elsewhere=True)  # the share link is absolute
    link = result.by_id("share-link").attrs["href"]
    assert result.by_id("share-link-text").attrs["value"] == link
    assert link.startswith(f"{site.settings.public_url}/verify?doc=")
    assert (
        "discloses Full name, Grade or result and withholds Student id"
        in result.by_id("share-result").text()
    )
    shared = decode_share(link.split("?doc=", 1)[1])
    presented = parse_document(parse_json(shared))
    assert set(presented.claims) == {"name", "grade"}
    report = verify_disclosure(presented)
    assert report.ok and report.proven == {"name": "Ada Lovelace", "grade": "A+"}
    assert report.withheld == ("student_id",)
    assert presented.public == parse_document(json.loads(data)).public
    assert b"s-1815" not in shared
    # The verifier page opens it with the ticked claims proven, the other withheld.
    opened = httpx.get(link, timeout=60)
    assert opened.status_code == 200
    verifier = parse_html(opened.text)
    assert "Ada Lovelace" in verifier.by_id("claims-proven").text()
    assert "s-1815" not in opened.text and verifier.by_id("claims-withheld").text()


def test_a_pasted_document_with_nothing_ticked_shares_the_public_part_only(
    site: IssuerServer, tenant: Tenant
) -> None:
    issued = issue_to(tenant, new_holder().address)
    data = _document(tenant, issued["id"])
    pasted = httpx.post(f"{site.url}/learner/share", data={"text": data.decode()})
    value = parse_html(pasted.text).one("input", name="document").attrs["value"]

    made = httpx.post(f"{site.url}/learner/share/link", data={"document": value})

    link = parse_html(made.text).by_id("share-link").attrs["href"]
    presented = parse_document(parse_json(decode_share(link.split("?doc=", 1)[1])))
    assert presented.claims == {} and verify_disclosure(presented).withheld == (
        "name",
        "student_id",
        "grade",
    )


def _tampered(data: bytes, change: Any) -> bytes:
    document = json.loads(data)
    change(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: b"", "Choose your credential document (a .json file) or paste its text."),
        (
            lambda d: d[:-2],
            "The file is not valid JSON: malformed JSON at line 1, column",
        ),
        (
            lambda d: _tampered(d, lambda x: x["public"].update(recipient=new_holder().address)),
            "This is not a valid chaincred credential: anchor.token_id: is not the digest of the "
            "public part (expected ",
        ),
        (
            lambda d: _tampered(d, lambda x: x["claims"]["grade"].update(value="A++")),
            "The document's claims do not match its commitments: claims.grade: value and salt "
            "do not match the commitment.",
        ),
        (lambda d: b"[1, 2]", "This is not a valid chaincred credential: $: must be a JSON object"),
    ],
)
def test_a_document_that_is_not_valid_is_refused_precisely(
    site: IssuerServer, tenant: Tenant, make: Any, message: str
) -> None:
    issued = issue_to(tenant, new_holder().address)
    data = make(_document(tenant, issued["id"]))

    answer, page = _upload(site, data)

    assert answer.status_code == 422
    assert page.by_id("share-error").text().startswith(message)
    assert page.select("input", id="share-file")  # back at the upload step


def test_ticking_a_claim_the_document_lacks_is_refused(site: IssuerServer, tenant: Tenant) -> None:
    issued = issue_to(tenant, new_holder().address, claims={"name": "Ada Lovelace"})
    data = _document(tenant, issued["id"])

    answer = httpx.post(
        f"{site.url}/learner/share/link",
        data={"document": data.decode(), "disclose": ["name", "date_of_birth"]},
    )

    assert answer.status_code == 422
    page = parse_html(answer.text)
    assert page.by_id("share-error").text() == "claims.date_of_birth is not in this document"
    assert page.one("input", id="disclose-name").attrs.get("checked") == ""


# ---------------------------------------------------------------- the claim link


def test_the_claim_link_downloads_the_full_document_once(
    site: IssuerServer, tenant: Tenant
) -> None:
    issued = issue_to(tenant, new_holder().address)
    link = claim_link(tenant, issued["id"])

    answer = httpx.post(f"{site.url}/learner/claim", data={"claim": link})

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="credential-{issued["token_id"]}.json"'
    )
    assert answer.headers["cache-control"] == "no-store"
    document = parse_document(answer.json())
    assert {n: c.value for n, c in document.claims.items()} == CLAIMS
    again = httpx.post(f"{site.url}/learner/claim", data={"claim": link})
    assert again.status_code == 410
    assert parse_html(again.text).by_id("claim-error").text() == (
        "This claim link has been used; ask the institution for a new one if needed."
    )
    wrong = httpx.post(f"{site.url}/learner/claim", data={"claim": link + "x"})
    assert wrong.status_code == 404
    assert parse_html(wrong.text).by_id("claim-error").text() == (
        "No claim link with this secret: check that you copied the whole link."
    )
    empty = httpx.post(f"{site.url}/learner/claim", data={"claim": " "})
    assert empty.status_code == 422
    assert parse_html(empty.text).by_id("claim-error").text() == (
        "Paste the claim link your institution sent you."
    )


# ---------------------------------------------------------------- on-chain status and burning


def test_statuses_and_burn_buttons_follow_the_chain(
    site: IssuerServer, tenant: Tenant, registry: Registry
) -> None:
    holder = new_holder().address
    achievement_id = tenant.achievement()
    tokens: dict[BurnAuth, str] = {}
    for auth in BurnAuth:
        issued = issue_to(tenant, holder, achievement_id=achievement_id)
        confirm(site, issued["id"])
        mint(registry, issued["token_id"], holder, auth)
        tokens[auth] = issued["token_id"]
    revoked = tokens[BurnAuth.BOTH]
    registry.client.revoke(registry.issuer, int(revoked, 16), Reason.ACADEMIC_MISCONDUCT)

    _, page = get_page(site, address=holder.lower())

    check_page_rules(page)
    listed = articles(page)
    burnable = {t for t, a in listed.items() if a.select("button", data_burn=None)}
    assert burnable == {tokens[BurnAuth.OWNER_ONLY], tokens[BurnAuth.BOTH]}
    assert listed[tokens[BurnAuth.NEITHER]].attrs["data-status"] == "active"
    assert "recorded on the chain" in listed[tokens[BurnAuth.NEITHER]].text()
    card = listed[revoked]
    assert card.attrs["data-status"] == "revoked"
    assert "reason: academic misconduct; since " in card.one("span", class_="status-detail").text()
    button = listed[tokens[BurnAuth.OWNER_ONLY]].one("button", data_burn=None)
    assert "danger" in button.attrs["class"]
    token_id = int(tokens[BurnAuth.OWNER_ONLY], 16)
    assert button.attrs["data-calldata"] == "0x" + registry.client.encode("burn", token_id).hex()
    assert button.attrs["data-contract"] == registry.client.address
    assert button.attrs["data-holder"] == holder
    assert int(button.attrs["data-chain-id"], 16) == registry.w3.eth.chain_id
    assert page.by_id("burn-result").attrs["aria-live"] == "polite"
    assert [s.attrs["src"] for s in page.select("script")] == [
        "/static/connect.js",
        "/static/burn.js",
    ]


def test_a_burn_by_the_holder_shows_on_the_page_and_the_indexer_erases_the_document(
    site: IssuerServer, tenant: Tenant, registry: Registry
) -> None:
    learner = new_holder()
    issued = issue_to(tenant, learner.address)
    confirm(site, issued["id"])
    start = mint(registry, issued["token_id"], learner.address, BurnAuth.OWNER_ONLY)
    _, page = get_page(site, address=learner.address)
    button = articles(page)[issued["token_id"]].one("button", data_burn=None)

    # What burn.js asks the wallet to send: the page's calldata, to the page's contract.
    receipt = funded(registry, learner).send(
        button.attrs["data-contract"], bytes.fromhex(button.attrs["data-calldata"][2:])
    )

    assert receipt["status"] == 1
    _, after = get_page(site, address=learner.address)
    card = articles(after)[issued["token_id"]]
    assert card.attrs["data-status"] == "burned" and not card.select("button")
    before = site.db.credential(issued["id"])
    assert before is not None and before.document is not None  # not yet indexed
    indexer = Indexer(
        events=Web3EventSource(registry.client),
        index=SqlCredentialIndex(site.db.engine),
        config=IndexerConfig(start_block=start, name=f"learner-page-{issued['id']}"),
    )
    assert indexer.sync() >= 2  # Issued, then the burn
    row = site.db.credential(issued["id"])
    assert row is not None and (row.status, row.document) == ("burned", None)
    erased = httpx.post(
        f"{site.url}/v1/credentials/{issued['id']}/claim-link", headers=_auth(tenant)
    )
    assert erased.status_code == 410


@pytest.fixture(scope="module")
def chainless(
    deployed: tuple[RegistryClient, Deployment], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IssuerServer]:
    """The app with a node that does not answer (the chain id is configured, so it issues)."""
    folder = tmp_path_factory.mktemp("learner-no-chain")
    dead = f"http://127.0.0.1:{free_port()}"
    yield from serve("sqlite", folder, dead, deployed[1].address, chain_id=31337, rpc_timeout=0.5)


@pytest.fixture
def chainless_tenant(chainless: IssuerServer) -> Iterator[Tenant]:
    yield from new_tenant(chainless)


def test_a_chain_that_cannot_be_read_leaves_the_status_unknown_not_invalid(
    chainless: IssuerServer, chainless_tenant: Tenant
) -> None:
    tenant = chainless_tenant
    holder = new_holder().address
    issued = issue_to(tenant, holder)

    answer, page = get_page(chainless, address=holder)

    assert answer.status_code == 200
    assert "The chain could not be read" in page.by_id("chain-problem").text()
    card = articles(page)[issued["token_id"]]
    assert card.attrs["data-status"] == "unknown" and not card.select("button")
    assert card.one("h3").text() == ACHIEVEMENT["title"]  # the public part comes from the store
    certificate = httpx.get(
        chainless.url + card.by_id(f"certificate-{issued['token_id']}").attrs["href"]
    )
    assert certificate.status_code == 200
    badge = httpx.get(chainless.url + card.by_id(f"openbadge-{issued['token_id']}").attrs["href"])
    assert badge.status_code == 200 and badge.json()["evidence"][0]["id"].startswith(
        "eip155:31337/"
    )


def _auth(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.key}"}
