"""The three ways the issuance benchmark puts credentials on chain, each timed from its first
request until every credential is confirmed: the batch endpoint, single requests from
concurrent clients, and the naive web3.py path.

Split from ``benchmarks/issuance.py`` (which orchestrates) to keep each module short.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from benchmarks.issuance_chain import GasTally, Rpc, cpu_seconds
from benchmarks.issuance_stack import NAIVE_KEY, Stack
from chaincred.domain.onchain import BurnAuth
from chaincred.toolchain.artifact import load_artifact

POLL = 0.2  # seconds between progress polls: the end of a path is seen at most this late
_FINAL = ("confirmed", "failed")


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout carries only the result."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Credential:
    """One credential as the benchmark follows it."""

    token_id: int
    recipient: str
    credential_id: str | None = None  # the API's id (None on the naive path)
    state: str = "confirmed"


@dataclass
class PathRun:
    """One path, timed from its first request until every credential was seen confirmed."""

    label: str
    count: int
    seconds: float = 0.0
    accept_seconds: float = 0.0  # first request → last answer (202)
    latencies: list[float] = field(default_factory=list, repr=False)  # per request
    credentials: list[Credential] = field(default_factory=list, repr=False)
    gas: GasTally = field(default_factory=GasTally)
    cpu: dict[str, float] = field(default_factory=dict)  # process → CPU seconds in the path
    blocks: tuple[int, int] = (0, 0)  # the head before the first request, and at the end
    timeline: list[tuple[float, int]] = field(default_factory=list, repr=False)  # (s, confirmed)
    states: dict[str, int] = field(default_factory=dict)  # the API's final counts
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def recipient(path: str, serial: int) -> str:
    """A distinct, fresh holder per credential (a fresh balance slot, as for a cohort)."""
    digest = hashlib.sha256(f"chaincred issuance benchmark {path} {serial}".encode()).digest()
    return str(Web3.to_checksum_address(digest[:20]))


def issue_rows(stack: Stack, path: str, n: int) -> list[dict[str, Any]]:
    """``n`` requests as an institution sends them: the demo achievement, a name and a
    student number per learner."""
    return [
        {
            "achievement_id": stack.achievement_id,
            "recipient": recipient(path, i),
            "claims": {"name": f"Learner {path} {i}", "student_id": f"s{i:07d}"},
        }
        for i in range(n)
    ]


class _Measured:
    """CPU seconds of the stack's processes and the head block around one path."""

    def __init__(self, stack: Stack, rpc: Rpc, run: PathRun) -> None:
        self.stack, self.rpc, self.run = stack, rpc, run

    def __enter__(self) -> float:
        self.cpu = cpu_seconds(self.stack.pids)
        self.head = self.rpc.head()
        self.start = time.perf_counter()
        return self.start

    def __exit__(self, *exc: object) -> None:
        after = cpu_seconds(self.stack.pids)
        self.run.cpu = {name: round(after[name] - self.cpu[name], 3) for name in after}
        self.run.blocks = (self.head, self.rpc.head())


# ====================================================================== the batch endpoint


class _JobPoller(threading.Thread):
    """Polls the posted jobs' counts until all ``total`` credentials are final."""

    def __init__(self, stack: Stack, total: int, start: float) -> None:
        super().__init__(daemon=True)
        self.stack, self.total, self.began = stack, total, start
        self.jobs: list[str] = []
        self.counts: dict[str, dict[str, int]] = {}
        self.timeline: list[tuple[float, int]] = []
        self.done_at: float | None = None
        self.stop = threading.Event()
        self.client = stack.client()  # made before the clock starts (an SSL context each)

    def run(self) -> None:
        with self.client as client:
            while not self.stop.is_set():
                for job in [j for j in self.jobs if not self._final(j)]:
                    answer = client.get(f"/v1/jobs/{job}", params={"limit": 1})
                    self.counts[job] = answer.raise_for_status().json()["counts"]
                totals = self.totals()
                now = time.perf_counter() - self.began
                self.timeline.append((round(now, 3), totals.get("confirmed", 0)))
                if sum(totals.get(s, 0) for s in _FINAL) >= self.total:
                    self.done_at = now
                    return
                self.stop.wait(POLL)

    def _final(self, job: str) -> bool:
        counts = self.counts.get(job, {})
        return sum(counts.values()) > 0 and set(counts) <= set(_FINAL)

    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for counts in list(self.counts.values()):
            for state, n in counts.items():
                totals[state] = totals.get(state, 0) + n
        return totals


