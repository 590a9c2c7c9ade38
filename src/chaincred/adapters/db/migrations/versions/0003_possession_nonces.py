"""possession nonces in the database (shared by every API process)

Revision ID: 0003_possession_nonces
Revises: 0002_pipeline
Create Date: 2026-11-29 12:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_possession_nonces"
down_revision = "0002_pipeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "possession_nonces",
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    with op.batch_alter_table("possession_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_possession_nonces_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("possession_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_possession_nonces_expires_at"))
    op.drop_table("possession_nonces")
