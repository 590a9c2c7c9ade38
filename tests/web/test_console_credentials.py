"""Credentials in the console: the list (newest first, a page at a time, by state), a
credential's page (state, transaction, gas, fee), the learner's claim link, and the lifecycle
forms, each queuing an operation the page then follows; refusals shown with the API's status.
One institution's console never shows another's credentials."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from chaincred.domain import parse_document
from chaincred.ports.issuer import TransactionFacts
from tests.api.issuer.conftest import LEARNER, OTHER_LEARNER, Tenant
from tests.web.console_support import (  # noqa: F401 - other: a fixture
    Browser,
    Page,
    last_part,
    location,
    other,
    signed_in,
)

pytestmark = pytest.mark.chain

TX = TransactionFacts("0x" + "e5" * 32, "confirmed", 1, 4321, 120_000, 1_500_000_000)


def _confirmed(tenant: Tenant, *also: str, **changes: Any) -> dict[str, Any]:
    """A credential issued and confirmed, in one transaction with the mints of ``also``."""
    issued = tenant.issued(tenant.achievement(), **changes)
    ops = [tenant.server.db.outbox(c)[0].id or 0 for c in (issued["id"], *also)]
    tenant.server.db.settle(
        ops, state="confirmed", transaction=TX, credential={"state": "confirmed"}
    )
    return issued


def _settle_last(tenant: Tenant, credential_id: str, **credential: Any) -> None:
    """Confirm the newest operation on a credential, changing the credential as the indexer
    would."""
    op = tenant.server.db.outbox(credential_id)[-1]
    tenant.server.db.settle([op.id or 0], state="confirmed", credential=credential)


def _listed(page: Page) -> list[str]:
    return [r.attrs["data-credential"] for r in page.select("tr") if "data-credential" in r.attrs]


def test_the_list_is_newest_first_by_state_and_a_page_at_a_time(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    rows = [
        {"achievement_id": achievement_id, "recipient": LEARNER, "claims": {"student_id": str(i)}}
        for i in range(52)
    ]
    batch = tenant.http.post(
        "/v1/credentials/batch", json=rows, headers={"Idempotency-Key": secrets.token_hex(8)}
    )
    assert batch.status_code == 202
    newest = _confirmed(tenant)
    browser = signed_in(tenant)

    first = browser.get("/console/credentials")
    assert first.status == 200
    listed = _listed(first)
    assert len(listed) == 50 and listed[0] == newest["id"]
    assert not first.has_id("page-previous")
    second = browser.get(first.by_id("page-next").attrs["href"])
    assert len(_listed(second)) == 3 and not second.has_id("page-next")
    assert set(_listed(second)).isdisjoint(listed)
    assert second.by_id("page-previous").attrs["href"] == "/console/credentials?offset=0"

    confirmed = browser.get("/console/credentials", state="confirmed")
    assert _listed(confirmed) == [newest["id"]]
    assert confirmed.form("credentials-filter")[1]["state"] == "confirmed"
    assert (
        "no credentials in state failed"
        in browser.get("/console/credentials", state="failed")
        .by_id("credentials-empty")
        .text()
        .lower()
    )
    bad = browser.get("/console/credentials", state="mined")
    assert bad.status == 422
    assert (
        "state: must be one of queued, submitted, confirmed, failed"
        in bad.by_id("console-error").text()
    )


def test_a_credential_page_states_its_transaction_gas_and_fee(tenant: Tenant) -> None:
    companion = tenant.issued(tenant.achievement(), recipient=OTHER_LEARNER)
    issued = _confirmed(tenant, companion["id"])

    page = signed_in(tenant).get(f"/console/credentials/{issued['id']}")

    assert page.status == 200 and not page.select("meta", http_equiv="refresh")
    assert page.by_id("credential-state").attrs["data-state"] == "confirmed"
    assert page.by_id("credential-status").attrs["data-status"] == "active"
    assert page.by_id("credential-tx").text() == TX.tx_hash
    assert page.by_id("credential-block").text() == "4,321"
    assert page.by_id("credential-gas").text() == "60,000"  # its half of 120,000
    assert page.by_id("credential-fee").text() == "0.00009 ETH (90,000 gwei)"
    assert page.by_id("credential-token").text() == issued["token_id"]


def test_a_credential_is_revoked_with_a_reason_and_the_page_follows_it(tenant: Tenant) -> None:
    issued = _confirmed(tenant)
    browser = signed_in(tenant)
    page = browser.get(f"/console/credentials/{issued['id']}")
    reasons = [o.attrs["value"] for o in page.by_id("revoke-reason").walk() if o.tag == "option"]
    assert reasons == [
        "issued_in_error",
        "academic_misconduct",
        "requested_by_holder",
        "accreditation_withdrawn",
        "other",
    ]
    assert page.select("label", **{"for": "revoke-reason"})

    answer = browser.submit(page, "revoke-form", {"reason": "academic_misconduct"})

    assert location(answer) == f"/console/credentials/{issued['id']}?done=revoke"
    operation = tenant.server.db.outbox(issued["id"])[-1]
    assert (operation.kind, operation.state, operation.payload) == (
        "revoke",
        "queued",
        {"reason": "academic_misconduct"},
    )
    queued = browser.follow(answer)
    assert "Revocation queued" in queued.by_id("credential-notice").text()
    assert queued.select("tr", data_operation="revoke", data_state="queued")
    assert queued.select("meta", http_equiv="refresh")  # follows the pipeline
    # a second change while the first is pending is refused, saying why
    pending = browser.submit(queued, "suspend-form", {"reason": "other"})
    assert pending.status == 409
    assert "still in progress" in pending.by_id("suspend-error").text()

    _settle_last(tenant, issued["id"], status="revoked", status_reason="academic_misconduct")
    revoked = browser.get(f"/console/credentials/{issued['id']}")
    assert revoked.by_id("credential-status").attrs["data-status"] == "revoked"
    assert revoked.by_id("credential-reason").text() == "academic misconduct"
    assert revoked.select("tr", data_operation="revoke", data_state="confirmed")
    assert not revoked.select("meta", http_equiv="refresh")

    again = browser.submit(revoked, "revoke-form", {"reason": "other"})
    assert again.status == 409
    assert (
        again.by_id("revoke-error").text() == "Not done: cannot revoke a credential that is revoked"
    )
    assert len(tenant.server.db.outbox(issued["id"])) == 2


def test_a_reason_outside_the_enum_is_refused(tenant: Tenant) -> None:
    issued = _confirmed(tenant)
    browser = signed_in(tenant)
    answer = browser.post(f"/console/credentials/{issued['id']}/revoke", {"reason": "because"})
    assert answer.status == 422
    assert "Reason: must be one of issued_in_error" in answer.by_id("revoke-error").text()
    assert len(tenant.server.db.outbox(issued["id"])) == 1


def test_suspend_then_reinstate(tenant: Tenant) -> None:
    issued = _confirmed(tenant)
    browser = signed_in(tenant)
    page = browser.get(f"/console/credentials/{issued['id']}")

    suspended = browser.submit(page, "suspend-form", {"reason": "requested_by_holder"})
    assert location(suspended).endswith("?done=suspend")
    _settle_last(tenant, issued["id"], status="suspended", status_reason="requested_by_holder")
    page = browser.get(f"/console/credentials/{issued['id']}")
    assert page.by_id("credential-status").attrs["data-status"] == "suspended"

    reinstated = browser.submit(page, "reinstate-form")
    assert location(reinstated).endswith("?done=reinstate")
    assert tenant.server.db.outbox(issued["id"])[-1].kind == "reinstate"


def test_a_correction_supersedes_with_the_claims_of_the_form(tenant: Tenant) -> None:
    issued = _confirmed(tenant)
    browser = signed_in(tenant)
    page = browser.get(f"/console/credentials/{issued['id']}")
    _, values = page.form("supersede-form")
    assert (values["recipient"], values["name"], values["student_id"]) == (
        LEARNER,
        "Ada Lovelace",
        "s-1815",
    )

    answer = browser.submit(
        page, "supersede-form", {"name": "Ada King", "recipient": OTHER_LEARNER}
    )

    successor_id = last_part(location(answer))
    assert successor_id != issued["id"]
    row = tenant.server.db.credential(successor_id)
    assert row is not None and row.supersedes_id == issued["id"]
    document = parse_document(row.document or {})
    assert document.public.recipient == OTHER_LEARNER
    assert {n: c.value for n, c in document.claims.items()} == {
        "name": "Ada King",
        "student_id": "s-1815",
    }
    shown = browser.follow(answer)
    assert shown.by_id("credential-state").attrs["data-state"] == "queued"
    assert issued["token_id"] in shown.by_id("credential-facts").text()
    old = browser.get(f"/console/credentials/{issued['id']}")
    assert old.by_id("credential-successor").attrs["href"] == f"/console/credentials/{successor_id}"

    twice = browser.submit(old, "supersede-form", {"name": "Ada K."})
    assert twice.status == 409  # its correction is still on its way
    assert "still in progress" in twice.by_id("supersede-error").text()


def test_a_bad_correction_keeps_the_form_and_says_what_is_wrong(tenant: Tenant) -> None:
    issued = _confirmed(tenant)
    browser = signed_in(tenant)
    page = browser.get(f"/console/credentials/{issued['id']}")

    answer = browser.submit(page, "supersede-form", {"date_of_birth": "1815-02-30"})

    assert answer.status == 422
    assert "Date of birth: must be a calendar date" in answer.by_id("supersede-error").text()
    assert answer.form("supersede-form")[1]["date_of_birth"] == "1815-02-30"
    assert len(tenant.server.db.outbox(issued["id"])) == 1


def test_the_claim_link_is_shown_once_and_works_once(tenant: Tenant) -> None:
    issued = _confirmed(tenant)
    browser = signed_in(tenant)
    page = browser.get(f"/console/credentials/{issued['id']}")

    answer = browser.submit(page, "claim-link-form")

    assert answer.status == 201
    url = answer.by_id("claim-url").text()
    assert url.startswith(f"{tenant.server.url}/v1/claim/{issued['id']}.")
    assert not answer.select("meta", http_equiv="refresh")
    first, second = httpx.get(url), httpx.get(url)
    assert first.status_code == 200
    assert first.json()["claims"]["name"]["value"] == "Ada Lovelace"
    assert second.status_code == 410
    assert url not in browser.get(f"/console/credentials/{issued['id']}").text


def test_a_failed_mint_shows_its_reason_and_refuses_lifecycle_changes(tenant: Tenant) -> None:
    issued = tenant.issued(tenant.achievement())
    (op,) = tenant.server.db.outbox(issued["id"])
    reason = "ChainCredNotAnIssuer(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 9)"
    tenant.server.db.settle(
        [op.id or 0],
        state="failed",
        error=reason,
        credential={"state": "failed", "failure": reason},
    )
    browser = signed_in(tenant)
    page = browser.get(f"/console/credentials/{issued['id']}")
    assert page.by_id("credential-failure").text() == reason

    refused = browser.submit(page, "revoke-form")
    assert refused.status == 409
    assert (
        "cannot revoke a credential that is failed to be issued"
        in refused.by_id("revoke-error").text()
    )


def test_one_institutions_console_never_shows_anothers_credentials(
    tenant: Tenant,
    other: Tenant,  # noqa: F811
) -> None:
    mine = _confirmed(tenant)
    theirs = other.issued(other.achievement(), claims={"name": "Grace Hopper"})
    browser = signed_in(tenant)

    listed = browser.get("/console/credentials")
    assert _listed(listed) == [mine["id"]]
    assert "Grace Hopper" not in listed.text and theirs["token_id"] not in listed.text
    for path in (f"/console/credentials/{theirs['id']}", "/console/credentials/no-such-id"):
        page = browser.get(path)
        assert page.status == 404
        assert page.by_id("console-error").text().startswith("no credential ")
        assert "Grace Hopper" not in page.text
    for action in ("revoke", "suspend", "reinstate", "supersede", "claim-link"):
        answer = browser.post(
            f"/console/credentials/{theirs['id']}/{action}", {"reason": "other", "name": "X"}
        )
        assert answer.status == 404, action
    assert len(other.server.db.outbox(theirs["id"])) == 1
    their_browser = Browser(other.server)
    their_browser.login(other.key)
    assert _listed(their_browser.get("/console/credentials")) == [theirs["id"]]
