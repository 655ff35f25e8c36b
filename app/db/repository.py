"""Queries and writes in one place, so services and routers never build SQL.

A :class:`Repository` wraps one ORM session; callers decide when to commit
(the session service commits before a message is acknowledged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from app.db.models import (
    Assignment,
    Identity,
    LoginAttempt,
    Message,
    PracticeSession,
    ScoreDispute,
    TrainerReview,
    User,
    utcnow,
)
from app.db.session_queries import SessionQueries

LOCAL_USER = "local"


class Repository(SessionQueries):
    """Data access over one ORM session (sessions, messages and leases in :class:`SessionQueries`)."""

    def __init__(self, db: Session) -> None:
        self.db = db

    # -- users -------------------------------------------------------------
    def user(self, user_id: int) -> User | None:
        """A user by id."""
        return self.db.get(User, user_id)

    def user_by_name(self, name: str) -> User | None:
        """A user by login name."""
        return self.db.scalar(select(User).where(User.name == name))

    def _insert_ignore(self, table: type[User] | type[Identity], values: Mapping[str, object]) -> None:
        """INSERT that does nothing when a unique key already exists: race-free get-or-create.

        Two workers creating the same user at once both succeed; one row results. (A
        select-then-insert lets both see "missing" and one of them fail on the unique key.)
        """
        dialect = self.db.get_bind().dialect.name
        if dialect == "postgresql":
            self.db.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            self.db.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing())
        else:  # pragma: no cover - the two supported databases are above
            raise RuntimeError(f"unsupported database dialect {dialect!r}")

    def get_or_create_user(self, name: str, display_name: str, role: str = "rep") -> User:
        """The user called ``name``, created (and committed) when missing; safe under concurrency."""
        user = self.user_by_name(name)
        if user is None:
            self._insert_ignore(
                User, {"name": name, "display_name": display_name, "role": role, "created_at": utcnow()}
            )
            self.db.commit()
            user = self.user_by_name(name)
            assert user is not None
        return user

    def user_for_identity(
        self, channel: str, external_id: str, display_name: str, default_user: User | None = None
    ) -> User:
        """The user an outside identity maps to, linked on first contact (committed).

        A new identity is linked to ``default_user`` when given (the terminal in local mode is
        the local user); otherwise to a new user named ``channel:external_id``, until an admin
        links it to an existing account. Both inserts are race-free.
        """
        found = self.db.scalar(
            select(User).join(Identity, Identity.user_id == User.id).where(
                Identity.channel == channel, Identity.external_id == external_id
            )
        )
        if found is not None:
            return found
        user = default_user or self.get_or_create_user(
            f"{channel}:{external_id}"[:100], display_name[:200] or external_id, "rep"
        )
        self._insert_ignore(
            Identity,
            {"channel": channel, "external_id": external_id, "user_id": user.id, "created_at": utcnow()},
        )
        self.db.commit()
        linked = self.db.scalar(
            select(User).join(Identity, Identity.user_id == User.id).where(
                Identity.channel == channel, Identity.external_id == external_id
            )
        )
        assert linked is not None
        return linked

    def link_identity(self, channel: str, external_id: str, user_id: int) -> None:
        """Map an outside identity to this user, moving it if it pointed elsewhere (not committed).

        Practices already played under the old mapping stay with that user; new ones count here.
        """
        found = self.db.scalar(
            select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
        )
        if found is None:
            self.db.add(Identity(channel=channel, external_id=external_id, user_id=user_id))
        else:
            found.user_id = user_id

    def users(self, team: str | None = None) -> Sequence[User]:
        """Everyone (or one team), by display name."""
        q = select(User) if team is None else select(User).where(User.team == team)
        return self.db.scalars(q.order_by(User.display_name)).all()

    def add_user(
        self, name: str, display_name: str, role: str, team: str | None, password_hash: str | None
    ) -> User:
        """A new account (not committed; a taken name fails on the unique key at flush)."""
        user = User(
            name=name, display_name=display_name, role=role, team=team, password_hash=password_hash, disabled=False
        )
        self.db.add(user)
        self.db.flush()
        return user

    def failed_logins(self, name: str, ip: str, since: datetime) -> Sequence[datetime]:
        """When ``name`` failed to sign in from ``ip`` since ``since``, oldest first (the throttle's count)."""
        return self.db.scalars(
            select(LoginAttempt.attempted_at)
            .where(LoginAttempt.name == name, LoginAttempt.ip == ip, LoginAttempt.attempted_at >= since)
            .order_by(LoginAttempt.attempted_at)
        ).all()

    def record_failed_login(self, name: str, ip: str, forget_before: datetime) -> None:
        """Store one failed sign-in, dropping everyone's failures older than the window (not committed)."""
        self.db.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < forget_before))
        self.db.add(LoginAttempt(name=name[:100], ip=ip[:64], attempted_at=utcnow()))

    def clear_failed_logins(self, name: str, ip: str) -> None:
        """Forget the failures of ``name`` from ``ip`` after a successful sign-in (not committed)."""
        self.db.execute(delete(LoginAttempt).where(LoginAttempt.name == name, LoginAttempt.ip == ip))

    # -- trainer reviews ---------------------------------------------------
    def reviews(self, session_id: str) -> Sequence[TrainerReview]:
        """All trainer reviews of a session (overall and per message)."""
        return self.db.scalars(select(TrainerReview).where(TrainerReview.session_id == session_id)).all()

    def reviewed_session_ids(self) -> set[str]:
        """Sessions that have at least one trainer review."""
        return set(self.db.scalars(select(TrainerReview.session_id).distinct()).all())

    def upsert_review(
        self,
        session_id: str,
        reviewer_id: int,
        message_id: int | None,
        score: int | None,
        comment: str,
        criteria: dict[str, int] | None = None,
    ) -> TrainerReview:
        """Create or replace one reviewer's review of a session or message (not committed).

        Reviewing a reply resolves any open dispute of it: the trainer has looked.
        """
        q = select(TrainerReview).where(
            TrainerReview.session_id == session_id,
            TrainerReview.reviewer_id == reviewer_id,
            TrainerReview.message_id.is_(None) if message_id is None else TrainerReview.message_id == message_id,
        )
        review = self.db.scalar(q)
        if review is None:
            review = TrainerReview(session_id=session_id, reviewer_id=reviewer_id, message_id=message_id)
            self.db.add(review)
        review.score = score
        review.comment = comment
        review.criteria = dict(criteria) if criteria else None
        review.updated_at = utcnow()
        if message_id is not None:
            self.resolve_disputes(message_id)
        return review

    def reviewed_replies(self, team: str | None = None) -> Sequence[tuple[TrainerReview, PracticeSession]]:
        """Every review of one rep reply that has a score, with its session (messages and scores loaded);
        of one team's reps when ``team`` is given."""
        q = (
            select(TrainerReview, PracticeSession)
            .join(PracticeSession, PracticeSession.id == TrainerReview.session_id)
            .where(TrainerReview.message_id.is_not(None), TrainerReview.score.is_not(None))
        )
        if team is not None:
            q = q.where(PracticeSession.user_id.in_(select(User.id).where(User.team == team)))
        rows = self.db.execute(
            q
            .options(selectinload(PracticeSession.messages).selectinload(Message.score))
            .order_by(TrainerReview.session_id, TrainerReview.id)
        ).all()
        return [(r, ps) for r, ps in rows]

    # -- disputes ----------------------------------------------------------
    def dispute(self, message: Message, user_id: int, reason: str) -> ScoreDispute:
        """Open a dispute of a reply's score, or update the reason of the user's open one (not committed)."""
        d = self.db.scalar(
            select(ScoreDispute).where(
                ScoreDispute.message_id == message.id,
                ScoreDispute.user_id == user_id,
                ScoreDispute.resolved_at.is_(None),
            )
        )
        if d is None:
            d = ScoreDispute(message_id=message.id, user_id=user_id)
            self.db.add(d)
        d.reason = reason
        self.db.flush()
        return d

    def disputes(self, session_id: str) -> Sequence[ScoreDispute]:
        """All disputes (open and resolved) of a session's replies, oldest first."""
        return self.db.scalars(
            select(ScoreDispute)
            .join(Message, Message.id == ScoreDispute.message_id)
            .where(Message.session_id == session_id)
            .order_by(ScoreDispute.created_at, ScoreDispute.id)
        ).all()

    def open_disputes(self, team: str | None = None) -> Sequence[ScoreDispute]:
        """Unresolved disputes of everyone (or of one team's reps), oldest first, with the message, its
        score, session and rep loaded."""
        q = select(ScoreDispute).where(ScoreDispute.resolved_at.is_(None))
        if team is not None:
            q = q.where(ScoreDispute.user_id.in_(select(User.id).where(User.team == team)))
        return self.db.scalars(
            q
            .options(
                selectinload(ScoreDispute.message).selectinload(Message.score),
                selectinload(ScoreDispute.message).selectinload(Message.session).selectinload(PracticeSession.user),
            )
            .order_by(ScoreDispute.created_at, ScoreDispute.id)
        ).all()

    def resolve_disputes(self, message_id: int) -> None:
        """Mark every open dispute of a reply resolved (not committed)."""
        for d in self.db.scalars(
            select(ScoreDispute).where(ScoreDispute.message_id == message_id, ScoreDispute.resolved_at.is_(None))
        ):
            d.resolved_at = utcnow()

    # -- assignments -------------------------------------------------------
    def assignments(self, user_id: int | None = None, team: str | None = None) -> Sequence[Assignment]:
        """Assignments of one rep, of one team's reps, or all of them."""
        q = select(Assignment).options(selectinload(Assignment.user))
        if user_id is not None:
            q = q.where(Assignment.user_id == user_id)
        if team is not None:
            q = q.where(Assignment.user_id.in_(select(User.id).where(User.team == team)))
        return self.db.scalars(q.order_by(Assignment.created_at.desc())).all()

    def assign(
        self, user_id: int, scenario_id: str, by: int | None, note: str, due: str | None, difficulty: str = "normal"
    ) -> Assignment:
        """Assign a scenario to a rep (updating the note, due date and difficulty if already assigned)."""
        a = self.db.scalar(
            select(Assignment).where(Assignment.user_id == user_id, Assignment.scenario_id == scenario_id)
        )
        if a is None:
            a = Assignment(user_id=user_id, scenario_id=scenario_id)
            self.db.add(a)
        a.assigned_by = by
        a.note = note
        a.due = due
        a.difficulty = difficulty
        return a

    def assignment_for(self, user_id: int, scenario_id: str) -> Assignment | None:
        """The rep's assignment of this scenario, if any (it sets the practice's difficulty)."""
        return self.db.scalar(
            select(Assignment).where(Assignment.user_id == user_id, Assignment.scenario_id == scenario_id)
        )

    def unassign(self, assignment_id: int) -> None:
        """Remove an assignment (no error when already gone)."""
        a = self.db.get(Assignment, assignment_id)
        if a is not None:
            self.db.delete(a)