def run_batch(stack: Stack, rpc: Rpc, n: int, job_size: int, timeout: float) -> PathRun:
    """``n`` credentials posted to /v1/credentials/batch in jobs of ``job_size``, one after
    the other from one client; a poller follows the jobs until every credential is final."""
    rows = issue_rows(stack, "batch", n)
    run = PathRun("batch", n)
    with stack.client() as client, _Measured(stack, rpc, run) as start:
        poller = _JobPoller(stack, n, start)
        poller.start()
        for first in range(0, n, job_size):
            began = time.perf_counter()
            answer = client.post(
                "/v1/credentials/batch",
                json=rows[first : first + job_size],
                headers={"Idempotency-Key": f"batch-{first}-{secrets.token_hex(6)}"},
            )
            run.latencies.append(time.perf_counter() - began)
            poller.jobs.append(_accepted(answer)["job_id"])
            log(f"  job {len(poller.jobs)}: {min(job_size, n - first):,} rows accepted in "
                f"{run.latencies[-1]:.2f} s")  # fmt: skip
        run.accept_seconds = time.perf_counter() - start
        poller.join(timeout)
        poller.stop.set()
        if poller.done_at is None:
            raise TimeoutError(f"the batch path was not final within {timeout:.0f} s")
        run.seconds, run.timeline, run.states = poller.done_at, poller.timeline, poller.totals()
    run.credentials = _job_items(stack, poller.jobs, job_size)
    return run


def _job_items(stack: Stack, jobs: Sequence[str], job_size: int) -> list[Credential]:
    items: list[Credential] = []
    with stack.client() as client:
        for job in jobs:
            answer = client.get(f"/v1/jobs/{job}", params={"limit": job_size})
            for item in answer.raise_for_status().json()["items"]:
                items.append(Credential(int(item["token_id"], 16), item["recipient"],
                                        item["credential_id"], item["state"]))  # fmt: skip
    return items


def _accepted(answer: httpx.Response) -> dict[str, Any]:
    if answer.status_code != 202:
        raise RuntimeError(f"{answer.request.url.path} answered {answer.status_code}: "
                           f"{answer.text[:500]}")  # fmt: skip
    body: dict[str, Any] = answer.json()
    return body


# ====================================================================== single requests


def run_single(stack: Stack, rpc: Rpc, n: int, clients: int, timeout: float) -> PathRun:
    """``n`` credentials posted one per request to /v1/credentials by ``clients`` threads;
    then the last one accepted is polled until confirmed, and every other one is checked."""
    rows = issue_rows(stack, "single", n)
    run = PathRun("single", n)
    answers: list[tuple[float, float, dict[str, Any]] | None] = [None] * n  # latency, at, body
    serials = itertools.count()
    retried: list[str] = []  # the problem type of each 503 answered (then retried)
    pool = [stack.client() for _ in range(clients)]  # made before the clock starts
    with _Measured(stack, rpc, run) as start:

        def client_loop(client: httpx.Client) -> None:
            while (i := next(serials)) < n:
                began = time.perf_counter()
                answer = _post_retrying(client, rows[i], f"single-{i}", retried)
                done = time.perf_counter()
                if answer.status_code == 503:  # refused even after retries: counted, not fatal
                    continue
                answers[i] = (done - began, done - start, _accepted(answer))

        _in_threads(client_loop, pool, timeout)
        got = [a for a in answers if a is not None]
        run.count, run.notes["refused"] = len(got), n - len(got)
        if not got:
            raise RuntimeError(f"all {n} single requests were refused: {_count(retried)}")
        run.latencies = [a[0] for a in got]
        run.notes["retried_503"] = _count(retried)
        run.accept_seconds = max(a[1] for a in got)
        log(f"  {n:,} requests accepted in {run.accept_seconds:.2f} s; waiting for the chain")
        last = max(got, key=lambda a: a[1])[2]["id"]
        run.seconds = _await_confirmed(pool[0], last, start, timeout)
        ids = [a[2]["id"] for a in got]
        reports = _sweep(pool, ids)
        last_block = _block(next(r for r in reports if r["id"] == last))
        # Confirmed in a later block than the last one accepted: maybe not by then.
        late = [r for r in reports
                if r["state"] not in _FINAL or (_block(r) or 0) > (last_block or 0)]  # fmt: skip
        run.notes["after_the_last"] = len(late)
        while late:  # the end is then when a sweep first finds every one final
            reports = _sweep(pool, ids)
            run.seconds = time.perf_counter() - start
            late = [r for r in reports if r["state"] not in _FINAL]
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"the single path was not final within {timeout:.0f} s")
    for client in pool:
        client.close()
    run.credentials = [Credential(int(r["token_id"], 16), r["recipient"], r["id"], r["state"])
                       for r in reports]  # fmt: skip
    run.states = _count(r["state"] for r in reports)
    run.notes["gas_shares"] = {r["id"]: _share(r) for r in reports}
    return run


