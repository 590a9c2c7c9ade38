"""The verifier page over real HTTP (the app under uvicorn, the session Anvil and registry):
the form, reports for an uploaded, pasted, shared or scanned credential, the errors that bring
the form back, the signed receipt, bulk checks, the possession proof's wiring, and escaping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.adapters.pinning import BuiltinStore
from chaincred.cli import main
from chaincred.domain import CredentialDocument, parse_json, present
from chaincred.domain.onchain import Reason
from chaincred.domain.receipt import check_receipt
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.web.sharing import encode_share
from tests.api.issuer.conftest import IssuerServer, serve
from tests.conftest import Roles
from tests.contracts.conftest import Registry, new_digest
from tests.contracts.support import send
from tests.verifier import support
from tests.verifier.faultproxy import FaultProxy
from tests.verifier.support import CHECK_ORDER, Issue, as_json, hex_id, latest_block, mint
from tests.web.html import Element, check_page_rules, parse_html
from tests.web.verify_support import HOSTILE, Report, build_issue, hostile_document, read_report

pytestmark = pytest.mark.chain

RECEIPT_KEY = Account.from_key(DEV_ACCOUNTS[9])  # the dev receipt key of local mode
JSON_FILE = "application/json"
#: What a browser sends for a file input left empty.
NO_FILE = ("", b"", "application/octet-stream")


@pytest.fixture
def issue(registry: Registry, roles: Roles) -> Issue:
    return build_issue(registry.client.address, roles.learner.address)


@pytest.fixture
def minted(registry: Registry, issue: Issue) -> CredentialDocument:
    return support.minted(registry, issue)


@pytest.fixture
def revoked(registry: Registry, issue: Issue) -> CredentialDocument:
    return support.revoked(registry, issue, Reason.ACADEMIC_MISCONDUCT)


@pytest.fixture
def web(site: IssuerServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        yield client


@dataclass
class Keyless:
    """A second app without a receipt key, whose RPC goes through a proxy that a test can
    break (``proxy.fault = "http_502"``)."""

    url: str
    proxy: FaultProxy


@pytest.fixture(scope="module")
def keyless(
    anvil: AnvilProcess,
    deployed: tuple[RegistryClient, Deployment],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Keyless]:
    folder = tmp_path_factory.mktemp("web-keyless")
    with FaultProxy(anvil.rpc_url) as proxy:
        for server in serve("sqlite", folder, proxy.url, deployed[1].address):
            yield Keyless(server.url, proxy)


@pytest.fixture
def chain_down(keyless: Keyless) -> Iterator[Keyless]:
    keyless.proxy.fault = "http_502"
    yield keyless
    keyless.proxy.fault = "pass"


def text_of(document: CredentialDocument) -> str:
    return json.dumps(as_json(document), indent=2)


def upload(web: httpx.Client, document: CredentialDocument | bytes) -> httpx.Response:
    data = document if isinstance(document, bytes) else text_of(document).encode()
    return web.post("/verify", files={"file": ("credential.json", data, JSON_FILE)})


def paste(web: httpx.Client, text: str) -> httpx.Response:
    return web.post("/verify", data={"text": text}, files={"file": NO_FILE})


def report_of(response: httpx.Response) -> Report:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return read_report(response.text)


def form_error(response: httpx.Response, status: int) -> str:
    """The form page's error message, after checking it is the form page with ``status``."""
    assert response.status_code == status, response.text
    page = parse_html(response.text)
    check_page_rules(page)
    assert page.has_id("document-file") and page.has_id("verify-submit")
    (error,) = [e for e in page.walk() if "error" in e.classes]
    assert error.attrs["role"] == "alert"
    return error.text()


def facts(element: Element) -> dict[str, str]:
    """The ``<dt>``/``<dd>`` pairs of the first ``dl`` in ``element``."""
    (dl, *_) = element.select("dl")
    terms = [e for e in dl.children if isinstance(e, Element)]
    return {dt.text(): dd.text() for dt, dd in zip(terms[::2], terms[1::2], strict=True)}


