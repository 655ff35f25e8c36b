"""Practice sessions with persistence: the role-play engine plus the database.

The web pages, the JSON API and the chat bots all go through this service,
so every client gets the same durability rule:

* the rep's message is **committed before scoring** starts, so a scoring
  failure never loses what the rep typed (the message stays in the
  transcript, marked unscored, and the engine state is unchanged so the rep
  can simply send again);
* the coach's score, the customer's next line and the new engine state are
  committed together in a second transaction before anything is returned.

Input the engine rejects as invalid (empty, too long) is checked first and
never stored.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from app.db.models import Message, PracticeSession, User
from app.db.repository import Repository
from app.domain import RoleplaySession, Scorecard, ScoreResult
from app.services.container import Services


class SessionNotFoundError(LookupError):
    """No session with this id is visible to the user."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id

    def __str__(self) -> str:
        return f"unknown session '{self.session_id}'"


class SessionClosedError(RuntimeError):
    """The session has ended; it takes no more replies."""


class NothingToScoreError(RuntimeError):
    """A scorecard was asked for before the rep replied at all."""


class ScoringFailedError(RuntimeError):
    """The engine failed after the rep's message was saved."""


@dataclass(frozen=True)
class ReplyOutcome:
    """What one acknowledged rep reply produced."""

    session: PracticeSession
    rep_message: Message
    customer_message: Message
    score: ScoreResult
    done: bool
    outcome: str | None


def validate_text(text: str, max_chars: int) -> str:
    """The reply as the engine will see it, or the engine's own error type."""
    from app.coach.errors import EmptyReplyError, ReplyTooLongError

    if not text or not text.strip():
        raise EmptyReplyError()
    if len(text) > max_chars:
        raise ReplyTooLongError(len(text), max_chars)
    return text


def engine_state(ps: PracticeSession) -> RoleplaySession:
    """The engine's state stored on a session row."""
    return RoleplaySession.model_validate(ps.state)


class PracticeService:
    """Start, continue, finish and read practice sessions for a user."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()

    def _lock(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks[session_id]

    def start(
        self, repo: Repository, user: User, scenario_id: str, lang: str = "zh", seed: int | None = None
    ) -> PracticeSession:
        """A new session whose first message is the customer's opening (committed)."""
        state: RoleplaySession = self.services.roleplay.start(scenario_id, seed=seed, lang=lang)
        ps = repo.create_session(user, state)
        repo.db.flush()
        for turn in state.transcript:
            repo.add_message(ps, turn.role, turn.text)
        repo.db.commit()
        return self.get(repo, user, ps.id)

    def get(self, repo: Repository, user: User, session_id: str) -> PracticeSession:
        """A session the user may see: their own, or anyone's for a trainer."""
        ps = repo.session(session_id)
        if ps is None or (ps.user_id != user.id and user.role not in ("trainer", "admin")):
            raise SessionNotFoundError(session_id)
        return ps

    def reply(self, repo: Repository, user: User, session_id: str, text: str) -> ReplyOutcome:
        """Score a rep reply and get the customer's next line, durably."""
        with self._lock(session_id):
            ps = repo.session(session_id)
            if ps is None or ps.user_id != user.id:
                raise SessionNotFoundError(session_id)
            if ps.status != "active":
                raise SessionClosedError("this session has ended")
            validate_text(text, self.services.settings.max_message_chars)
            rep_msg = repo.add_message(ps, "rep", text)
            repo.db.commit()
            try:
                result = self.services.roleplay.reply(engine_state(ps), text)
            except ValueError:
                # The engine judged the input invalid: it is not a reply, so drop it.
                repo.db.delete(rep_msg)
                repo.db.commit()
                raise
            except Exception as exc:
                repo.db.rollback()
                raise ScoringFailedError("scoring failed; your reply was saved, please send it again") from exc
            repo.add_score(rep_msg, result.score)
            customer_msg = repo.add_message(ps, "customer", result.customer)
            repo.save_state(ps, result.session)
            repo.db.commit()
            return ReplyOutcome(ps, rep_msg, customer_msg, result.score, result.done, result.outcome)

    def finish(self, repo: Repository, user: User, session_id: str) -> PracticeSession:
        """Close a session early (the rep pressed "finish"); idempotent."""
        ps = self.get(repo, user, session_id)
        if ps.user_id != user.id:
            raise SessionNotFoundError(session_id)
        repo.end_session(ps)
        repo.db.commit()
        return ps

    def scorecard(self, ps: PracticeSession) -> Scorecard:
        """The engine's end-of-session summary for whatever has been played."""
        state = engine_state(ps)
        if state.turn == 0:
            raise NothingToScoreError("no replies to score yet")
        card: Scorecard = self.services.roleplay.scorecard(state)
        return card
