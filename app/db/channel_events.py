"""What the chat bots ask the database beyond practices: seen events and a conversation's last session.

Retries are de-duplicated here rather than in memory because several workers serve the same
webhook URL: the unique key on ``(channel, event_id)`` decides, race-free, which one plays an
event (INSERT … ON CONFLICT DO NOTHING, as :meth:`app.db.repository.Repository._insert_ignore`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from app.db.engine import Database
from app.db.models import ChannelEvent, Message, PracticeSession, utcnow


def claim_event(database: Database, channel: str, event_id: str) -> bool:
    """True the first time ``(channel, event_id)`` is seen (by any worker), False for a repeat."""
    values = {"channel": channel, "event_id": event_id[:200], "received_at": utcnow()}
    with database.write() as db:
        dialect = db.get_bind().dialect.name
        stmt: postgresql.Insert | sqlite.Insert
        if dialect == "postgresql":
            stmt = postgresql.insert(ChannelEvent).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(ChannelEvent).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover - the two supported databases are above
            raise RuntimeError(f"unsupported database dialect {dialect!r}")
        # RETURNING yields the new row's id, or nothing when the key was already there.
        return db.execute(stmt.returning(ChannelEvent.id)).scalar_one_or_none() is not None


def latest_session(db: Session, channel: str, conversation: str, user_id: int) -> PracticeSession | None:
    """The user's newest practice in a conversation, ended or not, with its messages and scores.

    A score card's "full feedback" button must still work after the practice ended.
    """
    return db.scalar(
        select(PracticeSession)
        .where(
            PracticeSession.channel == channel,
            PracticeSession.conversation == conversation,
            PracticeSession.user_id == user_id,
        )
        .order_by(PracticeSession.created_at.desc())
        .limit(1)
        .options(selectinload(PracticeSession.messages).selectinload(Message.score))
    )
