"""Practice sessions with persistence: the role-play engine plus the database.

The web pages, the JSON API, the terminal and the chat bots all go through this service (the
channels in :mod:`app.channels` are adapters over it), so every client gets the same rules:

* input is validated once, before anything is stored (empty or too long never reaches a row);
* one reply at a time per session, across workers (:mod:`app.services.leases`), with ``seq``
  allocated under the session's row lock;
* the rep's message is **committed before scoring** starts, and a scoring failure never deletes
  it: it stays in the transcript, unscored, the engine's position is unchanged, and the failure
  is logged with its traceback, so the rep can simply send again;
* the coach's score, the customer's next line and the new position are committed together in a
  second short transaction before anything is returned. Scoring runs outside any transaction.

The transcript has one home, the message rows: :func:`engine_state` rebuilds the engine's view
of a session from its position (on the session row) and its rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import cast

from starlette.concurrency import run_in_threadpool

from app.db.engine import Database
from app.db.models import Message, PracticeSession, User
from app.db.repository import Repository
from app.domain import Difficulty, RoleplaySession, Scorecard, ScoreResult, Turn
from app.llm.budget import spending_for
from app.llm.streaming import Sink, streaming_to
from app.observability.metrics import observe_turn
from app.ports import RoleplayEngine
from app.services.errors import (
    NothingToScoreError,
    ScoringFailedError,
    SessionBusyError,
    SessionClosedError,
    SessionNotFoundError,
)
from app.services.leases import Leases

__all__ = [
    "NothingToScoreError",
    "PracticeService",
    "ReplyOutcome",
    "ScoringFailedError",
    "SessionBusyError",
    "SessionClosedError",
    "SessionNotFoundError",
    "engine_state",
    "validate_text",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyOutcome:
    """What one acknowledged rep reply produced.

    The whole session is read only when asked for (:attr:`session`: a channel's scorecard at the
    end): the API's answer needs the two new lines and the score, and re-reading every message
    and score after each turn cost three queries and the hydration of the whole transcript.
    """

    rep_message: Message
    customer_message: Message
    score: ScoreResult
    done: bool
    outcome: str | None
    loader: Callable[[], PracticeSession] = field(repr=False, compare=False)

    @cached_property
    def session(self) -> PracticeSession:
        """The session with its messages and scores, as committed after this reply."""
        return self.loader()


def validate_text(text: str, max_chars: int) -> str:
    """The reply as the engine will see it, or the engine's own error type."""
    from app.coach.errors import EmptyReplyError, ReplyTooLongError

    if not text or not text.strip():
        raise EmptyReplyError()
    if len(text) > max_chars:
        raise ReplyTooLongError(len(text), max_chars)
    return text


def engine_state(ps: PracticeSession) -> RoleplaySession:
    """The engine's view of a session: its stored position plus the transcript from the rows.

    A rep message whose scoring failed is not part of the conversation the engine played (the
    customer never answered it), so it is left out here; it stays in the stored transcript.
    """
    turns = [
        Turn(role="rep", text=m.text, score=ScoreResult.model_validate(m.score.result))
        if m.role == "rep" and m.score is not None
        else Turn(role="customer", text=m.text)
        for m in sorted(ps.messages, key=lambda m: m.seq)
        if m.role == "customer" or m.score is not None
    ]
    return RoleplaySession.model_validate({**ps.state, "transcript": turns})


