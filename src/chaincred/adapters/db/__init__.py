"""The database adapter: SQLModel tables, engines and Alembic migrations."""

from chaincred.adapters.db.engine import create_db_engine, migrate, session_scope

__all__ = ["create_db_engine", "migrate", "session_scope"]
