"""What became of accepted requests: a credential's state and transactions, a job's progress.

Costs are shares: a ``mintBatch`` of n credentials used ``gas_used`` gas in all, so each
credential's share is ``gas_used // n`` (the division's remainder is not attributed), and its
fee that share times the effective gas price. A job's share of a transaction that carried k of
its n operations is ``gas_used * k // n``: all of it when the job filled the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chaincred.ports.issuer import (
    CredentialEntry,
    IssuerRepository,
    JobEntry,
    JobItem,
    JobTransaction,
    OperationEntry,
    TransactionFacts,
)
from chaincred.services.errors import NotFound

__all__ = [
    "CREDENTIAL_STATES",
    "LIST_LIMIT",
    "CredentialPage",
    "CredentialReport",
    "CredentialState",
    "JobCosts",
    "JobReport",
    "credential_page",
    "credential_report",
    "fee_share",
    "gas_share",
    "job_costs",
    "job_list",
    "job_report",
]


CredentialState = Literal["queued", "submitted", "confirmed", "failed"]
"""Where a credential is on its way to the chain (``failed`` with the reason)."""
CREDENTIAL_STATES: tuple[CredentialState, ...] = ("queued", "submitted", "confirmed", "failed")

#: The most credentials one page of a list carries.
LIST_LIMIT = 500


@dataclass(frozen=True)
class CredentialPage:
    """A page of an institution's credentials, newest first."""

    items: list[CredentialEntry]
    offset: int
    limit: int
    state: CredentialState | None
    more: bool
    """Whether credentials follow this page."""

    @property
    def next_offset(self) -> int | None:
        return self.offset + len(self.items) if self.more else None


@dataclass(frozen=True)
class CredentialReport:
    credential: CredentialEntry
    operations: list[OperationEntry]
    """Oldest first; the first is the operation that created the credential."""
    supersedes: CredentialEntry | None
    successor_id: str | None
    """The credential that replaces (or is queued to replace) this one."""

    @property
    def issuance(self) -> OperationEntry | None:
        """The mint (or supersede) operation that puts this credential on chain."""
        for op in self.operations:
            if op.credential_id == self.credential.id and op.kind in ("mint", "supersede"):
                return op
        return None


@dataclass(frozen=True)
class JobReport:
    job: JobEntry
    counts: dict[str, int]
    items: list[JobItem]
    offset: int

    @property
    def finished(self) -> bool:
        """Whether every item is confirmed or failed."""
        done = sum(n for state, n in self.counts.items() if state in ("confirmed", "failed"))
        return done == self.job.total


def gas_share(facts: TransactionFacts) -> int | None:
    if facts.gas_used is None:
        return None
    return facts.gas_used // max(facts.operations, 1)


def fee_share(facts: TransactionFacts) -> int | None:
    share = gas_share(facts)
    if share is None or facts.effective_gas_price is None:
        return None
    return share * facts.effective_gas_price


def credential_report(
    institution_id: int, credential_id: str, *, repo: IssuerRepository
) -> CredentialReport:
    with repo.begin() as tx:
        credential = tx.credential(institution_id, credential_id)
        if credential is None:
            raise NotFound("credential", credential_id)
        operations = tx.operations(credential_id)
        supersedes = (
            tx.credential(institution_id, credential.supersedes_id)
            if credential.supersedes_id is not None
            else None
        )
    successors = [
        op.credential_id
        for op in operations
        if op.kind == "supersede" and op.credential_id != credential_id and op.state != "failed"
    ]
    successor = successors[-1] if successors else None
    return CredentialReport(credential, operations, supersedes, successor)


def job_report(
    institution_id: int, job_id: str, *, offset: int, limit: int, repo: IssuerRepository
) -> JobReport:
    with repo.begin() as tx:
        job = tx.job(institution_id, job_id)
        if job is None:
            raise NotFound("job", job_id)
        counts = tx.job_counts(job_id)
        items = tx.job_items(job_id, offset=offset, limit=limit)
    return JobReport(job, counts, items, offset)


def job_list(
    institution_id: int, *, offset: int, limit: int, repo: IssuerRepository
) -> list[JobReport]:
    """The institution's batch jobs, newest first, each with its counts per state (no items):
    at most ``limit`` (up to :data:`LIST_LIMIT`) from ``offset``."""
    with repo.begin() as tx:
        jobs = tx.jobs(institution_id, offset=offset, limit=min(limit, LIST_LIMIT))
        return [JobReport(job, tx.job_counts(job.id), [], 0) for job in jobs]


def credential_page(
    institution_id: int,
    *,
    offset: int,
    limit: int,
    state: CredentialState | None = None,
    repo: IssuerRepository,
) -> CredentialPage:
    """The institution's credentials from ``offset``, at most ``limit`` (up to
    :data:`LIST_LIMIT`), optionally only those in pipeline ``state``."""
    limit = min(limit, LIST_LIMIT)
    with repo.begin() as tx:
        found = tx.credentials(institution_id, offset=offset, limit=limit + 1, state=state)
    return CredentialPage(found[:limit], offset, limit, state, more=len(found) > limit)


@dataclass(frozen=True)
class JobCosts:
    """What a job's transactions cost, each and in all. A transaction not mined yet has no
    figures and counts in no total; ``credentials`` is how many of the job's mints the
    counted transactions carried."""

    transactions: list[JobTransaction]

    def job_gas(self, sent: JobTransaction) -> int | None:
        """The job's share of a transaction's gas: all of it when the job's operations are all
        the transaction carried (no remainder of a per-operation division lost)."""
        facts = sent.facts
        if facts.gas_used is None:
            return None
        return facts.gas_used * sent.job_operations // max(facts.operations, 1)

    def job_fee(self, sent: JobTransaction) -> int | None:
        """The job's share of a transaction's fee, in wei."""
        gas = self.job_gas(sent)
        price = sent.facts.effective_gas_price
        return None if gas is None or price is None else gas * price

    @property
    def _counted(self) -> list[JobTransaction]:
        return [t for t in self.transactions if fee_share(t.facts) is not None]

    @property
    def credentials(self) -> int:
        return sum(t.job_operations for t in self._counted)

    @property
    def gas(self) -> int:
        return sum(self.job_gas(t) or 0 for t in self._counted)

    @property
    def fee(self) -> int:
        return sum(self.job_fee(t) or 0 for t in self._counted)

    @property
    def gas_per_credential(self) -> int | None:
        return self.gas // self.credentials if self.credentials else None

    @property
    def fee_per_credential(self) -> int | None:
        return self.fee // self.credentials if self.credentials else None


def job_costs(institution_id: int, job_id: str, *, repo: IssuerRepository) -> JobCosts:
    with repo.begin() as tx:
        if tx.job(institution_id, job_id) is None:
            raise NotFound("job", job_id)
        return JobCosts(tx.job_transactions(job_id))
