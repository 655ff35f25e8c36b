"""Practice sessions, their messages and scores, and the per-session lease.

Split from :mod:`app.db.repository` (which mixes this in) because these are the queries that
concurrency depends on: the row lock, ``seq`` allocation and the lease live together here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.db.models import Message, PracticeSession, Score, User, utcnow
from app.domain import RoleplaySession, ScoreResult


def position(state: RoleplaySession) -> dict[str, object]:
    """The engine state without its transcript: what the session row stores (the rows hold the rest)."""
    return state.model_dump(mode="json", exclude={"transcript"})


class SessionQueries:
    """Session, message and lease queries over ``self.db``."""

    db: Session

    def create_session(
        self, user_id: int, state: RoleplaySession, channel: str = "web", conversation: str | None = None
    ) -> PracticeSession:
        """A new session row holding the engine's position (not committed; add the opening as a message)."""
        sid = uuid.uuid4().hex
        ps = PracticeSession(
            id=sid,
            user_id=user_id,
            scenario_id=state.scenario_id,
            lang=state.language,
            state=position(state),
            status="active",
            channel=channel,
            conversation=conversation if conversation is not None else sid,
        )
        self.db.add(ps)
        self.db.flush()
        return ps

    def lock_session(self, session_id: str) -> PracticeSession | None:
        """The session row, locked until this transaction ends (``FOR UPDATE``; SQLite's write
        transaction already holds the lock). Messages are loaded."""
        return self.db.scalar(
            select(PracticeSession)
            .where(PracticeSession.id == session_id)
            .with_for_update(of=PracticeSession)
            .options(selectinload(PracticeSession.messages).selectinload(Message.score))
        )

    def lock_row(self, session_id: str) -> PracticeSession | None:
        """The session row alone, locked like :meth:`lock_session`: for writes that append to the
        transcript without reading it (``seq`` comes from :meth:`add_message`'s own query)."""
        return self.db.scalar(
            select(PracticeSession).where(PracticeSession.id == session_id).with_for_update(of=PracticeSession)
        )

    def active_session(self, channel: str, conversation: str) -> PracticeSession | None:
        """The newest active session played in this channel's conversation."""
        return self.db.scalar(
            select(PracticeSession)
            .where(
                PracticeSession.channel == channel,
                PracticeSession.conversation == conversation,
                PracticeSession.status == "active",
            )
            .order_by(PracticeSession.created_at.desc())
            .limit(1)
        )

    def claim(self, session_id: str, token: str, now: datetime, ttl: timedelta) -> bool:
        """Take the session's lease when it is free or expired; one atomic UPDATE (not committed)."""
        result = self.db.execute(
            update(PracticeSession)
            .where(
                PracticeSession.id == session_id,
                or_(PracticeSession.lease_token.is_(None), PracticeSession.lease_until < now),
            )
            .values(lease_token=token, lease_until=now + ttl)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def release(self, session_id: str, token: str) -> None:
        """Give the lease back, if it is still ours (not committed)."""
        self.db.execute(
            update(PracticeSession)
            .where(PracticeSession.id == session_id, PracticeSession.lease_token == token)
            .values(lease_token=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    def session(self, session_id: str) -> PracticeSession | None:
        """A session with its messages and scores loaded."""
        return self.db.scalar(
            select(PracticeSession)
            .where(PracticeSession.id == session_id)
            .options(selectinload(PracticeSession.messages).selectinload(Message.score))
        )

    def sessions(
        self, user_id: int | None = None, limit: int = 200, team: str | None = None
    ) -> Sequence[PracticeSession]:
        """Newest sessions first, of one user, of one team's reps (``team``), or of everyone."""
        q = select(PracticeSession).options(
            selectinload(PracticeSession.messages).selectinload(Message.score),
            selectinload(PracticeSession.user),
        )
        if user_id is not None:
            q = q.where(PracticeSession.user_id == user_id)
        if team is not None:
            q = q.where(PracticeSession.user_id.in_(select(User.id).where(User.team == team)))
        return self.db.scalars(q.order_by(PracticeSession.created_at.desc()).limit(limit)).all()

    def save_state(self, ps: PracticeSession, state: RoleplaySession) -> None:
        """Store the engine's position; a finished session gets its outcome and end time."""
        ps.state = position(state)
        ps.updated_at = utcnow()
        if state.done and ps.status == "active":
            ps.status = "done"
            ps.outcome = state.outcome
            ps.ended_at = utcnow()

    def end_session(self, ps: PracticeSession) -> None:
        """The rep stopped early: the session is closed without an engine outcome."""
        if ps.status == "active":
            ps.status = "ended"
            ps.ended_at = utcnow()
            ps.updated_at = utcnow()

    def add_message(self, ps: PracticeSession, role: str, text: str) -> Message:
        """Append a line to the transcript (not committed).

        Call it with the session locked (:meth:`lock_session`, or a session created in this
        transaction): ``seq`` is the next number after the highest one, allocated under the lock.
        """
        last = self.db.scalar(select(func.max(Message.seq)).where(Message.session_id == ps.id))
        seq = 0 if last is None else int(last) + 1
        msg = Message(session_id=ps.id, seq=seq, role=role, text=text)
        self.db.add(msg)
        self.db.flush()
        return msg

    def add_score(self, message: Message, result: ScoreResult) -> Score:
        """Attach the coach's score to a rep message (not committed)."""
        score = Score(
            message_id=message.id,
            score=result.score,
            band=result.band,
            engine=result.engine,
            result=result.model_dump(mode="json"),
        )
        self.db.add(score)
        message.score = score
        return score
