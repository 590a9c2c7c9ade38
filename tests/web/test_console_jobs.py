"""A job's page in the console: progress per state that follows the pipeline, each item's
outcome, and the cost panel's figures (gas and fee per transaction, per job, per credential)
from known gas figures."""

from __future__ import annotations

import secrets

import pytest

from chaincred.ports.issuer import TransactionFacts
from tests.api.issuer.conftest import LEARNER, Tenant
from tests.web.console_support import (  # noqa: F401 - other: a fixture
    Browser,
    Page,
    other,
    signed_in,
)

pytestmark = pytest.mark.chain

HASH_A, HASH_B = "0x" + "a7" * 32, "0x" + "b8" * 32


def _job(tenant: Tenant, count: int) -> str:
    achievement_id = tenant.achievement()
    rows = [
        {"achievement_id": achievement_id, "recipient": LEARNER, "claims": {"student_id": str(i)}}
        for i in range(count)
    ]
    answer = tenant.http.post(
        "/v1/credentials/batch", json=rows, headers={"Idempotency-Key": secrets.token_hex(8)}
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["job_id"])


def _operations(tenant: Tenant, job_id: str) -> list[int]:
    items = tenant.http.get(f"/v1/jobs/{job_id}").json()["items"]
    return [tenant.server.db.outbox(i["credential_id"])[0].id or 0 for i in items]


def _refreshes(page: Page) -> bool:
    return bool(page.select("meta", http_equiv="refresh"))


def test_the_job_page_follows_the_pipeline_and_states_what_it_cost(tenant: Tenant) -> None:
    job_id = _job(tenant, 4)
    browser = signed_in(tenant)

    queued = browser.get(f"/console/jobs/{job_id}")
    assert queued.status == 200 and _refreshes(queued)
    progress = queued.by_id("job-progress").attrs
    assert (progress["data-confirmed"], progress["data-total"], progress["data-queued"]) == (
        "0",
        "4",
        "4",
    )
    assert "No transaction has been sent" in queued.by_id("cost-panel").text()

    ops = _operations(tenant, job_id)
    single = tenant.issued(tenant.achievement())
    (single_op,) = tenant.server.db.outbox(single["id"])
    db = tenant.server.db
    # three of the job's mints in one mintBatch; the fourth shares one with a single request
    batch = TransactionFacts(HASH_A, "confirmed", 3, 1201, 150_001, 2_000_000_007)
    shared = TransactionFacts(HASH_B, "confirmed", 2, 1202, 90_000, 3 * 10**9)
    confirmed = {"state": "confirmed"}
    db.settle(ops[:3], state="confirmed", transaction=batch, credential=confirmed)
    db.settle(
        [ops[3], single_op.id or 0], state="confirmed", transaction=shared, credential=confirmed
    )

    done = browser.get(f"/console/jobs/{job_id}")

    assert not _refreshes(done)
    progress = done.by_id("job-progress").attrs
    assert (progress["data-confirmed"], progress["data-total"], progress["data-finished"]) == (
        "4",
        "4",
        "true",
    )
    items = [r for r in done.by_id("job-items").walk() if "data-index" in r.attrs]
    assert [(r.attrs["data-index"], r.attrs["data-state"]) for r in items] == [
        (str(i), "confirmed") for i in range(4)
    ]
    panel = done.by_id("cost-panel")
    # job: all of the first (its 3 operations were all it carried) + 90,000 x 1 // 2 gas;
    # fee: each share times its price
    assert (panel.attrs["data-gas"], panel.attrs["data-credentials"]) == ("195001", "4")
    assert panel.attrs["data-fee-wei"] == str(150_001 * 2_000_000_007 + 45_000 * 3 * 10**9)
    first, second = [r for r in panel.walk() if "data-tx" in r.attrs]
    assert (first.attrs["data-tx"], first.attrs["data-job-operations"]) == (HASH_A, "3")
    assert (second.attrs["data-tx"], second.attrs["data-job-operations"]) == (HASH_B, "1")
    cells = [c.text() for c in first.walk() if c.tag == "td"]
    assert cells[2:] == [
        "1,201",
        "3 / 3",
        "150,001",
        "2.000000007",  # effective price, gwei
        "0.000300002001050007",  # fee, ETH: 150,001 x 2,000,000,007 wei
        "300,002.001050007",  # fee, gwei
        "300,002.001050007",  # the job's share (all of it), gwei
    ]
    cells = [c.text() for c in second.walk() if c.tag == "td"]
    assert cells[3:] == ["1 / 2", "90,000", "3", "0.00027", "270,000", "135,000"]
    assert done.by_id("cost-job-gas").text() == "195,001"
    assert done.by_id("cost-job-fee").text() == (
        "0.000435002001050007 ETH (435,002.001050007 gwei)"
    )
    assert done.by_id("cost-credential-gas").text() == "48,750"
    assert done.by_id("cost-credential-fee").text() == (
        "0.000108750500262501 ETH (108,750.500262501 gwei)"
    )


