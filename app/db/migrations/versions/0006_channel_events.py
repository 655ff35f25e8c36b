"""Chat platform events already taken in, for de-duplicating retries.

Slack resends an event when the answer took over 3 s (``X-Slack-Retry-Num``) and WeCom resends
a message it thinks was missed; with several workers only the database can tell that an event
was seen. ``(channel, event_id)`` is unique: the worker whose insert lands plays the event, the
others drop it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the channel_events table."""
    op.create_table(
        "channel_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "event_id", name="uq_channel_events_channel_event_id"),
    )
    op.create_index("ix_channel_events_received_at", "channel_events", ["received_at"])


def downgrade() -> None:
    """Drop it again."""
    op.drop_index("ix_channel_events_received_at", table_name="channel_events")
    op.drop_table("channel_events")