# --- the form ---------------------------------------------------------------------------------


def test_the_form_takes_a_file_pasted_json_or_a_token_id(web: httpx.Client) -> None:
    response = web.get("/verify")

    assert response.status_code == 200
    page = parse_html(response.text)
    check_page_rules(page)
    assert page.by_id("document-file").attrs["accept"] == ".json,application/json"
    assert page.by_id("document-file").attrs["type"] == "file"
    assert page.by_id("document-text").tag == "textarea"
    form = page.one("form", id="verify-form")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/verify")
    assert form.attrs["enctype"] == "multipart/form-data"
    assert page.by_id("verify-submit").attrs["type"] == "submit"
    assert page.by_id("token-id").attrs["name"] == "token"
    assert page.one("a", aria_current="page").attrs["href"] == "/verify"
    assert not [e for e in page.walk() if "error" in e.classes]


# --- reports ------------------------------------------------------------------------------------


def test_an_uploaded_minted_document_is_valid_with_every_check_and_its_evidence(
    web: httpx.Client, registry: Registry, minted: CredentialDocument, roles: Roles
) -> None:
    report = report_of(upload(web, minted))

    assert (report.verdict, report.words) == ("valid", "Valid")
    assert report.why == f"Every check passed against the chain at block {_block(registry)}."
    assert report.outcomes == {name: "pass" for name in CHECK_ORDER}
    assert list(report.outcomes) == CHECK_ORDER
    credential = facts(report.page.one("section", aria_labelledby="credential-heading"))
    assert credential["Title"] == "Applied Machine Learning"
    assert credential["Awarded by"] == "Universiteit Voorbeeld (NL)"
    assert (credential["ECTS credits"], credential["EQF level"]) == ("5", "6")
    assert credential["Learning outcomes"] == "Train and evaluate supervised models."
    assert credential["Quality assurance"] == "external, NVAO"
    assert credential["Valid until"] == "no end date"
    issuer = facts(report.row("issuer"))
    assert issuer["Institution"] == "Universiteit Voorbeeld (id 1)"
    assert issuer["Accreditation"] == "non-formal (recorded on the chain)"
    onchain = facts(report.row("onchain"))
    assert onchain["Held by"] == roles.learner.address
    conformance = facts(report.row("conformance"))
    assert (conformance["ECTS"], conformance["EQF level"]) == ("5", "6")
    assert "Common Microcredential Framework (cmf-2019)" in conformance
    assert "EU Council 2022 (eu-2022)" in conformance
    assert facts(report.row("validity"))["Valid until"] == "no end date"
    claims = report.page.by_id("claims-proven").text()
    assert "Full name Ada Lovelace" in claims and "Student id s1234567" in claims
    assert report.page.has_id("claims-withheld-none")
    judged = facts(report.page.one("section", aria_labelledby="judged-heading"))
    head = latest_block(registry.w3)
    assert judged["Block"] == f"{head['number']:,}"
    assert judged["Block hash"] == head["hash"]
    assert judged["Token id"] == hex_id(int(minted.token_id()))
    assert judged["Registry contract"] == registry.client.address
    assert not report.page.has_id("chain-only")


def test_pasted_json_is_verified_the_same_way(
    web: httpx.Client, minted: CredentialDocument
) -> None:
    report = report_of(paste(web, text_of(minted)))

    assert report.verdict == "valid"
    assert report.outcomes == {name: "pass" for name in CHECK_ORDER}


