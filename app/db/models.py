"""Tables of the coach: users, practice sessions, messages, scores, reviews, disputes, assignments.

Each fact has one home. Messages and their scores are rows (the transcript, the scorecard,
history, review and analytics all read them); the session row keeps only the role-play engine's
position (state, seed, motive, lines already said) as JSON, so a session resumes exactly where
it stopped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base; its metadata is what the migrations create."""


class User(Base):
    """A rep, trainer or admin. Local mode has one row, created on first use.

    In password mode (``COACH_AUTH=password``) accounts come from ``coach users``: the argon2
    hash of the password (none: cannot sign in), the team a trainer sees, and ``disabled``
    (kept rather than deleted, so the sessions and reviews of someone who left stay readable).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="rep")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class LoginAttempt(Base):
    """One failed sign-in, by login name and client address: the throttle counts these rows, so
    every worker sees the same count (a per-process counter would give N workers N times the tries)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_name_ip_at", "name", "ip", "attempted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Identity(Base):
    """An outside identity (a Slack user, a WeCom userid, a terminal login) mapped to a user."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identities_channel_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class PracticeSession(Base):
    """One role-play; ``state`` is the engine's position (no transcript: that is the message rows)."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_channel_conversation", "channel", "conversation"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="active")
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Which process is playing a reply on this session, and until when (see app/services/leases.py).
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Where the session is played: ``web``, ``terminal``, ``slack``, ``wecom``; and in which conversation.
    channel: Mapped[str] = mapped_column(String(32), default="web", server_default="web")
    conversation: Mapped[str | None] = mapped_column(String(200), nullable=True)

    user: Mapped[User] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="session", order_by="Message.seq", cascade="all, delete-orphan"
    )


class Message(Base):
    """One line of a transcript, numbered within its session."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    session: Mapped[PracticeSession] = relationship(back_populates="messages")
    score: Mapped[Score | None] = relationship(back_populates="message", uselist=False, cascade="all, delete-orphan")


class Score(Base):
    """The coach's score of one rep message (the full ScoreResult in ``result``)."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[int] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(String(32), default="embedded")
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    message: Mapped[Message] = relationship(back_populates="score")


class TrainerReview(Base):
    """A trainer's own score and comment on a session, or on one rep message of it."""

    __tablename__ = "trainer_reviews"
    __table_args__ = (UniqueConstraint("session_id", "message_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), nullable=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Optional per-criterion grades ``{criterion id: 0-100}``; they feed the agreement panel.
    criteria: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScoreDispute(Base):
    """A rep's "有异议" on the coach's score of one of their replies.

    Open until a trainer reviews that reply (``resolved_at`` set then), so the trainer's
    review list can put contested scores first: they are the cheapest source of the
    disagreements ``coach calibrate`` learns from.
    """

    __tablename__ = "score_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    message: Mapped[Message] = relationship()


class Assignment(Base):
    """A scenario a trainer asked a rep to practise."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("user_id", "scenario_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    due: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: How hard the customer should be when the rep practises it (app/coach/data/difficulty.yaml).
    difficulty: Mapped[str] = mapped_column(String(10), default="normal", server_default="normal")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TrainerScenario(Base):
    """A trainer's scenario, kept as the YAML they wrote (the authoring and export format).

    In the database rather than in files so every worker process (and every host) serves the
    same scenarios: :class:`app.scenarios.catalog.ScenarioCatalog` notices a change from a cheap
    fingerprint of ``version`` and ``updated_at``. ``id`` is the scenario id; ``version`` counts
    saves. Built-in scenarios stay YAML files shipped with the product.
    """

    __tablename__ = "trainer_scenarios"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    yaml: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class LibraryDocument(Base):
    """One document of the company's knowledge library (an upload or ``coach knowledge add``).

    The original lives in ``DATA_DIR/library/files/<name>`` once indexed; a new upload waits in
    ``staged`` (a path under ``DATA_DIR/library/incoming``) until a build has taken it in, so a
    bad file never replaces the good one. ``status`` is queued, indexing, ready or failed;
    ``progress`` (0-100) is what the console's bar shows.
    """

    __tablename__ = "library_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    staged: Mapped[str | None] = mapped_column(String(400), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class LibraryIndexState(Base):
    """The one row that coordinates knowledge-index builds across worker processes.

    ``requested`` counts changes to the library and ``built`` the last change a build took in;
    ``version`` moves with every finished build, so each worker reopens the index when it sees a
    new one. ``lease_token``/``lease_until`` say which process is building (one at a time).
    """

    __tablename__ = "library_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested: Mapped[int] = mapped_column(Integer, default=0)
    built: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ChannelEvent(Base):
    """A chat platform's event already taken in (a Slack event_id, a WeCom MsgId).

    Platforms resend an event they think was missed (Slack's X-Slack-Retry-Num, WeCom's
    retries after 5 s); the unique key makes the first worker to insert it the only one to play
    it, across processes. See :mod:`app.db.channel_events`.
    """

    __tablename__ = "channel_events"
    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_channel_events_channel_event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