def _post_retrying(
    client: httpx.Client, row: dict[str, Any], key: str, retried: list[str], tries: int = 5
) -> httpx.Response:
    """POST one credential; a 503 is retried with the same Idempotency-Key after its
    Retry-After (at most 1 s), as a client should, and noted in ``retried``."""
    for _ in range(tries - 1):
        answer = client.post("/v1/credentials", json=row, headers={"Idempotency-Key": key})
        if answer.status_code != 503:
            return answer
        retried.append(str(answer.json().get("type", "")).rsplit(":", 1)[-1])
        time.sleep(min(1.0, float(answer.headers.get("Retry-After", "0.1"))))
    return client.post("/v1/credentials", json=row, headers={"Idempotency-Key": key})


def _await_confirmed(
    client: httpx.Client, credential_id: str, start: float, timeout: float
) -> float:
    """Seconds since ``start`` when ``credential_id`` was first seen final."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/v1/credentials/{credential_id}").raise_for_status().json()
        if state["state"] in _FINAL:
            return time.perf_counter() - start
        time.sleep(POLL / 4)
    raise TimeoutError(f"credential {credential_id} not final within {timeout:.0f} s")


def _in_threads(
    work: Callable[[httpx.Client], None], pool: Sequence[httpx.Client], timeout: float
) -> None:
    """``work`` on one thread per client, until all return."""
    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in pool]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)


def _sweep(pool: Sequence[httpx.Client], ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every credential's report (state, transaction, gas share), one thread per client."""
    reports: list[dict[str, Any] | None] = [None] * len(ids)
    serials = itertools.count()

    def loop(client: httpx.Client) -> None:
        while (i := next(serials)) < len(ids):
            reports[i] = client.get(f"/v1/credentials/{ids[i]}").raise_for_status().json()

    _in_threads(loop, pool, 600.0)
    return [r for r in reports if r is not None]


def credential_reports(stack: Stack, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The API's reports of ``ids`` (for the gas cross-check)."""
    with stack.client() as client:
        return _sweep([client], ids)


def _block(report: dict[str, Any]) -> int | None:
    tx = report.get("transaction") or {}
    return tx.get("block_number")


def _share(report: dict[str, Any]) -> tuple[str | None, int | None, int | None]:
    tx = report.get("transaction") or {}
    return tx.get("hash"), tx.get("gas_used"), tx.get("operations_in_transaction")


def _count(states: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


# ====================================================================== the naive path


def run_naive(stack: Stack, rpc: Rpc, n: int) -> PathRun:
    """One ``build_transaction`` + sign + send + ``wait_for_transaction_receipt`` per
    credential through web3.py's contract layer, from a second signer of the institution.
    Token ids are real documents' (built beforehand, untimed: the baseline pays for the chain
    only)."""
    from benchmarks.verify_setup import Issuer  # real documents, as the verification benchmark

    w3 = stack.w3
    maker = Issuer(stack.institution_id, int(w3.eth.chain_id), stack.contract)
    credentials = [
        Credential(issued.token_id, issued.recipient)
        for issued in (maker.issue(10_000_000 + i) for i in range(n))
    ]
    account = Account.from_key(NAIVE_KEY)
    abi = load_artifact().contract("ChainCred").abi
    contract = w3.eth.contract(address=Web3.to_checksum_address(stack.contract), abi=abi)
    run = PathRun("naive", n, credentials=credentials)
    with _Measured(stack, rpc, run) as start:
        for credential in credentials:
            began = time.perf_counter()
            mint = contract.functions.mint(credential.recipient, credential.token_id,
                                           int(BurnAuth.OWNER_ONLY))  # fmt: skip
            nonce = w3.eth.get_transaction_count(account.address)
            tx = mint.build_transaction({"from": account.address, "nonce": nonce})
            signed = account.sign_transaction(tx)
            receipt = w3.eth.wait_for_transaction_receipt(
                w3.eth.send_raw_transaction(signed.raw_transaction)
            )
            if receipt["status"] != 1:
                raise RuntimeError(f"naive mint reverted: {receipt['transactionHash'].hex()}")
            run.gas.add(int(receipt["gasUsed"]), 1)
            run.latencies.append(time.perf_counter() - began)
        run.seconds = run.accept_seconds = time.perf_counter() - start
    run.states = {"confirmed": n}
    return run
