"""``chaincred worker`` (the signer worker of the configured key, with the indexer) and
``chaincred reindex`` (rebuild the credentials from the chain's events).

Both read the issuer service's settings (``CHAINCRED_*``: RPC URL, contract, database, signer
keystore, confirmations, batch size and interval).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from chaincred.adapters.chain import RegistryClient
from chaincred.adapters.chain.events import Web3EventSource
from chaincred.adapters.chain.sender import Web3ChainSender, open_web3
from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.index import SqlCredentialIndex
from chaincred.adapters.db.ledger import SqlOutboxLedger
from chaincred.adapters.db.models import CredentialRow
from chaincred.errors import ConfigurationError
from chaincred.services.indexer import Indexer, IndexerConfig
from chaincred.services.pipeline import SignerWorker, run_loop
from chaincred.services.pipeline_config import FAULT_POINTS, Fault, PipelineConfig, no_fault
from chaincred.settings import Settings, load_settings
from chaincred.toolchain.anvil import DEV_ACCOUNTS

__all__ = ["fault_from_env", "register", "signer_account"]

_log = logging.getLogger("chaincred.worker")

#: The development key of ``CHAINCRED_SIGNER_DEV_KEY``: Anvil's second account, the signer of
#: the demo institution that ``chaincred up`` registers.
DEV_SIGNER_KEY = DEV_ACCOUNTS[1]
FAULT_VARIABLE = "CHAINCRED_FAULT"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="send the outbox to the chain with the configured key, until SIGTERM/Ctrl-C",
        description=(
            "The signer worker of the configured key (CHAINCRED_SIGNER_KEYSTORE, or "
            "CHAINCRED_SIGNER_DEV_KEY locally): groups queued mints into mintBatch "
            "transactions, sends lifecycle changes, tracks receipts to "
            "CHAINCRED_CONFIRMATIONS, re-broadcasts dropped transactions, bumps stuck ones, "
            "re-sends what a reorg removed, parks while the key lacks funds. One worker per "
            "key: a second one stands by. It also follows the registry's events into the "
            "database (burns, changes made elsewhere): between rounds that had nothing to send, at "
            "the latest every minute. chaincred up runs the signer with --no-index and the "
            "event follower as its own process (--index-only)."
        ),
    )
    worker.add_argument(
        "--institution",
        type=int,
        action="append",
        metavar="ID",
        help="send only this institution's operations (repeatable; default: the institution "
        "the key signs for in the registry)",
    )
    worker.add_argument("--max-in-flight", type=int, default=8, metavar="N")
    worker.add_argument(
        "--stuck-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="bump the fee of a transaction unmined for this long (default 60)",
    )
    worker.add_argument(
        "--poll",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="pause between idle rounds (each reads the head block: mind a paid RPC's quota)",
    )
    worker.add_argument(
        "--until-idle",
        action="store_true",
        help="exit once nothing is queued or in flight (scripts, tests)",
    )
    _index_options(worker)
    mode = worker.add_mutually_exclusive_group()
    mode.add_argument(
        "--no-index",
        action="store_true",
        help="do not follow the events (run a --index-only process next to it)",
    )
    mode.add_argument(
        "--index-only",
        action="store_true",
        help="only follow the events into the database, at a lower CPU priority (nice 10); "
        "sign and send nothing (needs no key)",
    )
    worker.set_defaults(handler=run_worker)

    reindex = commands.add_parser(
        "reindex",
        help="rebuild the credentials table from the registry's events",
        description=(
            "Replay the registry's events into the database: every credential (token id, "
            "recipient, institution), its status and reason, and supersede links. Existing "
            "rows keep their documents; a deleted database comes back without them: personal "
            "documents are never on chain."
        ),
    )
    _index_options(reindex)
    reindex.set_defaults(handler=run_reindex)


def _index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from-block",
        type=int,
        default=0,
        metavar="N",
        help="the registry's deployment block (default 0)",
    )
    parser.add_argument(
        "--log-range", type=int, default=2_000, metavar="BLOCKS", help="blocks per eth_getLogs"
    )


def signer_account(settings: Settings) -> LocalAccount:
    """The issuing key: the encrypted keystore, or locally Anvil's well-known signer."""
    if settings.signer_keystore is not None:
        password = settings.signer_keystore_password
        assert password is not None  # Settings.check insists
        try:
            encrypted = json.loads(settings.signer_keystore.read_text("utf-8"))
            key = Account.decrypt(encrypted, password.get_secret_value())
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read CHAINCRED_SIGNER_KEYSTORE {settings.signer_keystore}: {exc.strerror}"
            ) from exc
        except ValueError as exc:
            raise ConfigurationError(
                "cannot decrypt CHAINCRED_SIGNER_KEYSTORE: wrong password or damaged file"
            ) from exc
        account: LocalAccount = Account.from_key(key)
        return account
    if settings.signer_dev_key:
        dev: LocalAccount = Account.from_key(DEV_SIGNER_KEY)
        return dev
    raise ConfigurationError(
        "no signing key: set CHAINCRED_SIGNER_KEYSTORE and CHAINCRED_SIGNER_KEYSTORE_PASSWORD "
        "(or, on a local chain, CHAINCRED_SIGNER_DEV_KEY=1)"
    )