def test_a_failed_item_shows_its_reason_and_a_pending_transaction_no_figures(
    tenant: Tenant,
) -> None:
    job_id = _job(tenant, 2)
    ops = _operations(tenant, job_id)
    db = tenant.server.db
    reason = "ChainCredAlreadyIssued(0x01)"
    db.settle(
        [ops[0]], state="failed", error=reason, credential={"state": "failed", "failure": reason}
    )
    pending = TransactionFacts(HASH_A, "sent", 1)
    db.settle([ops[1]], state="submitted", transaction=pending, credential={"state": "submitted"})

    page = signed_in(tenant).get(f"/console/jobs/{job_id}")

    assert _refreshes(page)
    failed, submitted = [r for r in page.by_id("job-items").walk() if "data-index" in r.attrs]
    assert failed.attrs["data-state"] == "failed" and reason in failed.text()
    assert submitted.attrs["data-state"] == "submitted"
    assert page.by_id("job-progress").attrs["data-failed"] == "1"
    panel = page.by_id("cost-panel")
    assert (panel.attrs["data-gas"], panel.attrs["data-credentials"]) == ("0", "0")
    assert page.by_id("cost-credential-fee").text() == "\N{EN DASH} ETH (\N{EN DASH} gwei)"


def test_a_large_job_is_shown_a_page_at_a_time(tenant: Tenant) -> None:
    job_id = _job(tenant, 501)
    browser = signed_in(tenant)

    first = browser.get(f"/console/jobs/{job_id}")
    rest = browser.get(f"/console/jobs/{job_id}", offset="500")

    assert len([r for r in first.by_id("job-items").walk() if "data-index" in r.attrs]) == 500
    (last,) = [r for r in rest.by_id("job-items").walk() if "data-index" in r.attrs]
    assert last.attrs["data-index"] == "500"
    assert first.select("a", rel="next") and rest.select("a", rel="prev")
    bad = browser.get(f"/console/jobs/{job_id}", offset="-1")
    assert bad.status == 422 and bad.has_id("console-error")


def test_another_institutions_job_is_not_found(
    tenant: Tenant,
    other: Tenant,  # noqa: F811
) -> None:
    theirs = _job(other, 1)
    page = signed_in(tenant).get(f"/console/jobs/{theirs}")
    assert page.status == 404
    assert page.by_id("console-error").text() == f"no job {theirs}"
    assert Browser(tenant.server).get(f"/console/jobs/{theirs}").status == 303


def test_the_jobs_list_shows_this_institutions_jobs_newest_first(
    tenant: Tenant,
    other: Tenant,  # noqa: F811
) -> None:
    first, second = _job(tenant, 2), _job(tenant, 3)
    theirs = _job(other, 1)
    browser = signed_in(tenant)

    page = browser.get("/console/jobs")

    assert page.status == 200
    rows = [r for r in page.by_id("jobs-list").walk() if "data-job" in r.attrs]
    assert [(r.attrs["data-job"], r.attrs["data-total"]) for r in rows] == [
        (second, "3"),
        (first, "2"),
    ]
    assert theirs not in page.text
    assert rows[0].attrs["data-finished"] == "false"  # nothing has reached the chain yet
    (link,) = rows[0].select("a")
    assert browser.get(link.attrs["href"]).by_id("job-progress").attrs["data-total"] == "3"
    assert browser.get("/console/jobs", offset="50").has_id("jobs-empty")