def test_a_revoked_document_is_invalid_with_the_reason_and_date(
    web: httpx.Client, revoked: CredentialDocument
) -> None:
    report = report_of(upload(web, revoked))

    assert (report.verdict, report.words) == ("invalid", "Invalid")
    assert report.why.startswith("Revoked by its issuer on ")
    assert report.why.endswith(" UTC (reason: academic misconduct).")
    assert report.outcomes["status"] == "fail"
    assert report.page.by_id("status-reason").text() == "academic misconduct"
    status = facts(report.row("status"))
    assert status["Since"].endswith(" UTC")
    assert "status.revoked" in report.row("status").text()
    assert {v for k, v in report.outcomes.items() if k != "status"} == {"pass"}


def test_a_superseded_document_links_to_its_successor(
    web: httpx.Client, registry: Registry, issue: Issue, roles: Roles
) -> None:
    original, correction = support.superseded(registry, issue, roles.learner.address)
    old_id, new_id = int(original.token_id()), int(correction.token_id())

    report = report_of(upload(web, original))

    assert report.verdict == "invalid"
    assert report.why.startswith("Replaced by a corrected credential on ")
    link = report.row("status").one("a")
    assert link.attrs["href"] == f"/verify?token={hex_id(new_id)}"
    successor = report_of(web.get(link.attrs["href"]))
    assert successor.verdict == "valid"
    corrected = report_of(upload(web, correction))
    credential = corrected.page.by_id("credential")
    assert credential.one("a").attrs["href"] == f"/verify?token={hex_id(old_id)}"


def test_accreditation_on_the_chain_is_shown_with_its_body_and_end(
    web: httpx.Client, registry: Registry, minted: CredentialDocument
) -> None:
    until = 4_102_444_800  # 2100-01-01
    send(registry, registry.registrar, "setAccreditation", 1, True, 4321, until)

    issuer = facts(report_of(upload(web, minted)).row("issuer"))

    assert issuer["Accreditation"] == "accredited (formal education) (recorded on the chain)"
    assert issuer["Quality-assurance body"] == "id 4321"
    assert issuer["Accreditation valid until"] == "2100-01-01 00:00:00 UTC"


def test_a_token_id_from_a_qr_code_checks_the_chain_facts(
    web: httpx.Client, minted: CredentialDocument
) -> None:
    token = hex_id(int(minted.token_id()))

    report = report_of(web.get("/verify", params={"token": token}))

    assert report.verdict == "valid"
    assert report.outcomes == {"onchain": "pass", "status": "pass", "issuer": "pass"}
    assert report.page.has_id("chain-only")
    assert not report.page.has_id("credential")  # the store does not hold this public part
    assert report.page.by_id("possession").attrs["data-token-id"] == token
    assert "data-document" not in report.page.by_id("possession").attrs


def test_a_token_whose_metadata_this_service_holds_shows_the_credential(
    web: httpx.Client, site: IssuerServer, minted: CredentialDocument
) -> None:
    BuiltinStore(site.settings.data_dir / "ipfs").put(minted.public.canonical)

    report = report_of(web.get("/verify", params={"token": str(int(minted.token_id()))}))

    credential = facts(report.page.one("section", aria_labelledby="credential-heading"))
    assert credential["Title"] == "Applied Machine Learning"
    assert credential["ECTS credits"] == "5"
    assert facts(report.row("issuer"))["Institution"] == "Universiteit Voorbeeld (id 1)"


def test_a_share_link_opens_the_report_with_only_the_disclosed_claims(
    web: httpx.Client, minted: CredentialDocument
) -> None:
    shared = present(minted, ["name"])
    link = encode_share(json.dumps(as_json(shared)).encode())

    report = report_of(web.get("/verify", params={"doc": link}))

    assert report.verdict == "valid"
    assert report.page.by_id("claims-proven").text() == "Full name Ada Lovelace"
    withheld = report.page.by_id("claims-withheld").text()
    assert withheld == "Student id Date of birth"
    assert "s1234567" not in report.page.text()
    integrity = facts(report.row("integrity"))
    assert integrity["Claims disclosed and proven"] == "Full name"
    assert integrity["Claims withheld"] == "Student id, Date of birth"


