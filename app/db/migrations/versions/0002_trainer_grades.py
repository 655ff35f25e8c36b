"""Trainer grades become data: per-criterion review grades and score disputes.

``trainer_reviews.criteria`` holds a trainer's optional grade per criterion (JSON
``{criterion id: 0-100}``); ``score_disputes`` holds a rep's "有异议" on a coach score,
resolved when a trainer reviews that reply.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the criteria column and the disputes table."""
    op.add_column("trainer_reviews", sa.Column("criteria", sa.JSON, nullable=True))
    op.create_table(
        "score_disputes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_score_disputes_message_id", "score_disputes", ["message_id"])


def downgrade() -> None:
    """Drop both again (SQLite needs a batch rebuild to drop a column)."""
    op.drop_index("ix_score_disputes_message_id", table_name="score_disputes")
    op.drop_table("score_disputes")
    with op.batch_alter_table("trainer_reviews") as batch:
        batch.drop_column("criteria")
