"""Databases for the tests: a SQLite file, and the real PostgreSQL when
CHAINCRED_TEST_DATABASE_URL names one (.ci/run sets it; on a laptop without PostgreSQL those
tests are skipped with the reason shown). Each PostgreSQL test run gets a schema of its own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import Engine

from chaincred.adapters.db import create_db_engine, migrate

PG_URL = os.environ.get("CHAINCRED_TEST_DATABASE_URL")


def _postgres_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("CHAINCRED_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = create_db_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'chaincred.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    for engine in _postgres_engine():
        migrate(engine)
        yield engine