def test_a_tampered_claim_is_invalid_and_named(
    web: httpx.Client, minted: CredentialDocument
) -> None:
    raw = as_json(minted)
    raw["claims"]["name"]["value"] = "Mallory"

    report = report_of(paste(web, json.dumps(raw)))

    assert report.verdict == "invalid"
    assert report.outcomes["integrity"] == "fail"
    mismatched = report.page.by_id("claims-mismatched").text()
    assert mismatched == "Full name value and salt do not match the commitment"


def test_a_never_issued_document_is_invalid(web: httpx.Client, issue: Issue) -> None:
    report = report_of(upload(web, issue()))

    assert report.verdict == "invalid"
    assert report.why == "On the chain: no token with this id was ever issued."
    assert report.outcomes["status"] == "indeterminate"


# --- errors bring the form back -------------------------------------------------------------------


def test_malformed_json_is_a_400_with_line_and_column_and_keeps_the_text(
    web: httpx.Client,
) -> None:
    text = '{\n  "public": {\n    "name": oops\n  }\n}'

    response = paste(web, text)

    message = form_error(response, 400)
    assert message == "This is not JSON: malformed JSON at line 3, column 13: Expecting value."
    assert parse_html(response.text).by_id("document-text").text() == " ".join(text.split())


def test_pasted_text_beyond_the_form_limit_is_a_413_that_says_so(web: httpx.Client) -> None:
    message = form_error(paste(web, "x" * 1_100_000), 413)

    assert message.startswith("The upload could not be read: ")
    assert message.endswith(" exceeded maximum size of 1024KB.")  # starlette's words


def test_an_uploaded_file_that_is_not_json_is_a_400(web: httpx.Client) -> None:
    message = form_error(upload(web, b"%PDF-1.7 not a credential"), 400)

    assert message == "This is not JSON: malformed JSON at line 1, column 1: Expecting value."


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("[1, 2]", "a credential document is a JSON object"),
        ("42", "a credential document is a JSON object"),
        ('{"public": {}}', "public.format: is required public.name: is required"),
    ],
    ids=["array", "number", "object"],
)
def test_json_that_is_not_a_document_is_a_422(web: httpx.Client, body: str, detail: str) -> None:
    message = form_error(paste(web, body), 422)

    assert message.startswith("This is not a chaincred credential document: ")
    assert detail in message


def test_nothing_given_is_a_422(web: httpx.Client) -> None:
    message = form_error(paste(web, "  "), 422)

    assert message == "Choose a credential file or paste its JSON, then verify."


@pytest.mark.parametrize(
    ("link", "detail"),
    [
        ("a", "its text is not base64url"),
        ("bm90IGRlZmxhdGU", "its data does not inflate"),
    ],
)
def test_a_damaged_share_link_is_a_400(web: httpx.Client, link: str, detail: str) -> None:
    message = form_error(web.get("/verify", params={"doc": link}), 400)

    assert message == f"This share link does not work: the share link is damaged: {detail}."


def test_a_share_link_cut_short_says_so(web: httpx.Client, minted: CredentialDocument) -> None:
    link = encode_share(json.dumps(as_json(minted)).encode())

    # 12 characters (whole base64 groups) off the end: still base64url, but not all of it
    message = form_error(web.get("/verify", params={"doc": link[:-12]}), 400)

    assert "cut short: copy the whole link" in message


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        ("nope", "'nope' is not a token id (0x-hex or decimal)"),
        ("0x0", "'0x0' is outside the uint256 range"),
        ("0x" + "f" * 65, "is outside the uint256 range"),
    ],
)
def test_a_bad_token_id_is_a_400_and_is_kept_in_the_field(
    web: httpx.Client, token: str, detail: str
) -> None:
    response = web.get("/verify", params={"token": token})

    message = form_error(response, 400)
    assert message.startswith("That is not a credential's token id: ")
    assert detail in message
    assert parse_html(response.text).by_id("token-id").attrs["value"] == token


