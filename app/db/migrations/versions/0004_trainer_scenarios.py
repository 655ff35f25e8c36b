"""Trainers' scenarios move from files into the database.

``trainer_scenarios`` holds each trainer-made scenario as its YAML text, so every worker
process serves the same set and sees an edit at once. Existing files in the legacy trainer
directory (``DATA_DIR/scenarios``) are not copied here, since a migration has no settings:
the scenario catalog imports them once on its first load (app/scenarios/catalog.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the trainer_scenarios table."""
    op.create_table(
        "trainer_scenarios",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("yaml", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )


def downgrade() -> None:
    """Drop it again (the scenarios in it are lost; export them first with `coach scenarios export`)."""
    op.drop_table("trainer_scenarios")
