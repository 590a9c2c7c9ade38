"""The three users' journeys in a real Chromium, on the whole local stack (``chaincred up``).

An institution issues a cohort from a CSV roster in the console; a learner finds the
credential on the learner page and downloads the PDF certificate, whose QR code opens the
verifier page; the verifier sees it valid and has the holder prove possession with a wallet;
the institution revokes it, and the verifier page turns invalid with the reason. Another
learner burns a credential with their wallet, and the service erases what it stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from eth_account import Account

from chaincred.toolchain.anvil import DEV_ACCOUNTS
from tests.browser.conftest import Stack, Wallet, screenshot

pytestmark = [pytest.mark.chain, pytest.mark.slow]

# Anvil's well-known accounts 4 to 6 are the cohort (0-2 are the stack's registrar, signer
# and demo holder; 3 is left alone): their keys let the test wallet sign for them.
COHORT = [Account.from_key(key) for key in DEV_ACCOUNTS[4:7]]
NAMES = ["Grace Hopper", "Katherine Johnson", "Alan Turing"]


def eventually(check: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def log_in(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.url}/console")
    page.fill("#api-key", stack.values["CHAINCRED_API_KEY"])
    page.click("#login-submit")
    page.wait_for_url("**/console/achievements")


def issue_cohort(page: Any, stack: Stack, tmp_path: Path) -> dict[str, str]:
    """The cohort issued from a roster with one bad line; the credential page of each
    learner's confirmed credential, by address."""
    roster = tmp_path / "cohort.csv"
    people = enumerate(zip(COHORT, NAMES, strict=True))
    lines = [f"{account.address},{name},s-{i}" for i, (account, name) in people]
    roster.write_text("recipient,name,student_id\n" + "\n".join([*lines, "0x1234,Nobody,s-9"]))
    page.goto(f"{stack.url}/console/roster")
    page.select_option("#achievement_id", stack.values["CHAINCRED_ACHIEVEMENT_ID"])
    page.set_input_files("#roster-file", str(roster))
    page.click("#roster-upload")
    rows = page.locator("#roster-preview tbody tr")
    assert rows.count() == 4
    assert [rows.nth(i).get_attribute("data-valid") for i in range(4)] == [
        "true", "true", "true", "false",
    ]  # fmt: skip
    assert "0x1234" in rows.nth(3).inner_text()
    screenshot(page, "console-roster-preview")
    page.click("#roster-confirm")
    page.wait_for_url("**/console/jobs/*")

    def all_confirmed() -> bool:
        page.reload()
        progress = page.locator("#job-progress")
        return progress.get_attribute("data-confirmed") == progress.get_attribute("data-total")

    eventually(all_confirmed, "the cohort's mintBatch to be confirmed")
    assert page.locator("#job-progress").get_attribute("data-total") == "3"
    screenshot(page, "console-job")
    pages: dict[str, str] = {}
    for row in page.locator("#job-items tbody tr").all():
        link = row.locator("a[href^='/console/credentials/']").get_attribute("href")
        pages[row.locator("code").inner_text()] = f"{stack.url}{link}"
    assert set(pages) == {a.address for a in COHORT}
    return pages


def certificate_url(page: Any, stack: Stack, tmp_path: Path, address: str) -> tuple[str, str]:
    """The learner page of ``address``: its credential's token id and the URL that the PDF
    certificate's QR code encodes (the PDF downloaded, rendered and scanned)."""
    page.goto(f"{stack.url}/learner")
    page.fill("#wallet-address", address.lower())  # as a learner might type it
    page.click("#learner-submit")
    card = page.locator("article.credential").first
    token_id = card.get_attribute("data-token-id")
    assert card.get_attribute("data-status") == "active"
    assert NAMES[0] not in page.content()  # the public page shows no personal claim
    with page.expect_download() as download:
        page.click(f"#certificate-{token_id}")
    pdf_path = tmp_path / "certificate.pdf"
    download.value.save_as(pdf_path)
    image = pdfium.PdfDocument(str(pdf_path))[0].render(scale=2).to_pil()
    (code,) = zxingcpp.read_barcodes(image)
    return str(token_id), code.text


