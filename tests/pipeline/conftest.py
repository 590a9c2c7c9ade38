"""Pipeline fixtures: an Anvil of the pipeline's own (fault tests pause it, turn automine off
and reorganize it, so they never share the session chain), the registry deployed once with
two institutions, a fresh chain snapshot and a fresh SQLite outbox per test."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import Engine
from sqlmodel import Session

from chaincred.adapters.chain import RegistryClient, RevertDecoder, Transactor, deploy_registry
from chaincred.adapters.chain.sender import open_web3
from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.models import InstitutionRow
from chaincred.toolchain.anvil import DEV_ACCOUNTS, AnvilProcess
from chaincred.toolchain.artifact import load_artifact
from tests.adapters.db.conftest import _postgres_engine
from tests.pipeline.support import Stack


@pytest.fixture(scope="session")
def pipeline_chain() -> Iterator[Stack]:
    with AnvilProcess() as anvil:
        w3 = open_web3(anvil.rpc_url, timeout=10)
        decoder = RevertDecoder(load_artifact().contract("ChainCred").abi)
        registrar = Transactor(w3, Account.from_key(DEV_ACCOUNTS[0]), decoder)
        deployment = deploy_registry(registrar)
        client = RegistryClient(w3, deployment.address)
        issuer = Account.from_key(DEV_ACCOUNTS[1])
        second = Account.from_key(DEV_ACCOUNTS[2])
        other = Account.from_key(DEV_ACCOUNTS[3])
        signers = [issuer.address, second.address]
        assert client.register_institution(registrar, b"\x01" * 32, signers) == 1
        assert client.register_institution(registrar, b"\x02" * 32, [other.address]) == 2
        yield Stack(anvil=anvil, w3=w3, client=client, issuer=issuer, other=other, second=second)


@pytest.fixture
def stack(pipeline_chain: Stack) -> Iterator[Stack]:
    """The pipeline chain, reverted after the test to where it was (automine back on, the
    process running again whatever the test did to it)."""
    snapshot = pipeline_chain.rpc("evm_snapshot")
    yield pipeline_chain
    os.kill(pipeline_chain.anvil.pid, signal.SIGCONT)
    pipeline_chain.rpc("evm_setAutomine", True)
    assert pipeline_chain.rpc("evm_revert", snapshot) is True


def _institutions(engine: Engine) -> Engine:
    migrate(engine)
    with Session(engine) as session:
        session.add(InstitutionRow(id=1, name="Issuer University"))
        session.add(InstitutionRow(id=2, name="Other College"))
        session.add(InstitutionRow(id=3, name="Unregistered Academy"))
        session.commit()
    return engine


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite outbox that knows the institutions."""
    engine = _institutions(create_db_engine(f"sqlite:///{tmp_path / 'chaincred.db'}"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The outbox on SQLite, then on PostgreSQL (skipped without CHAINCRED_TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        engine = _institutions(create_db_engine(f"sqlite:///{tmp_path / 'chaincred.db'}"))
        yield engine
        engine.dispose()
        return
    for engine in _postgres_engine():
        yield _institutions(engine)
