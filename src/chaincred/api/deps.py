"""Wiring: the one place (with the CLI) where adapters are built from settings."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from chaincred.adapters.chain import connect
from chaincred.adapters.chain.reader import RpcReader
from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.nonces import SqlNonceStore
from chaincred.adapters.db.repository import SqlIssuerRepository
from chaincred.adapters.memory import MemoryNonceStore
from chaincred.adapters.pinning import BuiltinStore, KuboStore, PinningServiceStore
from chaincred.errors import ChainUnavailable, ConfigurationError
from chaincred.ports import MetadataStore
from chaincred.ports.verification import NonceStore
from chaincred.services.publishing import IssuingChain
from chaincred.settings import Settings
from chaincred.toolchain.anvil import DEV_ACCOUNTS
from chaincred.toolchain.artifact import load_artifact

__all__ = [
    "IssuerContext",
    "VerifierContext",
    "build_issuer",
    "build_verifier",
    "check_deployment",
    "database_nonces",
    "issuer",
    "migrated_engine",
    "verifier",
]

_log = logging.getLogger("chaincred.api")

#: Anvil's last well-known account signs receipts in local mode (never in production).
_DEV_RECEIPT_KEY = DEV_ACCOUNTS[9]


@dataclass
class VerifierContext:
    settings: Settings
    reader: RpcReader
    nonces: NonceStore
    receipt_key: LocalAccount | None

    def close(self) -> None:
        self.reader.close()

    def require_receipt_key(self) -> LocalAccount:
        if self.receipt_key is None:
            raise ConfigurationError(
                "this verifier has no receipt key: set CHAINCRED_VERIFIER_KEYSTORE (and its "
                "password), or CHAINCRED_VERIFIER_DEV_KEY=true in local mode"
            )
        return self.receipt_key


def build_verifier(settings: Settings) -> VerifierContext:
    reader = RpcReader(settings.rpc_url, settings.contract, timeout=settings.rpc_timeout)
    check_deployment(settings, reader)
    return VerifierContext(
        settings=settings,
        reader=reader,
        nonces=MemoryNonceStore(ttl=settings.nonce_ttl),
        receipt_key=_receipt_key(settings),
    )


def check_deployment(settings: Settings, reader: RpcReader) -> None:
    """Refuse to start against the wrong chain or a contract that is not ChainCred, with a
    message naming the setting to fix. A node that does not answer is not an error here:
    issuing only writes the outbox, and verification reports such a chain as indeterminate."""
    try:
        chain_id, _ = reader.chain_head()
        code = reader.runtime_code()
    except ChainUnavailable as exc:
        _log.warning("chain not checked at start-up: %s", exc)
        return
    if settings.chain_id is not None and chain_id != settings.chain_id:
        raise ConfigurationError(
            f"CHAINCRED_CHAIN_ID is {settings.chain_id} but {settings.rpc_url} serves chain "
            f"{chain_id}: fix CHAINCRED_RPC_URL or CHAINCRED_CHAIN_ID"
        )
    if not code:
        raise ConfigurationError(
            f"there is no contract at CHAINCRED_CONTRACT={settings.contract} on chain {chain_id}: "
            "deploy one (chaincred deploy) or fix CHAINCRED_CONTRACT"
        )
    expected = load_artifact().contract("ChainCred").deployed_bytecode
    if settings.check_contract_code and keccak(code) != keccak(expected):
        raise ConfigurationError(
            f"the contract at CHAINCRED_CONTRACT={settings.contract} is not this version's "
            f"ChainCred (runtime code hash 0x{keccak(code).hex()}, expected "
            f"0x{keccak(expected).hex()}): fix CHAINCRED_CONTRACT, or set "
            "CHAINCRED_CHECK_CONTRACT_CODE=false to serve a registry of another version"
        )


def _receipt_key(settings: Settings) -> LocalAccount | None:
    if settings.verifier_keystore is not None:
        password = settings.verifier_keystore_password
        assert password is not None  # Settings.check() insists
        try:
            encrypted = json.loads(settings.verifier_keystore.read_text("utf-8"))
            key = Account.decrypt(encrypted, password.get_secret_value())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"CHAINCRED_VERIFIER_KEYSTORE {settings.verifier_keystore} cannot be opened: "
                f"{type(exc).__name__}"
            ) from None
        account: LocalAccount = Account.from_key(key)
        return account
    if settings.verifier_dev_key:
        dev: LocalAccount = Account.from_key(_DEV_RECEIPT_KEY)
        return dev
    return None


def verifier(request: Request) -> VerifierContext:
    """FastAPI dependency: the verifier context of this app."""
    context: VerifierContext = request.app.state.verifier
    return context


# ---------------------------------------------------------------- the issuer service

#: The signer worker sends with Anvil's second account in local mode (as ``chaincred up``'s
#: issuer does); /healthz reports its balance.
_DEV_SIGNER_KEY = DEV_ACCOUNTS[1]


@dataclass
class IssuerContext:
    """What the issuer routes use: the repository, the metadata store, the chain reader."""

    settings: Settings
    engine: Engine
    repo: SqlIssuerRepository
    store: MetadataStore
    reader: RpcReader
    balances: Web3Balances
    signer: str | None
    closers: list[Callable[[], None]] = field(default_factory=list)
    _chain_id: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def chain(self) -> IssuingChain:
        """Where documents are anchored; the chain id is read from the node once if the
        settings do not give it (``ChainUnavailable`` until the node answers)."""
        with self._lock:
            if self._chain_id is None:
                self._chain_id = self.settings.chain_id or self.reader.chain_head()[0]
            return IssuingChain(self._chain_id, self.settings.contract)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


class Web3Balances:
    """Account balances through web3.py (the /healthz signer check)."""

    def __init__(self, rpc_url: str, timeout: float) -> None:
        self.rpc_url = rpc_url
        self.timeout = timeout

    def balance(self, address: str) -> int:
        w3 = connect(self.rpc_url, timeout=self.timeout)
        try:
            return int(w3.eth.get_balance(to_checksum_address(address)))
        except Exception as exc:  # web3 raises many unrelated types for a broken endpoint
            raise ChainUnavailable(self.rpc_url, f"{type(exc).__name__}: {exc}") from exc


def build_issuer(settings: Settings, reader: RpcReader) -> IssuerContext:
    """The issuer's adapters; the database is migrated to the newest revision first."""
    engine = migrated_engine(settings)
    store, closers = _metadata_store(settings)
    context = IssuerContext(
        settings=settings,
        engine=engine,
        repo=SqlIssuerRepository(engine),
        store=store,
        reader=reader,
        balances=Web3Balances(settings.rpc_url, settings.rpc_timeout),
        signer=_signer_address(settings),
        closers=[*closers, engine.dispose],
    )
    with contextlib.suppress(ChainUnavailable):
        # Learn the chain id now if the node answers, so that issuing (which only writes the
        # outbox) keeps working if the node goes down later; otherwise on first use.
        context.chain()
    return context


