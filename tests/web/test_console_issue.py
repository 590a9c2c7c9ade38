"""Issuing from the console: one credential from a form (sent twice, issued once), and a
cohort from a CSV roster, previewed line by line before anything is queued, then confirmed
into a job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaincred.adapters.db.models import CredentialRow, IdempotencyRow, JobRow, OperationRow
from chaincred.domain import parse_document
from chaincred.toolchain.anvil import free_port
from tests.api.issuer.conftest import LEARNER, OTHER_LEARNER, Tenant, new_tenant, serve
from tests.web.console_support import Browser, Page, last_part, location, roster_of, signed_in

pytestmark = pytest.mark.chain

#: LEARNER with one letter's case wrong: not its EIP-55 checksum.
MISCASED = "0x70997970C51812dc3A010C7d01b50e0d17dc79c8"
PERSON = {"name": "Ada Lovelace", "student_id": "s-1815", "grade": "A"}


def _issue_form(browser: Browser, achievement_id: str) -> Page:
    page = browser.get("/console/issue", achievement_id=achievement_id)
    assert page.status == 200
    return page


def _stored_rows(tenant: Tenant) -> tuple[int, ...]:
    db = tenant.server.db
    return tuple(db.count(m) for m in (CredentialRow, OperationRow, JobRow, IdempotencyRow))


def test_one_credential_is_issued_from_the_form_and_shown(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    form = _issue_form(browser, achievement_id)
    _, values = form.form("issue-form")
    assert values["achievement_id"] == achievement_id
    assert values["idempotency_key"].startswith("console-")

    answer = browser.submit(
        form,
        "issue-form",
        {"recipient": LEARNER, **PERSON, "date_of_completion": "2026-06-30"},
    )

    target = location(answer)
    assert target.endswith("?done=issued")
    credential_id = last_part(target)
    row = tenant.server.db.credential(credential_id)
    assert row is not None and row.recipient == LEARNER and row.institution_id == tenant.id
    claims = {n: c.value for n, c in parse_document(row.document or {}).claims.items()}
    assert claims == PERSON | {"date_of_completion": "2026-06-30"}
    page = browser.follow(answer)
    assert page.status == 200
    assert page.by_id("credential-state").attrs["data-state"] == "queued"
    assert page.by_id("credential-token").text() == row.token_id
    assert "Ada Lovelace" in page.by_id("credential-claims").text()


def test_a_form_sent_twice_issues_once(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    form = _issue_form(browser, achievement_id)
    before = _stored_rows(tenant)

    first = browser.submit(form, "issue-form", {"recipient": LEARNER, **PERSON})
    second = browser.submit(form, "issue-form", {"recipient": LEARNER, **PERSON})

    assert last_part(location(first)) == last_part(location(second))
    assert location(second).endswith("?done=replayed")
    credentials, operations, _, answers = _stored_rows(tenant)
    assert (credentials, operations, answers) == (before[0] + 1, before[1] + 1, before[3] + 1)
    replayed = browser.follow(second)
    assert "nothing was issued twice" in replayed.by_id("credential-notice").text()
    # the same form with other values is refused, and a fresh form comes back
    changed = browser.submit(form, "issue-form", {"recipient": LEARNER, "name": "Someone Else"})
    assert changed.status == 409
    assert "already used to issue a credential" in changed.by_id("form-error").text()
    assert (
        changed.form("issue-form")[1]["idempotency_key"]
        != form.form("issue-form")[1]["idempotency_key"]
    )
    assert _stored_rows(tenant)[0] == before[0] + 1


def test_issue_errors_stand_next_to_their_fields(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    form = _issue_form(browser, achievement_id)
    before = _stored_rows(tenant)

    answer = browser.submit(
        form,
        "issue-form",
        {"recipient": MISCASED, "name": "Ada", "date_of_birth": "1815-13-10"},
    )

    # the request's shape is judged first, then the document built from it (as the API does)
    assert answer.status == 422
    assert answer.error_of("date_of_birth") == (
        "Date of birth: must be a calendar date written YYYY-MM-DD"
    )
    _, kept = answer.form("issue-form")
    assert kept["recipient"] == MISCASED and kept["name"] == "Ada"
    # nothing was stored under the key: the corrected form uses it
    assert kept["idempotency_key"] == form.form("issue-form")[1]["idempotency_key"]
    answer = browser.submit(answer, "issue-form", {"date_of_birth": "1815-12-10"})
    assert answer.status == 422
    assert answer.error_of("recipient").startswith(
        f"Recipient wallet address: must be an EIP-55 checksummed address (did you mean {LEARNER}?)"
    )
    assert not answer.has_id("date_of_birth-error")
    assert _stored_rows(tenant) == before
    fixed = browser.submit(answer, "issue-form", {"recipient": LEARNER})
    assert location(fixed).endswith("?done=issued")


def test_no_achievement_chosen_is_an_error_of_that_field(tenant: Tenant) -> None:
    tenant.achievement()
    browser = signed_in(tenant)
    answer = browser.submit(
        _issue_form(browser, ""), "issue-form", {"recipient": LEARNER, "achievement_id": ""}
    )
    assert answer.status == 422
    assert answer.error_of("achievement_id") == (
        "Achievement: is not one of this institution's achievements"
    )


def test_a_roster_is_previewed_line_by_line_and_nothing_is_queued(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    form = browser.get("/console/roster", achievement_id=achievement_id)
    assert form.by_id("roster-file").attrs["type"] == "file"
    assert form.by_id("roster-file").attrs["name"] == "roster"
    before = _stored_rows(tenant)
    roster = roster_of(
        f"{LEARNER},Ada Lovelace,s-1",
        "0xnot-an-address,Charles Babbage,s-2",
        f"{OTHER_LEARNER},Mary Somerville,s-3",
        f"{OTHER_LEARNER},Short Row",
        f"{LEARNER},,",
        f"{LEARNER},,",
    )

    preview = browser.post(
        "/console/roster/preview",
        {"achievement_id": achievement_id},
        files={"roster": ("cohort.csv", roster, "text/csv")},
    )

    assert preview.status == 200
    rows = [r for r in preview.by_id("roster-preview").walk() if "data-row" in r.attrs]
    assert [(r.attrs["data-row"], r.attrs["data-valid"]) for r in rows] == [
        ("1", "true"),
        ("2", "false"),
        ("3", "true"),
        ("4", "false"),
        ("5", "true"),
        ("6", "false"),
    ]
    assert [r.attrs["data-line"] for r in rows] == ["2", "3", "4", "5", "6", "7"]
    assert "recipient: must be an Ethereum address" in rows[1].text()
    assert "has 2 cells, the header has 3" in rows[3].text()
    assert "repeats line[6]" in rows[5].text()  # no claims, same second: the same token
    assert "Ada Lovelace" in rows[0].text() and "s-3" in rows[2].text()
    assert (
        preview.by_id("roster-valid-count").text(),
        preview.by_id("roster-invalid-count").text(),
    ) == ("3", "3")
    assert preview.by_id("roster-confirm").text() == "Issue 3 credentials"
    assert _stored_rows(tenant) == before  # a preview queues nothing

    answer = browser.submit(preview, "roster-confirm-form")

    job_id = last_part(location(answer))
    progress = tenant.http.get(f"/v1/jobs/{job_id}").json()
    assert progress["total"] == 3 and progress["counts"] == {"queued": 3}
    assert [i["recipient"] for i in progress["items"]] == [LEARNER, OTHER_LEARNER, LEARNER]
    second = parse_document(
        tenant.server.db.credential(progress["items"][1]["credential_id"]).document or {}  # type: ignore[union-attr]
    )
    assert {n: c.value for n, c in second.claims.items()} == {
        "name": "Mary Somerville",
        "student_id": "s-3",
    }
    job = browser.follow(answer)
    assert job.status == 200 and job.by_id("job-progress").attrs["data-total"] == "3"
    # confirming twice (a double click, a reload) issues the job once
    again = browser.submit(preview, "roster-confirm-form")
    assert last_part(location(again)) == job_id
    assert _stored_rows(tenant)[2] == before[2] + 1


def test_a_roster_with_no_valid_line_offers_no_confirmation(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    preview = browser.post(
        "/console/roster/preview",
        {"achievement_id": achievement_id},
        files={"roster": ("cohort.csv", roster_of("0x12,Ada,s-1"), "text/csv")},
    )
    assert preview.status == 200
    assert not preview.has_id("roster-confirm")
    (row,) = [r for r in preview.by_id("roster-preview").walk() if "data-row" in r.attrs]
    assert row.attrs["data-valid"] == "false"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (
            b"recipient,shoe_size\n0x1,42\n",
            422,
            "columns.shoe_size: is not a known column",
        ),
        (b"name,student_id\nAda,s-1\n", 422, "columns: the header row needs a recipient column"),
        ("recipient,name\n0x0,Müller\n".encode("latin-1"), 422, "$: the CSV is not UTF-8"),
        (b"recipient,name\n", 422, "$: the roster has no lines after its header"),
    ],
    ids=["unknown-column", "no-recipient", "not-utf8", "empty"],
)
def test_a_roster_that_cannot_be_read_brings_the_upload_form_back(
    tenant: Tenant, data: bytes, status: int, message: str
) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    answer = browser.post(
        "/console/roster/preview",
        {"achievement_id": achievement_id},
        files={"roster": ("cohort.csv", data, "text/csv")},
    )
    assert answer.status == status
    assert message in answer.by_id("roster-error").text()
    assert answer.has_id("roster-file")


def test_an_upload_without_file_or_achievement_says_which_is_missing(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    no_file = browser.post(
        "/console/roster/preview",
        {"achievement_id": achievement_id},
        files={"roster": ("", b"", "application/octet-stream")},
    )
    no_achievement = browser.post(
        "/console/roster/preview",
        {"achievement_id": ""},
        files={"roster": ("cohort.csv", roster_of(f"{LEARNER},Ada,s-1"), "text/csv")},
    )
    assert no_file.status == 422
    assert no_file.by_id("roster-error").text().endswith("Choose the CSV roster file.")
    assert no_achievement.status == 422
    assert no_achievement.by_id("roster-error").text().endswith("Choose the achievement to issue.")


def test_a_confirmation_judged_again_when_things_changed_since_the_preview(
    tenant: Tenant,
) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    preview = browser.post(
        "/console/roster/preview",
        {"achievement_id": achievement_id},
        files={"roster": ("cohort.csv", roster_of(f"{LEARNER},Ada,s-1"), "text/csv")},
    )
    with tenant.server.client(tenant.key) as http:
        assert http.post(f"/v1/achievements/{achievement_id}/archive").status_code == 200
    before = _stored_rows(tenant)

    answer = browser.submit(preview, "roster-confirm-form")

    assert answer.status == 422
    (row,) = [r for r in answer.by_id("roster-preview").walk() if "data-row" in r.attrs]
    assert row.attrs["data-valid"] == "false" and "achievement_id: is archived" in row.text()
    assert _stored_rows(tenant) == before


@pytest.fixture
def chainless(tmp_path: Path) -> Iterator[Tenant]:
    """An institution of a site whose chain has never answered (its chain id is unknown)."""
    dead_rpc = f"http://127.0.0.1:{free_port()}"
    for server in serve("sqlite", tmp_path, dead_rpc, "0x" + "11" * 20, rpc_timeout=2):
        yield from new_tenant(server)


def test_a_chain_that_cannot_be_read_is_a_503_page_and_nothing_is_issued(
    chainless: Tenant,
) -> None:
    achievement_id = chainless.achievement()
    browser = signed_in(chainless)
    before = _stored_rows(chainless)

    one = browser.submit(_issue_form(browser, achievement_id), "issue-form", {"recipient": LEARNER})
    cohort = browser.post(
        "/console/roster/preview",
        {"achievement_id": achievement_id},
        files={"roster": ("cohort.csv", roster_of(f"{LEARNER},Ada,s-1"), "text/csv")},
    )

    for page in (one, cohort):
        assert page.status == 503
        assert page.response.headers["retry-after"] == "5"
        assert (
            page.by_id("console-error")
            .text()
            .startswith(f"the chain at {chainless.server.settings.rpc_url} is unavailable")
        )
    assert _stored_rows(chainless) == before
