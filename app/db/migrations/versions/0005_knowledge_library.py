"""The company's knowledge library: its documents and the shared index-build state.

``library_documents`` has a row per uploaded document (name, hash, size, status, progress,
error); the originals stay files under ``DATA_DIR/library``. ``library_index`` holds one row
that every worker process uses to take turns building the knowledge index (a lease) and to
notice a new build (``version``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add library_documents and library_index (with its one row)."""
    op.create_table(
        "library_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("staged", sa.String(400), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    state = op.create_table(
        "library_index",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("requested", sa.Integer, nullable=False),
        sa.Column("built", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("lease_token", sa.String(32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.bulk_insert(state, [{"id": 1, "requested": 0, "built": 0, "version": 0}])


def downgrade() -> None:
    """Drop both tables (the uploaded files under DATA_DIR/library stay on disk)."""
    op.drop_table("library_index")
    op.drop_table("library_documents")
