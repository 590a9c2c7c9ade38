"""``/console/jobs/{id}``: a batch job's progress, its items, and what its transactions cost.

Costs follow :mod:`chaincred.services.tracking`: a transaction's gas is shared equally by the
operations it carried, so a job's share of a ``mintBatch`` that also carried other mints is
its operations' shares. Fees are gas times the effective gas price, shown exactly in ETH and gwei.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from chaincred.ports.issuer import TransactionFacts
from chaincred.services.tracking import job_costs, job_list, job_report
from chaincred.web.console_session import ConsoleRoute, SignedIn

__all__ = ["MONEY", "eth", "gwei", "router"]

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

#: Items per page of a job's table.
PAGE = 500
#: Seconds between reloads of a page whose work is not finished.
REFRESH = 3


#: Shown where a figure is not known yet.
NONE = "\N{EN DASH}"


def _units(wei: int, places: int) -> str:
    whole, rest = divmod(wei, 10**places)
    fraction = f"{rest:0{places}d}".rstrip("0")
    return f"{whole:,}" + (f".{fraction}" if fraction else "")


def eth(wei: int | None) -> str:
    """``wei`` in ETH, exactly (``0.000300002001050007``)."""
    return NONE if wei is None else _units(wei, 18)


def gwei(wei: int | None) -> str:
    """``wei`` in gwei, exactly (``300,002.001050007``)."""
    return NONE if wei is None else _units(wei, 9)


def number(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


def fee(facts: TransactionFacts) -> int | None:
    """A whole transaction's fee in wei (None until it is mined)."""
    if facts.gas_used is None or facts.effective_gas_price is None:
        return None
    return facts.gas_used * facts.effective_gas_price


MONEY = {"eth": eth, "gwei": gwei, "number": number, "fee": fee}
"""The formatters templates showing amounts use."""


#: Jobs per page of the jobs list.
JOBS_PAGE = 50


@router.get("/console/jobs", response_class=HTMLResponse)
def jobs(console: SignedIn, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> HTMLResponse:
    institution_id = console.acting_for("read")
    found = job_list(institution_id, offset=offset, limit=JOBS_PAGE + 1, repo=console.context.repo)
    context: dict[str, Any] = {
        "title": "Jobs",
        "area": "jobs",
        "jobs": found[:JOBS_PAGE],
        "offset": offset,
        "next_offset": offset + JOBS_PAGE if len(found) > JOBS_PAGE else None,
        "previous": max(offset - JOBS_PAGE, 0) if offset else None,
        "page": JOBS_PAGE,
    }
    return console.page("console/jobs.html", context)


@router.get("/console/jobs/{job_id}", response_class=HTMLResponse)
def job(
    console: SignedIn, job_id: str, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0
) -> HTMLResponse:
    institution_id = console.acting_for("read")
    repo = console.context.repo
    report = job_report(institution_id, job_id, offset=offset, limit=PAGE, repo=repo)
    costs = job_costs(institution_id, job_id, repo=repo)
    finished = report.finished
    context: dict[str, Any] = {
        "title": "Job",
        "area": "jobs",
        "report": report,
        "job": report.job,
        "counts": report.counts,
        "states": ("queued", "submitted", "confirmed", "failed"),
        "finished": finished,
        "refresh": None if finished else REFRESH,
        "costs": costs,
        "page": PAGE,
        **MONEY,
    }
    return console.page("console/job.html", context)
