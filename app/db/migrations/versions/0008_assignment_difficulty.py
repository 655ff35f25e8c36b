"""A trainer's assignment says how hard the customer should be (easy, normal, hard).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add assignments.difficulty (existing assignments: normal)."""
    op.add_column("assignments", sa.Column("difficulty", sa.String(10), nullable=False, server_default="normal"))


def downgrade() -> None:
    """Drop it again (SQLite needs a batch rebuild to drop a column)."""
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("difficulty")
