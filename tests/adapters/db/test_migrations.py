"""The Alembic migrations create exactly the schema the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from chaincred.adapters.db import migrate, session_scope
from chaincred.adapters.db.models import InstitutionRow


def test_migrated_schema_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrating_twice_changes_nothing(db_engine: Engine) -> None:
    before = sorted(inspect(db_engine).get_table_names())
    migrate(db_engine)
    assert sorted(inspect(db_engine).get_table_names()) == before
    assert "alembic_version" in before and "operations" in before


def test_session_scope_rolls_back_on_error(db_engine: Engine) -> None:
    try:
        with session_scope(db_engine) as session:
            session.add(InstitutionRow(id=7, name="Rolled Back"))
            session.flush()
            raise RuntimeError("crash mid-request")
    except RuntimeError:
        pass
    with session_scope(db_engine) as session:
        assert session.get(InstitutionRow, 7) is None