def test_cohort_certificate_verdict_possession_and_revocation(
    page: Any, stack: Stack, tmp_path: Path
) -> None:
    learner = COHORT[0]
    Wallet(DEV_ACCOUNTS[4], stack.rpc_url).install(page)

    log_in(page, stack)
    screenshot(page, "console-achievements")
    credential_pages = issue_cohort(page, stack, tmp_path)

    token_id, scanned = certificate_url(page, stack, tmp_path, learner.address)
    screenshot(page, "learner")
    assert scanned == f"{stack.url}/verify?token={token_id}"

    page.goto(scanned)
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "valid", verdict.inner_text()
    assert "Valid" in verdict.inner_text()
    checks = page.locator("#checks tr[data-check]")
    outcomes = {
        checks.nth(i).get_attribute("data-check"): checks.nth(i).get_attribute("data-outcome")
        for i in range(checks.count())
    }
    assert outcomes["status"] == "pass" and outcomes["issuer"] == "pass", outcomes
    page.click("#prove-button")
    result = page.locator("#possession-result")
    result.locator("xpath=self::*[@data-outcome]").wait_for(timeout=30_000)
    assert result.get_attribute("data-outcome") == "pass", result.inner_text()
    screenshot(page, "verify-valid")

    page.goto(credential_pages[learner.address])
    page.select_option("#revoke-reason", "academic_misconduct")
    page.click("#revoke-submit")

    def revoked() -> bool:
        page.goto(credential_pages[learner.address])
        return page.locator("#credential-status").get_attribute("data-status") == "revoked"

    eventually(revoked, "the revocation to be confirmed")
    screenshot(page, "console-credential")

    page.goto(scanned)
    assert page.locator("#verdict").get_attribute("data-verdict") == "invalid"
    assert "academic misconduct" in page.locator("#status-reason").inner_text().lower()
    screenshot(page, "verify-invalid")


def test_a_learner_burns_a_credential_and_the_service_erases_its_claims(
    page: Any, stack: Stack, tmp_path: Path
) -> None:
    holder = Account.from_key(DEV_ACCOUNTS[3])
    with stack.api() as api:
        issued = api.post(
            "/v1/credentials",
            json={
                "achievement_id": stack.values["CHAINCRED_ACHIEVEMENT_ID"],
                "recipient": holder.address,
                "claims": {"name": "Ada Lovelace"},
            },
            headers={"Idempotency-Key": f"burn-{time.time_ns()}"},
        )
        assert issued.status_code == 202, issued.text
        credential = issued.json()

        def state() -> dict[str, Any]:
            answer = api.get(f"/v1/credentials/{credential['id']}")
            return dict(answer.json())

        eventually(lambda: state()["state"] == "confirmed", "the credential to be confirmed")
        assert api.get(f"/v1/credentials/{credential['id']}/document").status_code == 200

        wallet = Wallet(DEV_ACCOUNTS[3], stack.rpc_url)
        wallet.install(page)
        page.goto(f"{stack.url}/learner")
        page.click("#connect-wallet")  # the wallet gives the address; nothing is signed
        page.wait_for_url(f"**/learner?address={holder.address}")
        card = page.locator(f"article.credential[data-token-id='{credential['token_id']}']")
        card.locator("button[data-burn]").click()
        page.locator("#burn-result").get_by_text("burned", exact=False).wait_for(timeout=60_000)
        assert "eth_sendTransaction" in wallet.calls

        eventually(lambda: state()["status"] == "burned", "the indexer to see the burn")
        erased = api.get(f"/v1/credentials/{credential['id']}/document")
        assert erased.status_code == 410, erased.text
    page.reload()
    card = page.locator(f"article.credential[data-token-id='{credential['token_id']}']")
    assert card.get_attribute("data-status") == "burned"
    assert card.locator("button[data-burn]").count() == 0