def test_a_token_never_issued_is_an_invalid_report_not_an_error(web: httpx.Client) -> None:
    report = report_of(web.get("/verify", params={"token": hex_id(new_digest())}))

    assert report.verdict == "invalid"
    assert report.outcomes["onchain"] == "fail"


def test_a_chain_that_cannot_be_read_is_cannot_determine_never_invalid(
    chain_down: Keyless, minted: CredentialDocument
) -> None:
    response = httpx.post(
        f"{chain_down.url}/verify",
        files={"file": ("c.json", text_of(minted).encode(), JSON_FILE)},
        timeout=60,
    )
    report = report_of(response)

    assert (report.verdict, report.words) == ("indeterminate", "Cannot determine")
    assert "try again" in report.why
    assert report.page.has_id("verdict-retry")
    assert report.outcomes["onchain"] == "indeterminate"
    assert "fail" not in report.outcomes.values()

    by_token = httpx.get(
        f"{chain_down.url}/verify", params={"token": hex_id(int(minted.token_id()))}, timeout=60
    )
    assert report_of(by_token).verdict == "indeterminate"


# --- receipts -----------------------------------------------------------------------------------


def receipt_form(report: Report) -> dict[str, str]:
    """The receipt form's fields, as the browser would send them."""
    form = report.page.one("form", action="/verify/receipt")
    assert form.attrs["method"] == "post"
    assert form.one("button").attrs["id"] == "receipt-button"
    return {i.attrs["name"]: i.attrs["value"] for i in form.select("input", type="hidden")}


