"""Alembic environment: runs on the connection chaincred passes in (see engine.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from chaincred.adapters.db import models  # noqa: F401 - registers the tables

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
