"""The indexer on a real chain: follow the events into the database; delete the database
and rebuild it from the chain alone (``chaincred reindex``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import Engine
from sqlmodel import Session, select
from web3 import Web3

from chaincred.adapters.chain.events import Web3EventSource
from chaincred.adapters.db import create_db_engine, migrate
from chaincred.adapters.db.index import SqlCredentialIndex
from chaincred.adapters.db.models import CredentialRow, InstitutionRow
from chaincred.services.indexer import Indexer
from tests.pipeline.support import (
    Stack,
    credentials,
    drain,
    make_worker,
    new_holder,
    queue_change,
    queue_mints,
    queue_supersede,
    run_command,
)

pytestmark = pytest.mark.chain

Facts = dict[str, tuple[str, int, str, str | None, str | None, str]]


def facts(engine: Engine) -> Facts:
    """What the chain can give back, per token id: recipient, institution, status, reason,
    the token it supersedes, pipeline state."""
    rows = credentials(engine)
    token_of = {c.id: c.token_id for c in rows}
    return {
        c.token_id: (
            Web3.to_checksum_address(c.recipient),
            c.institution_id,
            c.status,
            c.status_reason,
            token_of.get(c.supersedes_id) if c.supersedes_id else None,
            c.state,
        )
        for c in rows
    }


def issue_history(stack: Stack, db: Engine) -> Account:
    """Credentials in every status, through the worker; the learner burns one."""
    learner = Account.create()
    stack.rpc("anvil_setBalance", learner.address, hex(10**18))
    ids = queue_mints(db, 5, recipients=[learner.address, *(new_holder() for _ in range(4))])
    burned, revoked, suspended, reinstated, corrected = ids
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    queue_change(db, "revoke", revoked, reason="academic_misconduct")
    queue_change(db, "suspend", suspended, reason="requested_by_holder")
    queue_change(db, "suspend", reinstated, reason="other")
    queue_change(db, "reinstate", reinstated)
    queue_supersede(db, corrected)
    drain(worker)
    token = int(next(c.token_id for c in credentials(db) if c.id == burned), 16)
    stack.client.transact(stack.tx(learner), "burn", token)
    return learner


def test_following_the_events_records_a_burn_and_erases_the_document(
    stack: Stack, db: Engine
) -> None:
    learner = issue_history(stack, db)
    indexer = Indexer(events=Web3EventSource(stack.client), index=SqlCredentialIndex(db))
    assert indexer.sync() > 0
    by_recipient = {c.recipient: c for c in credentials(db)}
    burned = by_recipient[learner.address]
    assert (burned.status, burned.document) == ("burned", None)
    others = [c for c in credentials(db) if c.recipient != learner.address]
    assert all(c.document is not None for c in others if c.supersedes_id is None)
    assert indexer.sync() == 0  # nothing new since the cursor


def test_a_deleted_database_is_rebuilt_from_the_chain(
    stack: Stack, db: Engine, tmp_path: Path
) -> None:
    issue_history(stack, db)
    Indexer(events=Web3EventSource(stack.client), index=SqlCredentialIndex(db)).sync()
    before = facts(db)
    assert {f[2] for f in before.values()} == {
        "active",
        "revoked",
        "suspended",
        "superseded",
        "burned",
    }
    db.dispose()
    for leftover in tmp_path.glob("chaincred.db*"):
        leftover.unlink()
    rebuilt = create_db_engine(str(db.url))
    migrate(rebuilt)
    done = run_command(stack, rebuilt, "reindex")
    assert done.returncode == 0, done.stderr
    assert "6 credential(s)" in done.stdout and "Personal documents are not on chain" in done.stdout
    assert facts(rebuilt) == before
    assert all(c.document is None for c in credentials(rebuilt))
    records = stack.client.credentials([int(t, 16) for t in before])
    assert [r.status.name.lower() for r in records] == [f[2] for f in before.values()]
    with Session(rebuilt) as session:
        assert sorted(i.id for i in session.exec(select(InstitutionRow))) == [1, 2]
        assert session.exec(select(CredentialRow)).first() is not None
    rebuilt.dispose()


def test_a_reorg_below_the_cursor_is_replayed(stack: Stack, db: Engine) -> None:
    indexer = Indexer(events=Web3EventSource(stack.client), index=SqlCredentialIndex(db))
    indexer.sync()
    (credential,) = queue_mints(db, 1)
    worker = make_worker(db, stack)
    assert worker.start()
    drain(worker)
    queue_change(db, "suspend", credential, reason="other")
    drain(worker)
    indexer.sync()
    cursor = SqlCredentialIndex(db).cursor("registry")
    assert cursor is not None
    stack.rpc("anvil_reorg", 1, [])  # the suspension's block is replaced
    assert stack.client.credential(int(credentials(db)[0].token_id, 16)).status.name == "ACTIVE"
    assert worker.round().reorged == 1  # the worker notices and re-sends it
    drain(worker)
    assert indexer.sync() >= 1  # the cursor's block changed: replayed from below it
    after = SqlCredentialIndex(db).cursor("registry")
    assert after is not None and after.hash != cursor.hash
    assert credentials(db)[0].status == "suspended"
    assert stack.client.credential(int(credentials(db)[0].token_id, 16)).status.name == "SUSPENDED"


def test_the_index_only_worker_follows_the_events_and_sends_nothing(
    stack: Stack, db: Engine
) -> None:
    """``chaincred worker --index-only`` (the process ``chaincred up`` runs next to the signer
    started with ``--no-index``): the burn reaches the database; queued mints stay queued."""
    learner = issue_history(stack, db)
    queued = set(queue_mints(db, 2))
    nonce = stack.w3.eth.get_transaction_count(stack.issuer.address)
    done = run_command(stack, db, "worker", "--index-only", "--until-idle")
    assert done.returncode == 0, done.stderr
    by_recipient = {c.recipient: c for c in credentials(db)}
    assert by_recipient[learner.address].status == "burned"
    assert {c.state for c in credentials(db) if c.id in queued} == {"queued"}
    assert stack.w3.eth.get_transaction_count(stack.issuer.address) == nonce


def test_index_only_and_no_index_exclude_each_other(stack: Stack, db: Engine) -> None:
    done = run_command(stack, db, "worker", "--index-only", "--no-index")
    assert done.returncode == 2 and "not allowed with" in done.stderr
