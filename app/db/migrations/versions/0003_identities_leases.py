"""Channel identities and per-session leases.

``identities`` maps an outside identity (a Slack user, a WeCom userid, a terminal login) to a
user, so the bots and the accounts work share one user table. ``sessions.lease_token`` and
``sessions.lease_until`` let one process at a time play a reply on a session without holding a
database lock (or a pooled connection) while it scores. ``sessions.channel`` and
``sessions.conversation`` say where a session is played (web, terminal, a Slack thread, a WeCom
conversation), so a channel finds the practice running in a conversation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the identities table and the lease columns."""
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_identities_channel_external_id"),
    )
    op.create_index("ix_identities_user_id", "identities", ["user_id"])
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("lease_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(32), nullable=False, server_default="web"))
        batch.add_column(sa.Column("conversation", sa.String(200), nullable=True))
    op.create_index("ix_sessions_channel_conversation", "sessions", ["channel", "conversation"])


def downgrade() -> None:
    """Drop both again."""
    op.drop_index("ix_sessions_channel_conversation", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("conversation")
        batch.drop_column("channel")
        batch.drop_column("lease_until")
        batch.drop_column("lease_token")
    op.drop_index("ix_identities_user_id", table_name="identities")
    op.drop_table("identities")
