"""The PDF certificate: read back as a reader would, by rendering its pages (pypdfium2) and
decoding the QR code (zxing-cpp), which must be exactly the verifier page of the token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp

from chaincred.domain import parse_document
from chaincred.web.certificate import certificate_pdf, verify_url
from tests.api.issuer.conftest import ACHIEVEMENT, IssuerServer, Tenant
from tests.web.learner_support import CLAIMS, get_page, issue_to, new_holder

VECTORS = Path(__file__).resolve().parents[1] / "data"


def read_pdf(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The text of each page, and the QR codes found on each page rendered at 144 dpi."""
    pdf = pdfium.PdfDocument(data)
    texts, codes = [], []
    for page in pdf:
        texts.append(page.get_textpage().get_text_range())
        image = page.render(scale=2).to_pil()
        codes.append([c.text for c in zxingcpp.read_barcodes(image)])
    return texts, codes


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_certificate_prints_the_public_facts_and_a_qr_code_of_the_verifier_page() -> None:
    document = parse_document(json.loads((VECTORS / "unicode-nfc.json").read_text("utf-8")))
    token_id = int(document.anchor.token_id)
    url = verify_url("https://verify.example.eu/", token_id)

    texts, codes = read_pdf(certificate_pdf(document.public, token_id=token_id, verify_url=url))

    assert url == f"https://verify.example.eu/verify?token=0x{token_id:064x}"
    assert codes == [[url]]
    (text,) = texts
    printed = flat(text)
    for fact in (
        "Université de Genève",
        "ECTS credits 4.5",
        "EQF level 5",
        "Workload 126 hours",
        "Issued 2025-09-01",
        "Valid until 2028-09-01",
        f"Recipient wallet {document.public.recipient}",
        f"Token id 0x{token_id:064x}",
        "Learning outcomes",
        "Choisir une licence adaptée à une œuvre numérique.",
        "Łódź",  # beyond Latin-1: the vendored font has it
        url,
    ):
        assert fact in printed, fact
    assert "Création numérique et droit d\u2019auteur" in printed
    # Glyphs the font lacks show as U+FFFD instead of vanishing.
    assert "東京" not in printed and "\ufffd\ufffd" in printed


@pytest.mark.chain
def test_the_pages_certificate_link_gives_a_pdf_whose_qr_opens_the_verifier(
    site: IssuerServer, tenant: Tenant
) -> None:
    holder = new_holder().address
    issued = issue_to(tenant, holder)
    _, page = get_page(site, address=holder)
    link = page.by_id(f"certificate-{issued['token_id']}")
    assert "data-certificate" in link.attrs

    answer = httpx.get(site.url + link.attrs["href"])

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="certificate-{issued["token_id"]}.pdf"'
    )
    texts, codes = read_pdf(answer.content)
    expected = f"{site.settings.public_url}/verify?token={issued['token_id']}"
    assert codes == [[expected]]
    printed = flat(texts[0])
    for fact in (
        ACHIEVEMENT["title"],
        "Institution Test University",
        "ECTS credits 5",
        "EQF level 6",
        ACHIEVEMENT["learning_outcomes"][0]["text"],
        f"Recipient wallet {holder}",
        f"Token id {issued['token_id']}",
        expected,
    ):
        assert fact in printed, fact
    for personal in CLAIMS.values():
        assert personal not in printed
    scanned = httpx.get(codes[0][0], timeout=60)  # the verifier page of the token
    assert scanned.status_code == 200 and ACHIEVEMENT["title"] in scanned.text


@pytest.mark.chain
def test_a_long_certificate_keeps_the_qr_code_whole_on_its_last_page(
    site: IssuerServer, tenant: Tenant
) -> None:
    outcomes = [
        {"text": f"Outcome {i}: " + "apply the principle of data minimisation to a design. " * 3}
        for i in range(1, 19)
    ]
    achievement_id = tenant.achievement(learning_outcomes=outcomes)
    issued = issue_to(tenant, new_holder().address, achievement_id=achievement_id)

    answer = httpx.get(f"{site.url}/learner/credentials/{issued['token_id']}/certificate.pdf")

    texts, codes = read_pdf(answer.content)
    expected = f"{site.settings.public_url}/verify?token={issued['token_id']}"
    assert len(texts) == 2 and codes == [[], [expected]]
    assert "Outcome 18:" in flat("".join(texts))