def test_the_receipt_button_downloads_a_receipt_that_verify_receipt_accepts(
    web: httpx.Client,
    minted: CredentialDocument,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fields = receipt_form(report_of(upload(web, minted)))
    assert parse_json(fields["document"]) == as_json(minted)

    response = web.post("/verify/receipt", data=fields)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    short = f"{int(minted.token_id()):064x}"[:12]
    assert response.headers["content-disposition"] == (
        f'attachment; filename="receipt-{short}.json"'
    )
    receipt = parse_json(response.content)
    checked = check_receipt(receipt)
    assert checked.authentic and checked.signer == RECEIPT_KEY.address
    assert (checked.verdict, checked.digest) == ("valid", hex_id(int(minted.token_id())))
    assert [c["name"] for c in receipt["report"]["checks"]] == CHECK_ORDER
    saved = tmp_path / "receipt.json"
    saved.write_bytes(response.content)
    assert main(["verify-receipt", str(saved), "--verifier", RECEIPT_KEY.address]) == 0
    assert capsys.readouterr().out.startswith(f"signed by {RECEIPT_KEY.address}: authentic")


def test_a_receipt_for_a_token_id_and_for_a_revoked_credential(
    web: httpx.Client, revoked: CredentialDocument
) -> None:
    token = hex_id(int(revoked.token_id()))
    fields = receipt_form(report_of(web.get("/verify", params={"token": token})))
    assert fields == {"token": token}

    receipt = parse_json(web.post("/verify/receipt", data=fields).content)

    checked = check_receipt(receipt)
    assert checked.authentic and checked.verdict == "invalid"
    status = receipt["report"]["checks"][1]
    assert status["code"] == "status.revoked"
    assert status["evidence"]["reason"] == "academic_misconduct"


def test_a_tampered_receipt_is_not_authentic(web: httpx.Client, minted: CredentialDocument) -> None:
    receipt = parse_json(
        web.post("/verify/receipt", data={"token": hex_id(int(minted.token_id()))}).content
    )
    receipt["report"]["verdict"] = "invalid"

    assert not check_receipt(receipt).authentic


def test_a_verifier_without_a_receipt_key_says_so_instead_of_failing(
    keyless: Keyless, minted: CredentialDocument
) -> None:
    page = report_of(
        httpx.get(f"{keyless.url}/verify", params={"token": hex_id(int(minted.token_id()))})
    )
    assert page.verdict == "valid"
    assert page.page.has_id("receipt-unavailable") and not page.page.has_id("receipt-button")

    response = httpx.post(
        f"{keyless.url}/verify/receipt", data={"token": hex_id(int(minted.token_id()))}
    )

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    error = parse_html(response.text).by_id("verify-error")
    assert error.attrs["role"] == "alert"
    assert error.text().startswith("This verifier does not sign receipts")


def test_a_receipt_request_with_a_bad_document_brings_the_form_back(web: httpx.Client) -> None:
    assert "not JSON" in form_error(web.post("/verify/receipt", data={"document": "{"}), 400)
    assert "Give a document" in form_error(web.post("/verify/receipt", data={}), 422)


# --- holder possession ----------------------------------------------------------------------------


def test_the_possession_section_gives_the_script_what_it_needs(
    web: httpx.Client, site: IssuerServer, minted: CredentialDocument, roles: Roles
) -> None:
    """What static/possession.js does, step by step, with the page's data- attributes."""
    report = report_of(upload(web, minted))
    section = report.page.by_id("possession")
    assert report.page.by_id("prove-button").attrs["type"] == "button"
    assert report.page.by_id("possession-result").attrs["aria-live"] == "polite"
    (script,) = report.page.select("script")
    assert script.attrs["src"] == "/static/possession.js"
    served = web.get(script.attrs["src"])
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    assert "eth_requestAccounts" in served.text and "personal_sign" in served.text

    attrs = section.attrs
    challenge = web.post(
        attrs["data-challenge-url"],
        json={"token_id": attrs["data-token-id"], "address": roles.learner.address},
    ).json()
    signature = roles.learner.sign_message(encode_defunct(text=challenge["message"])).signature
    proof = (
        f'{{"message":{json.dumps(challenge["message"])},'
        f'"signature":"0x{bytes(signature).hex()}","document":{attrs["data-document"]}}}'
    )
    answer = web.post(
        attrs["data-possession-url"], content=proof, headers={"content-type": JSON_FILE}
    ).json()

    assert answer["checks"][-1]["name"] == "possession"
    assert answer["checks"][-1]["outcome"] == "pass"
    assert answer["verdict"] == "valid"


def test_a_report_without_a_token_offers_no_proof(
    web: httpx.Client, minted: CredentialDocument
) -> None:
    raw = as_json(minted)
    raw["public"]["issued_at"] = "2020-01-01T00:00:00Z"  # no longer hashes to the token id

    report = report_of(paste(web, json.dumps(raw)))

    assert report.verdict == "invalid"
    assert report.outcomes["integrity"] == "fail"
    assert not report.page.has_id("possession") and not report.page.has_id("receipt-button")
    assert not report.page.has_id("credential")  # a tampered public part is not shown as fact


# --- bulk -----------------------------------------------------------------------------------------


def bulk_rows(response: httpx.Response) -> list[tuple[str, str, list[str], str | None]]:
    """(item, verdict, problem codes, report link) per row of ``#bulk-results``."""
    assert response.status_code == 200, response.text
    page = parse_html(response.text)
    check_page_rules(page)
    table = page.by_id("bulk-results")
    rows = []
    for tr in table.select("tr"):
        if "data-verdict" not in tr.attrs:
            continue
        links = tr.select("a")
        codes = [c.text() for c in tr.select("code") if "short-token" not in c.classes]
        href = links[0].attrs["href"] if links else None
        rows.append((tr.one("th").text(), tr.attrs["data-verdict"], codes, href))
    return rows


def test_the_bulk_form(web: httpx.Client) -> None:
    response = web.get("/verify/bulk")

    assert response.status_code == 200
    page = parse_html(response.text)
    check_page_rules(page)
    files = page.by_id("bulk-files")
    assert (files.attrs["type"], files.attrs["name"]) == ("file", "files")
    assert "multiple" in files.attrs
    assert not page.has_id("bulk-results")


def test_bulk_with_a_csv_of_token_ids(
    web: httpx.Client, minted: CredentialDocument, revoked: CredentialDocument
) -> None:
    good, bad = hex_id(int(minted.token_id())), hex_id(int(revoked.token_id()))
    csv = f"token_id\n{good}\n\n{int(revoked.token_id())}\nnope\n"

    response = web.post("/verify/bulk", files=[("files", ("ids.csv", csv.encode(), "text/csv"))])

    assert bulk_rows(response) == [
        ("ids.csv row 1", "valid", [], f"/verify?token={good}"),
        ("ids.csv row 2", "invalid", ["status.revoked"], f"/verify?token={bad}"),
        ("ids.csv row 3", "invalid", ["format.unreadable"], None),
    ]
    summary = parse_html(response.text).by_id("bulk-summary").text()
    assert summary == "3 items: 1 valid, 2 invalid, 0 cannot determine."


def test_bulk_with_several_files_and_typed_ids(
    web: httpx.Client, minted: CredentialDocument, revoked: CredentialDocument
) -> None:
    files = [
        ("files", ("alice.json", text_of(minted).encode(), JSON_FILE)),
        ("files", ("bob.json", text_of(revoked).encode(), JSON_FILE)),
        ("files", ("scan.pdf", b"%PDF-1.7", "application/pdf")),
    ]

    response = web.post(
        "/verify/bulk", files=files, data={"token_ids": hex_id(int(minted.token_id()))}
    )

    token = hex_id(int(minted.token_id()))
    assert bulk_rows(response) == [
        ("alice.json", "valid", [], None),
        ("bob.json", "invalid", ["status.revoked"], None),
        ("scan.pdf", "invalid", ["format.unreadable"], None),
        ("typed list row 1", "valid", [], f"/verify?token={token}"),
    ]


def test_bulk_with_nothing_is_a_422(web: httpx.Client) -> None:
    response = web.post("/verify/bulk", files={"files": NO_FILE}, data={"token_ids": ""})

    assert response.status_code == 422
    error = parse_html(response.text).by_id("verify-error")
    assert error.text() == "Choose one or more files, or type token ids."


# --- escaping -------------------------------------------------------------------------------------


def test_markup_in_a_document_is_shown_as_text(
    web: httpx.Client, registry: Registry, roles: Roles
) -> None:
    document = hostile_document(registry.client.address, roles.learner.address)
    mint(registry, document)

    response = upload(web, document)
    report = report_of(response)

    assert report.verdict == "valid"
    assert "<script>" not in response.text.replace('<script src="/static/possession.js"', "")
    assert "<img src=x" not in response.text
    assert len(report.page.select("script")) == 1
    credential = facts(report.page.one("section", aria_labelledby="credential-heading"))
    assert credential["Title"] == f"Course {HOSTILE}"
    assert credential["Awarded by"] == HOSTILE
    assert facts(report.page.by_id("claims"))["Full name"] == f'"><b>{HOSTILE}'
    # the document travels intact in the attributes the receipt and the proof use
    assert parse_json(report.page.by_id("possession").attrs["data-document"]) == as_json(document)


def test_markup_in_rejected_input_is_shown_as_text(web: httpx.Client) -> None:
    text = f"</textarea>{HOSTILE}"
    response = paste(web, text)

    form_error(response, 400)
    assert HOSTILE not in response.text
    assert parse_html(response.text).by_id("document-text").text() == text

    by_token = web.get("/verify", params={"token": HOSTILE})
    assert HOSTILE not in by_token.text
    assert HOSTILE in form_error(by_token, 400)


def _block(registry: Registry) -> str:
    return f"{latest_block(registry.w3)['number']:,}"