def fault_from_env(value: str | None, *, exit: Callable[[int], object] = os._exit) -> Fault:
    """``point[:n]`` (comma-separated): die with exit code 137 the n-th time the worker
    reaches ``point`` (tests kill the worker where they want it dead)."""
    if not value:
        return no_fault
    remaining: dict[str, int] = {}
    for item in value.split(","):
        point, _, count = item.strip().partition(":")
        if point not in FAULT_POINTS:
            raise ConfigurationError(
                f"{FAULT_VARIABLE}: unknown point {point!r}; known: {', '.join(FAULT_POINTS)}"
            )
        remaining[point] = int(count or 1)

    def hit(point: str) -> None:
        if point in remaining:
            remaining[point] -= 1
            if remaining[point] == 0:
                _log.warning("fault injected: dying at %s", point)
                logging.shutdown()
                exit(137)

    return hit


def _engine(settings: Settings) -> Engine:
    # Not api.deps.migrated_engine: importing the API (FastAPI) would add half a second to
    # every worker start.
    engine = create_db_engine(settings.database)
    migrate(engine)
    return engine


def _registry(settings: Settings) -> RegistryClient:
    return RegistryClient(
        open_web3(settings.rpc_url, timeout=settings.rpc_timeout), settings.contract
    )


def run_worker(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging()
    if args.index_only:
        return _run_indexer(args, settings)
    account = signer_account(settings)
    engine = _engine(settings)
    registry = _registry(settings)
    config = PipelineConfig(
        batch_size=settings.batch_size,
        batch_interval=settings.batch_interval,
        confirmations=settings.confirmations,
        institutions=frozenset(args.institution) if args.institution else None,
        max_in_flight=args.max_in_flight,
        stuck_after=args.stuck_after,
    )
    worker = SignerWorker(
        ledger=SqlOutboxLedger(engine),
        chain=Web3ChainSender(registry, account, chain_id=settings.chain_id),
        config=config,
        fault=fault_from_env(os.environ.get(FAULT_VARIABLE)),
    )
    signer = _Logged(worker)
    steps: list[Callable[[], bool]] = [signer]
    if not args.no_index:
        # In the signer's loop, the indexer (event decoding is CPU-heavy) would stall sending:
        # it runs only after a round that had nothing to do, or once a minute at the latest.
        indexer = _indexer(args, settings, registry, engine)
        steps.append(_WhenIdle(lambda: indexer.sync() > 0, signer_busy=lambda: signer.busy))
    stop = _stop_on_signals()
    _log.info("worker for %s on %s (database %s)", account.address, settings.rpc_url, engine.url)
    try:
        run_loop(
            steps,
            should_stop=lambda: stop.is_set() or (args.until_idle and worker.idle()),
            sleep=stop.wait,
            poll=args.poll,
        )
    finally:
        worker.stop()
        engine.dispose()
    _log.info("worker stopped")
    return 0


def _indexer(
    args: argparse.Namespace, settings: Settings, registry: RegistryClient, engine: Engine
) -> Indexer:
    return Indexer(
        events=Web3EventSource(registry),
        index=SqlCredentialIndex(engine),
        config=IndexerConfig(
            start_block=args.from_block,
            confirmations=settings.confirmations,
            chunk=args.log_range,
        ),
    )


def _run_indexer(args: argparse.Namespace, settings: Settings) -> int:
    """``chaincred worker --index-only``: follow the registry's events into the database, in a
    process of its own (the signer runs with ``--no-index``); no key, nothing sent."""
    # Following events is not urgent: on a shared machine the API and the signer come first.
    if hasattr(os, "nice"):
        os.nice(10)
    engine = _engine(settings)
    indexer = _indexer(args, settings, _registry(settings), engine)
    caught_up = threading.Event()

    def step() -> bool:
        applied = indexer.sync()
        if applied == 0:
            caught_up.set()
        return applied > 0

    stop = _stop_on_signals()
    _log.info("indexer on %s (database %s)", settings.rpc_url, engine.url)
    try:
        run_loop(
            [step],
            should_stop=lambda: stop.is_set() or (args.until_idle and caught_up.is_set()),
            sleep=stop.wait,
            poll=max(args.poll, 1.0),
        )
    finally:
        engine.dispose()
    _log.info("indexer stopped")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging()
    engine = _engine(settings)
    indexer = Indexer(
        events=Web3EventSource(_registry(settings)),
        index=SqlCredentialIndex(engine),
        config=IndexerConfig(
            start_block=args.from_block, confirmations=settings.confirmations, chunk=args.log_range
        ),
    )
    applied = indexer.rebuild()
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(CredentialRow)).one()
    engine.dispose()
    print(
        f"replayed {applied} event(s); the database holds {count} credential(s). Personal "
        "documents are not on chain: credentials rebuilt from it have none."
    )
    return 0


class _Logged:
    """One signer round, logged if it did something; ``busy`` says whether the last did."""

    def __init__(self, worker: SignerWorker) -> None:
        self.worker = worker
        self.busy = False

    def __call__(self) -> bool:
        progress = self.worker.round()
        if progress.busy or progress.notes:
            _log.info("round: %s", progress.summary())
        self.busy = progress.busy
        return progress.busy


class _WhenIdle:
    """Run ``step`` at most every ``every`` seconds, and only while the signer's last round was
    idle — unless ``at_most`` seconds passed since it last ran (so it never starves)."""

    def __init__(
        self,
        step: Callable[[], bool],
        *,
        signer_busy: Callable[[], bool],
        every: float = 5.0,
        at_most: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.step, self.signer_busy, self.clock = step, signer_busy, clock
        self.every, self.at_most = every, at_most
        self.last: float | None = None

    def __call__(self) -> bool:
        now = self.clock()
        if self.last is not None:
            since = now - self.last
            if since < self.every or (self.signer_busy() and since < self.at_most):
                return False
        self.last = now
        return self.step()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        _log.info("signal %d: finishing the round, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