def migrated_engine(settings: Settings) -> Engine:
    """The settings' database, migrated to the newest revision (its folder made for SQLite);
    a database that cannot be opened is a :class:`ConfigurationError` naming the setting."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.database)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        where = "CHAINCRED_DATABASE_URL" if settings.database_url else "CHAINCRED_DATA_DIR"
        raise ConfigurationError(
            f"the database cannot be opened or migrated ({type(exc).__name__}: {exc}); "
            f"check {where}"
        ) from None
    return engine


def _metadata_store(settings: Settings) -> tuple[MetadataStore, list[Callable[[], None]]]:
    builtin = BuiltinStore(settings.data_dir / "ipfs")
    if settings.pinning == "kubo":
        assert settings.kubo_url is not None  # Settings.check() insists
        kubo = KuboStore(settings.kubo_url)
        return kubo, [kubo.close]
    if settings.pinning == "pinning-service":
        assert settings.pinning_service_url and settings.pinning_service_token
        service = PinningServiceStore(
            settings.pinning_service_url,
            settings.pinning_service_token.get_secret_value(),
            provider=builtin,
        )
        return service, [service.close]
    return builtin, []


def _signer_address(settings: Settings) -> str | None:
    if settings.signer_keystore is not None:
        try:
            keystore = json.loads(settings.signer_keystore.read_text("utf-8"))
            return str(to_checksum_address("0x" + str(keystore["address"]).removeprefix("0x")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"CHAINCRED_SIGNER_KEYSTORE {settings.signer_keystore} has no readable address: "
                f"{type(exc).__name__}"
            ) from None
    if settings.signer_dev_key:
        return str(Account.from_key(_DEV_SIGNER_KEY).address)
    return None


def database_nonces(context: IssuerContext) -> NonceStore:
    """Possession nonces in the issuer's database, shared by every API process (a verifier
    alone, without a database, keeps them in memory: :func:`build_verifier`)."""
    return SqlNonceStore(context.engine, ttl=context.settings.nonce_ttl)


def issuer(request: Request) -> IssuerContext:
    """FastAPI dependency: the issuer context of this app."""
    context: IssuerContext = request.app.state.issuer
    return context