class PracticeService:
    """Start, continue, finish and read practice sessions."""

    def __init__(self, database: Database, engine: RoleplayEngine, *, max_chars: int, leases: Leases) -> None:
        self.database = database
        self.engine = engine
        self.max_chars = max_chars
        self.leases = leases

    def start(
        self,
        user: User,
        scenario_id: str,
        lang: str = "zh",
        seed: int | None = None,
        *,
        channel: str = "web",
        conversation: str | None = None,
        difficulty: Difficulty | None = None,
    ) -> PracticeSession:
        """A new session whose first message is the customer's opening (committed).

        ``difficulty`` None: the one the rep's assignment of this scenario sets, else normal.
        """
        if difficulty is None:
            with self.database.session() as db:
                assignment = Repository(db).assignment_for(user.id, scenario_id)
            difficulty = cast(Difficulty, assignment.difficulty) if assignment is not None else "normal"
        state = self.engine.start(scenario_id, seed=seed, lang=lang, difficulty=difficulty)
        with self.database.write() as db:
            repo = Repository(db)
            ps = repo.create_session(user.id, state, channel, conversation)
            for turn in state.transcript:
                repo.add_message(ps, turn.role, turn.text)
            session_id = ps.id
        return self.load(session_id)

    def load(self, session_id: str) -> PracticeSession:
        """A session with its messages and scores, read in a session of its own."""
        with self.database.session() as db:
            ps = Repository(db).session(session_id)
        if ps is None:
            raise SessionNotFoundError(session_id)
        return ps

    def get(self, repo: Repository, user: User, session_id: str) -> PracticeSession:
        """A session the user may see (:func:`app.auth.policy.can_see`); any other is "not found",
        so an id guessed from someone else's link tells nothing."""
        from app.auth.policy import can_see

        ps = repo.session(session_id)
        if ps is None or (ps.user_id != user.id and not can_see(user, ps.user)):
            raise SessionNotFoundError(session_id)
        return ps

    def reply(self, user: User, session_id: str, text: str) -> ReplyOutcome:
        """Score a rep reply and get the customer's next line, durably (blocking; CLI and bots)."""
        validate_text(text, self.max_chars)
        token, pauses = self.leases.new_token(), self.leases.pauses()
        while (stored := self._store(user, session_id, text, token)) is None:
            time.sleep(next(pauses))
        return self._complete(user, session_id, text, *stored, token)

    async def reply_async(self, user: User, session_id: str, text: str) -> ReplyOutcome:
        """Like :meth:`reply`; waits for the session's turn in the event loop, not in a thread."""
        validate_text(text, self.max_chars)
        token, stored = await self._store_async(user, session_id, text)
        return await run_in_threadpool(self._complete, user, session_id, text, *stored, token)

    async def reply_streaming(self, user: User, session_id: str, text: str) -> StreamingReply:
        """Store the reply now (errors raise here, before any event is sent); the returned object
        then plays it, handing the customer's line out in pieces as the engine writes it."""
        validate_text(text, self.max_chars)
        token, (state, rep_id) = await self._store_async(user, session_id, text)
        return StreamingReply(self, user, session_id, text, state, rep_id, token)

    async def _store_async(self, user: User, session_id: str, text: str) -> tuple[str, tuple[RoleplaySession, int]]:
        """Wait for the session's lease in the event loop (no thread, no connection held), storing
        the reply in the transaction that takes it; the token and what :meth:`_store` returns."""
        token, pauses = self.leases.new_token(), self.leases.pauses()
        while (stored := await run_in_threadpool(self._store, user, session_id, text, token)) is None:
            await asyncio.sleep(next(pauses))
        return token, stored

    def _store(self, user: User, session_id: str, text: str, token: str) -> tuple[RoleplaySession, int] | None:
        """Take the lease and commit the rep's message with the next ``seq``, in one transaction;
        the engine's view before it, or None while another reply holds the lease.

        One commit instead of two (the lease, then the message): a turn's writes are the
        database's scarce resource under load (SQLite has one writer). A refused reply (a closed
        session, someone else's) rolls back with its lease, so nothing is left held.
        """
        with self.database.write() as db:
            if not self.leases.take(db, session_id, token):
                return None
            repo = Repository(db)
            ps = repo.lock_session(session_id)
            if ps is None or ps.user_id != user.id:
                raise SessionNotFoundError(session_id)
            if ps.status != "active":
                raise SessionClosedError("this session has ended")
            state = engine_state(ps)
            rep_id = repo.add_message(ps, "rep", text).id
        return state, rep_id

    def _complete(
        self, user: User, session_id: str, text: str, state: RoleplaySession, rep_id: int, token: str,
        sink: Sink | None = None,
    ) -> ReplyOutcome:  # fmt: skip
        """Score the stored reply and voice the customer (outside any transaction), then commit
        both and give the lease back in the same transaction (separately if anything failed)."""
        started = time.perf_counter()
        released = False
        try:
            try:
                with spending_for(user.id), streaming_to(sink):
                    result = self.engine.reply(state, text)
            except Exception as exc:
                log.exception("scoring failed on session %s; the rep's message %s is kept", session_id, rep_id)
                raise ScoringFailedError("scoring failed; your reply was saved, please send it again") from exc
            with self.database.write() as db:
                repo = Repository(db)
                ps = repo.lock_row(session_id)  # appending needs the lock, not the transcript
                rep_msg = db.get(Message, rep_id)
                if ps is None or rep_msg is None:  # deleted while scoring (a trainer removed it)
                    raise SessionNotFoundError(session_id)
                repo.add_score(rep_msg, result.score)
                customer_msg = repo.add_message(ps, "customer", result.customer)
                repo.save_state(ps, result.session)
                self.leases.give_back(db, session_id, token)
            released = True
        finally:
            if not released:
                self.leases.release(session_id, token)
        observe_turn(time.perf_counter() - started, result.score.engine, result.score.score)
        return ReplyOutcome(
            rep_msg, customer_msg, result.score, result.done, result.outcome, partial(self.load, session_id)
        )

    def finish(self, user: User, session_id: str) -> PracticeSession:
        """Close a session early (the rep pressed "finish"); idempotent."""
        with self.database.write() as db:
            repo = Repository(db)
            ps = repo.lock_session(session_id)
            if ps is None or ps.user_id != user.id:
                raise SessionNotFoundError(session_id)
            repo.end_session(ps)
        return self.load(session_id)

    def scorecard(self, ps: PracticeSession) -> Scorecard:
        """The end-of-session summary, from the same rows the transcript and analytics read."""
        state = engine_state(ps)
        if state.turn == 0 or not any(t.role == "rep" for t in state.transcript):
            raise NothingToScoreError("no replies to score yet")
        return self.engine.scorecard(state)


class StreamingReply:
    """A stored reply being played; :meth:`pieces` yields the customer's line as it is written.

    The play runs in a worker thread; pieces cross to the event loop through a queue. The lease is
    given back by that thread when it ends, so a client that leaves mid-stream does not hold the
    session: the reply is still scored and stored (it was acknowledged as saved).
    """

    def __init__(
        self, service: PracticeService, user: User, session_id: str, text: str, state: RoleplaySession,
        rep_id: int, token: str,
    ) -> None:  # fmt: skip
        self.service, self.user, self.session_id, self.text = service, user, session_id, text
        self.state, self.rep_id, self.token = state, rep_id, token
        self.outcome: ReplyOutcome | None = None

    def _run(self, sink: Sink) -> ReplyOutcome:
        return self.service._complete(self.user, self.session_id, self.text, self.state, self.rep_id, self.token, sink)

    async def pieces(self) -> AsyncIterator[str]:
        """The customer's line in pieces (none from an engine that does not stream); then
        :attr:`outcome` is set, or the play's error (:class:`ScoringFailedError`) is raised."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue()

        def sink(piece: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, piece)

        task = asyncio.ensure_future(run_in_threadpool(self._run, sink))
        while not task.done():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
            else:
                getter.cancel()
        while not queue.empty():
            yield queue.get_nowait()
        self.outcome = task.result()
