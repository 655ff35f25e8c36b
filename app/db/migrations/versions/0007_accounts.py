"""Accounts: password hashes, teams and disabled users; failed sign-ins for the login throttle.

``COACH_AUTH=password`` signs people in against ``users.password_hash`` (argon2). A trainer
sees the sessions of their ``team``. ``disabled`` keeps a leaver's history readable while
refusing their sign-in. ``login_attempts`` holds recent failed sign-ins by name and address,
so every worker counts the same failures.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the account columns and the login_attempts table."""
    # Plain ADD COLUMN: a batch rebuild of ``users`` on SQLite would drop the table, and with it
    # (ON DELETE CASCADE) every session. '0' is false to SQLite and PostgreSQL alike.
    op.add_column("users", sa.Column("password_hash", sa.String(255), nullable=True))
    op.add_column("users", sa.Column("team", sa.String(100), nullable=True))
    op.add_column("users", sa.Column("disabled", sa.Boolean, nullable=False, server_default="0"))
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_attempts_name_ip_at", "login_attempts", ["name", "ip", "attempted_at"])
    op.create_index("ix_login_attempts_attempted_at", "login_attempts", ["attempted_at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_login_attempts_attempted_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_name_ip_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    with op.batch_alter_table("users", recreate="never") as batch:  # SQLite >= 3.35 drops columns itself
        batch.drop_column("disabled")
        batch.drop_column("team")
        batch.drop_column("password_hash")
