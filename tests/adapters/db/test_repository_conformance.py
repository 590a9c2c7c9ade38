"""The issuer repository port, one suite for the in-memory fake and the database adapter
(SQLite and PostgreSQL): what the services rely on, each behaviour asserted on all three."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chaincred.adapters.db.repository import SqlIssuerRepository
from chaincred.adapters.memory.issuer import MemoryIssuerRepository
from chaincred.ports.issuer import (
    AchievementEntry,
    ApiKeyEntry,
    CredentialEntry,
    InstitutionEntry,
    IssuerRepository,
    JobEntry,
    JobTransaction,
    OperationEntry,
    StorageConflict,
    StoredAnswer,
    TransactionFacts,
)
from tests.adapters.db.repository_support import DbPipeline, Settle, database_url, migrated_engine

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@dataclass
class Backend:
    name: str
    repo: IssuerRepository
    settle: Settle


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        memory = MemoryIssuerRepository()
        yield Backend("memory", memory, memory.settle)
        return
    with database_url(request.param, tmp_path) as url, migrated_engine(url) as engine:
        yield Backend(request.param, SqlIssuerRepository(engine), DbPipeline(engine).settle)


@pytest.fixture
def repo(backend: Backend) -> IssuerRepository:
    with backend.repo.begin() as tx:
        tx.add_institution(InstitutionEntry(1, "First University", "NL", T0))
        tx.add_institution(InstitutionEntry(2, "Second College", None, T0))
    return backend.repo


def credential(n: int, institution_id: int = 1, **changes: object) -> CredentialEntry:
    entry = CredentialEntry(
        id=f"cred-{n}",
        institution_id=institution_id,
        achievement_id=None,
        token_id=f"0x{n:064x}",
        recipient="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        document={"public": {"n": n}, "claims": {"name": {"value": "Ada", "salt": "0x00"}}},
        created_at=T0,
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


def mint(credential_id: str, institution_id: int = 1, kind: str = "mint") -> OperationEntry:
    return OperationEntry(kind, institution_id, credential_id, {"burn_auth": "owner_only"}, T0)


# ---- institutions and keys


def test_institutions_are_stored_and_a_taken_id_conflicts(repo: IssuerRepository) -> None:
    with repo.begin() as tx:
        assert tx.institution(1) == InstitutionEntry(1, "First University", "NL", T0)
        assert tx.institution(3) is None
    with pytest.raises(StorageConflict), repo.begin() as tx:
        tx.add_institution(InstitutionEntry(1, "Impostor", None, T0))
    with repo.begin() as tx:
        assert tx.institution(1) is not None and tx.institution(1).name == "First University"  # type: ignore[union-attr]


def test_api_keys_by_prefix_per_institution_and_revoked_once(repo: IssuerRepository) -> None:
    first = ApiKeyEntry("k1", 1, "aaaaaaaaaaaa", "h1", ("issue", "read"), T0)
    second = ApiKeyEntry("k2", 1, "bbbbbbbbbbbb", "h2", ("read",), T0 + timedelta(seconds=1))
    with repo.begin() as tx:
        tx.add_api_key(second)
        tx.add_api_key(first)
    with repo.begin() as tx:
        assert tx.api_key("aaaaaaaaaaaa") == first
        assert tx.api_key("cccccccccccc") is None
        assert tx.api_keys(1) == [first, second]
        assert tx.api_keys(2) == []
        assert tx.revoke_api_key(2, "k1", T0) is False  # another institution's key
        assert tx.revoke_api_key(1, "nope", T0) is False
        assert tx.revoke_api_key(1, "k1", T0 + timedelta(hours=1)) is True
        assert tx.revoke_api_key(1, "k1", T0 + timedelta(hours=2)) is True
    with repo.begin() as tx:
        assert tx.api_key("aaaaaaaaaaaa").revoked_at == T0 + timedelta(hours=1)  # type: ignore[union-attr]
    with pytest.raises(StorageConflict), repo.begin() as tx:
        tx.add_api_key(ApiKeyEntry("k3", 1, "aaaaaaaaaaaa", "h3", ("read",), T0))


# ---- achievements


def test_achievements_are_scoped_listed_edited_and_archived(repo: IssuerRepository) -> None:
    data = {"title": "Course", "nested": {"ects": 5, "levels": [6, 7]}}
    older = AchievementEntry("a1", 1, data, T0)
    newer = AchievementEntry("a2", 1, {"title": "Later"}, T0 + timedelta(minutes=1))
    with repo.begin() as tx:
        tx.add_achievement(newer)
        tx.add_achievement(older)
        tx.add_achievement(AchievementEntry("a3", 2, {"title": "Theirs"}, T0))
    with repo.begin() as tx:
        assert tx.achievement(1, "a1") == older
        assert tx.achievement(2, "a1") is None
        assert [a.id for a in tx.achievements(1, archived=False)] == ["a1", "a2"]
        tx.update_achievement(replace(older, data={"title": "Edited"}, used=True))
        tx.update_achievement(replace(newer, archived=True))
    with repo.begin() as tx:
        assert tx.achievement(1, "a1", lock=True) == replace(
            older, data={"title": "Edited"}, used=True
        )
        assert [a.id for a in tx.achievements(1, archived=False)] == ["a1"]
        assert [a.id for a in tx.achievements(1, archived=True)] == ["a1", "a2"]


def test_json_values_are_copies_not_shared_objects(repo: IssuerRepository) -> None:
    data = {"title": "Course", "outcomes": [{"text": "one"}]}
    with repo.begin() as tx:
        tx.add_achievement(AchievementEntry("a1", 1, data, T0))
    data["outcomes"].append({"text": "added after storing"})  # type: ignore[attr-defined]
    with repo.begin() as tx:
        read = tx.achievement(1, "a1")
        assert read is not None and read.data == {"title": "Course", "outcomes": [{"text": "one"}]}
        read.data["outcomes"].append({"text": "changed after reading"})
    with repo.begin() as tx:
        again = tx.achievement(1, "a1")
        assert again is not None and len(again.data["outcomes"]) == 1


# ---- units of work


def test_a_unit_that_raises_leaves_nothing_behind(repo: IssuerRepository) -> None:
    with pytest.raises(RuntimeError), repo.begin() as tx:
        tx.add_credentials([credential(1)])
        tx.add_operations([mint("cred-1")])
        tx.add_answer(StoredAnswer(1, "key", "hash", 202, {"id": "cred-1"}, T0))
        raise RuntimeError("crash before the answer")
    with repo.begin() as tx:
        assert tx.credential(1, "cred-1") is None
        assert tx.operations("cred-1") == []
        assert tx.answer(1, "key") is None


def test_a_taken_token_id_conflicts_and_rolls_back_the_whole_unit(repo: IssuerRepository) -> None:
    with repo.begin() as tx:
        tx.add_credentials([credential(1)])
    with pytest.raises(StorageConflict), repo.begin() as tx:
        tx.add_credentials([credential(2)])
        tx.add_credentials([credential(3, token_id=credential(1).token_id)])
    with repo.begin() as tx:
        assert tx.credential(1, "cred-2") is None


def test_rows_of_an_unknown_institution_are_refused(repo: IssuerRepository) -> None:
    with pytest.raises(StorageConflict), repo.begin() as tx:
        tx.add_credentials([credential(1, institution_id=99)])


def test_concurrent_answers_to_one_key_store_one_and_the_other_conflicts(
    repo: IssuerRepository,
) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def store(n: int) -> None:
        barrier.wait()
        try:
            with repo.begin() as tx:
                tx.add_answer(StoredAnswer(1, "same", f"hash-{n}", 202, {"n": n}, T0))
            outcomes.append("stored")
        except StorageConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=store, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "stored"]


# ---- credentials, outbox, jobs


def test_credentials_are_scoped_by_institution(repo: IssuerRepository) -> None:
    with repo.begin() as tx:
        tx.add_credentials([credential(1), credential(2, institution_id=2)])
    with repo.begin() as tx:
        stored = tx.credential(1, "cred-1", lock=True)
        assert stored == replace(credential(1), updated_at=T0)
        assert stored is not None and stored.state == "queued" and stored.status == "active"
        assert tx.credential(1, "cred-2") is None
        assert tx.credential(2, "cred-2") is not None
        assert tx.credential_by_id("cred-2") is not None
        assert tx.credential_by_id("cred-9") is None


def test_credentials_are_listed_newest_first_per_institution_and_per_holder(
    repo: IssuerRepository,
) -> None:
    other = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    later = [credential(n, created_at=T0 + timedelta(minutes=n)) for n in (1, 2, 3)]
    with repo.begin() as tx:
        tx.add_credentials(
            [*later, credential(4, institution_id=2), credential(5, recipient=other)]
        )
    with repo.begin() as tx:
        listed = [c.id for c in tx.credentials(1, offset=0, limit=10)]
        assert listed == ["cred-3", "cred-2", "cred-1", "cred-5"]
        assert [c.id for c in tx.credentials(1, offset=1, limit=2)] == ["cred-2", "cred-1"]
        assert [c.id for c in tx.credentials(2, offset=0, limit=10)] == ["cred-4"]
        assert tx.credentials(1, offset=0, limit=10, state="failed") == []
        assert len(tx.credentials(1, offset=0, limit=10, state="queued")) == 4
        held = tx.credentials_held_by(later[0].recipient, limit=10)
        assert [c.id for c in held] == ["cred-3", "cred-2", "cred-1", "cred-4"]
        assert held[0].document == later[2].document
        assert [c.id for c in tx.credentials_held_by(other, limit=10)] == ["cred-5"]
        assert [c.id for c in tx.credentials_held_by(other.lower(), limit=10)] == []


def test_operations_get_increasing_ids_in_order(repo: IssuerRepository) -> None:
    with repo.begin() as tx:
        tx.add_credentials([credential(1), credential(2)])
        first = tx.add_operations([mint("cred-1"), mint("cred-2")])
        second = tx.add_operations([OperationEntry("revoke", 1, "cred-1", {"reason": "other"}, T0)])
    assert first[0] < first[1] < second[0]
    with repo.begin() as tx:
        ops = tx.operations("cred-1")
    assert [(o.id, o.kind, o.state, dict(o.payload)) for o in ops] == [
        (first[0], "mint", "queued", {"burn_auth": "owner_only"}),
        (second[0], "revoke", "queued", {"reason": "other"}),
    ]
    assert ops[0].transaction is None


def test_a_supersede_counts_for_the_old_credential_too(repo: IssuerRepository) -> None:
    with repo.begin() as tx:
        tx.add_credentials([credential(1)])
        tx.add_credentials([credential(2, supersedes_id="cred-1")])
        (mint_id,) = tx.add_operations([mint("cred-1")])
        (supersede_id,) = tx.add_operations([mint("cred-2", kind="supersede")])
    with repo.begin() as tx:
        assert [o.id for o in tx.operations("cred-1")] == [mint_id, supersede_id]
        assert [o.id for o in tx.operations("cred-2")] == [supersede_id]


def test_transaction_facts_of_a_batch_reach_every_operation(
    repo: IssuerRepository, backend: Backend
) -> None:
    with repo.begin() as tx:
        tx.add_credentials([credential(n) for n in range(3)])
        ids = tx.add_operations([mint(f"cred-{n}") for n in range(3)])
    facts = TransactionFacts("0x" + "77" * 32, "confirmed", 2, 120, 150_000, 2 * 10**9 + 7)
    backend.settle(ids[:2], state="confirmed", transaction=facts, credential={"state": "confirmed"})
    backend.settle(
        ids[2:],
        state="failed",
        error="ChainCredAlreadyIssued(0x02)",
        credential={"state": "failed", "failure": "ChainCredAlreadyIssued(0x02)"},
    )
    with repo.begin() as tx:
        (confirmed,) = tx.operations("cred-0")
        (failed,) = tx.operations("cred-2")
        assert tx.credential(1, "cred-0").state == "confirmed"  # type: ignore[union-attr]
        assert tx.credential(1, "cred-2").failure == "ChainCredAlreadyIssued(0x02)"  # type: ignore[union-attr]
    assert confirmed.state == "confirmed" and confirmed.transaction == facts
    assert failed.state == "failed" and failed.error == "ChainCredAlreadyIssued(0x02)"
    assert failed.transaction is None


def test_jobs_report_items_in_order_and_counts_per_state(
    repo: IssuerRepository, backend: Backend
) -> None:
    job = JobEntry("job-1", 1, "mint", 5, T0)
    with repo.begin() as tx:
        tx.add_job(job)
        tx.add_credentials([credential(n, job_id="job-1", job_index=4 - n) for n in range(5)])
        ids = tx.add_operations([mint(f"cred-{n}") for n in range(5)])
    backend.settle(ids[:2], state="submitted", credential={"state": "submitted"})
    with repo.begin() as tx:
        assert tx.job(1, "job-1") == job
        assert tx.job(2, "job-1") is None
        assert tx.job_counts("job-1") == {"queued": 3, "submitted": 2}
        items = tx.job_items("job-1", offset=1, limit=3)
    assert [(i.index, i.credential_id, i.state) for i in items] == [
        (1, "cred-3", "queued"),
        (2, "cred-2", "queued"),
        (3, "cred-1", "submitted"),
    ]
    assert items[0].token_id == credential(3).token_id and items[0].failure is None


def test_jobs_are_listed_newest_first_per_institution(repo: IssuerRepository) -> None:
    jobs = [JobEntry(f"job-{n}", 1, "mint", n, T0 + timedelta(minutes=n)) for n in (1, 2, 3)]
    with repo.begin() as tx:
        for job in [*jobs, JobEntry("job-9", 2, "mint", 1, T0 + timedelta(hours=1))]:
            tx.add_job(job)
    with repo.begin() as tx:
        assert tx.jobs(1, offset=0, limit=10) == jobs[::-1]
        assert tx.jobs(1, offset=1, limit=1) == [jobs[1]]
        assert [j.id for j in tx.jobs(2, offset=0, limit=10)] == ["job-9"]
        assert tx.jobs(3, offset=0, limit=10) == []


def test_claim_secrets_are_replaced_and_claims_recorded(repo: IssuerRepository) -> None:
    with repo.begin() as tx:
        tx.add_credentials([credential(1)])
        tx.set_claim_secret("cred-1", "hash-1")
        tx.mark_claimed("cred-1", T0 + timedelta(days=1))
    with repo.begin() as tx:
        claimed = tx.credential(1, "cred-1")
        assert claimed is not None
        assert (claimed.claim_secret_hash, claimed.claimed_at) == ("hash-1", T0 + timedelta(days=1))
        tx.set_claim_secret("cred-1", "hash-2")
    with repo.begin() as tx:
        fresh = tx.credential_by_id("cred-1", lock=True)
        assert fresh is not None and (fresh.claim_secret_hash, fresh.claimed_at) == ("hash-2", None)


# ---- idempotency


def test_answers_are_kept_per_institution_and_key(repo: IssuerRepository) -> None:
    answer = StoredAnswer(1, "key-1", "hash", 202, {"job_id": "j", "total": 3}, T0)
    with repo.begin() as tx:
        tx.add_answer(answer)
        tx.add_answer(replace(answer, institution_id=2, response={"other": True}))
    with repo.begin() as tx:
        assert tx.answer(1, "key-1") == answer
        assert tx.answer(1, "key-1").created_at == T0  # type: ignore[union-attr]
        assert tx.answer(2, "key-1").response == {"other": True}  # type: ignore[union-attr]
        assert tx.answer(1, "key-2") is None
    with pytest.raises(StorageConflict), repo.begin() as tx:
        tx.add_answer(replace(answer, request_hash="another"))


def test_ping_describes_the_store(backend: Backend) -> None:
    assert backend.repo.ping() == f"{backend.name} ok"


def test_ids_no_row_can_have_read_as_absent(repo: IssuerRepository) -> None:
    # PostgreSQL refuses NUL in a text parameter; a request naming such an id is a 404.
    odd = "cred\x00-1"
    with repo.begin() as tx:
        tx.add_credentials([credential(1)])
        assert tx.credential(1, odd) is None and tx.credential_by_id(odd) is None
        assert tx.achievement(1, odd) is None and tx.job(1, odd) is None
        assert tx.job_items(odd, offset=0, limit=5) == [] and tx.job_counts(odd) == {}
        assert tx.operations(odd) == [] and tx.answer(1, odd) is None
        assert tx.api_key(odd) is None and tx.revoke_api_key(1, odd, T0) is False


# ---- costs


def test_a_jobs_transactions_count_the_jobs_operations_in_each(
    repo: IssuerRepository, backend: Backend
) -> None:
    with repo.begin() as tx:
        tx.add_job(JobEntry("job-1", 1, "mint", 4, T0))
        tx.add_job(JobEntry("job-2", 1, "mint", 1, T0))
        tx.add_credentials([credential(n, job_id="job-1", job_index=n) for n in range(4)])
        tx.add_credentials([credential(9, job_id="job-2", job_index=0), credential(10)])
        ids = tx.add_operations([mint(f"cred-{n}") for n in (0, 1, 2, 3, 9, 10)])
        revoke = tx.add_operations([OperationEntry("revoke", 1, "cred-0", {"reason": "other"}, T0)])
    shared = TransactionFacts("0x" + "a1" * 32, "confirmed", 4, 120, 200_000, 2 * 10**9 + 7)
    alone = TransactionFacts("0x" + "b2" * 32, "failed", 1, 121, 40_000, 3 * 10**9)
    later = TransactionFacts("0x" + "c3" * 32, "confirmed", 2, 125, 60_000, 10**9)
    # cred-2 and cred-3 of job 1 went out with job 2's and an unjobbed credential's mints
    backend.settle([ids[2], ids[3], ids[4], ids[5]], state="confirmed", transaction=shared)
    backend.settle([ids[1]], state="failed", transaction=alone, error="ChainCredBadBatch()")
    backend.settle([ids[0], revoke[0]], state="confirmed", transaction=later)
    with repo.begin() as tx:
        costs = tx.job_transactions("job-1")
        assert tx.job_transactions("job-2") == [JobTransaction(shared, 1)]
        assert tx.job_transactions("job-9") == [] and tx.job_transactions("job\x00") == []
    # ordered by the first job operation each carried: cred-0's (later), cred-1's, cred-2's
    assert costs == [JobTransaction(later, 1), JobTransaction(alone, 1), JobTransaction(shared, 2)]
