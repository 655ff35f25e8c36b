"""Plays channel messages through the practice service and answers through an output channel.

Every channel (web SSE, the terminal, Slack and WeCom bots) goes through :class:`Conversations`,
so a practice started anywhere is stored the same way, shows in history, and is scored by the
same engine. Outside identities map to users through the identities table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from app.channels.base import IncomingMessage, OutputChannel, ScoreCard
from app.coach.errors import EmptyReplyError, ReplyTooLongError
from app.datafiles import load_yaml
from app.db.models import PracticeSession, User
from app.db.repository import Repository
from app.domain import Difficulty
from app.scenarios.loader import UnknownScenarioError
from app.services.errors import (
    NothingToScoreError,
    ScoringFailedError,
    SessionBusyError,
    SessionClosedError,
    SessionNotFoundError,
)
from app.services.sessions import PracticeService, ReplyOutcome


def _messages() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = load_yaml("app.channels", "messages.yaml")
    return data


def notice_text(key: str, lang: str, **values: object) -> str:
    """The notice ``key`` in ``lang`` (zh unless en), with ``values`` filled in."""
    pair = _messages()[key]
    return pair["en" if lang == "en" else "zh"].format(**values)


class Conversations:
    """Start, continue and end practices on behalf of channels."""

    def __init__(self, practice: PracticeService) -> None:
        self.practice = practice

    # -- identities ----------------------------------------------------------
    def user_for(self, msg: IncomingMessage, default_user: User | None = None) -> User:
        """The user behind an outside identity, created (or linked to ``default_user``) on first contact."""
        with self.practice.database.session() as db:
            return Repository(db).user_for_identity(
                msg.channel, msg.external_user, msg.display_name or msg.external_user, default_user
            )

    def active(self, msg: IncomingMessage) -> PracticeSession | None:
        """The practice running in the message's conversation, if any."""
        with self.practice.database.session() as db:
            return Repository(db).active_session(msg.channel, msg.conversation)

    # -- plays -----------------------------------------------------------------
    async def begin(
        self,
        user: User,
        scenario_id: str,
        out: OutputChannel,
        *,
        channel: str,
        conversation: str | None = None,
        lang: str = "zh",
        seed: int | None = None,
        difficulty: Difficulty | None = None,
    ) -> PracticeSession | None:
        """Start a practice and send the customer's opening; None (and a notice) for an unknown scenario.

        ``difficulty`` None: the rep's assignment of the scenario decides, else normal.
        """
        try:
            ps = await run_in_threadpool(
                self.practice.start, user, scenario_id, lang, seed,
                channel=channel, conversation=conversation, difficulty=difficulty,
            )  # fmt: skip
        except UnknownScenarioError:
            await out.notice("unknown_scenario", notice_text("unknown_scenario", lang, id=scenario_id))
            return None
        await out.customer_line(ps.messages[0].text)
        return ps

    async def play(self, user: User, session_id: str, text: str, out: OutputChannel) -> ReplyOutcome:
        """One rep reply: stored, scored, answered (customer line, score card, scorecard when it ends).

        Errors are raised to the caller (the web maps them to statuses; chat channels use
        :meth:`handle`, which turns them into notices).
        """
        pending = await self.practice.reply_streaming(user, session_id, text)
        streamed: list[str] = []

        async def pieces() -> AsyncIterator[str]:
            async for piece in pending.pieces():
                streamed.append(piece)
                yield piece

        if out.streams:
            await out.customer_stream(pieces())
        else:
            async for _ in pieces():
                pass
        result = pending.outcome
        assert result is not None
        if not out.streams or "".join(streamed).strip() != result.customer_message.text:
            # Nothing streamed (an engine that writes whole lines), or the role guard replaced it.
            await out.customer_line(result.customer_message.text)
        card = ScoreCard(result.score, result.rep_message.seq, result.done, result.outcome, result.customer_message.text)
        await out.score_card(card)
        if result.done:
            final = await run_in_threadpool(lambda: result.session)  # a database read: not in the loop
            await out.scorecard(self.practice.scorecard(final))
        return result

    async def close(self, user: User, session_id: str, out: OutputChannel, lang: str = "zh") -> PracticeSession:
        """End the practice now and send its scorecard (a notice when nothing was scored)."""
        ps = await run_in_threadpool(self.practice.finish, user, session_id)
        try:
            await out.scorecard(self.practice.scorecard(ps))
        except NothingToScoreError:
            await out.notice("nothing_to_score", notice_text("nothing_to_score", lang))
        return ps

    # -- chat channels ---------------------------------------------------------
    async def start(
        self, msg: IncomingMessage, scenario_id: str, out: OutputChannel, *, lang: str = "zh", seed: int | None = None,
        default_user: User | None = None, difficulty: Difficulty | None = None,
    ) -> PracticeSession | None:
        """Start a practice in the message's conversation, ending the one running there."""
        user = await run_in_threadpool(self.user_for, msg, default_user)
        running = await run_in_threadpool(self.active, msg)
        if running is not None:
            await run_in_threadpool(self.practice.finish, user, running.id)
        return await self.begin(
            user, scenario_id, out, channel=msg.channel, conversation=msg.conversation, lang=lang, seed=seed,
            difficulty=difficulty,
        )

    async def handle(self, msg: IncomingMessage, out: OutputChannel, *, default_user: User | None = None) -> ReplyOutcome | None:
        """A rep's reply in a chat conversation; problems become notices in the rep's language."""
        user = await run_in_threadpool(self.user_for, msg, default_user)
        ps = await run_in_threadpool(self.active, msg)
        lang = ps.lang if ps is not None else "zh"
        if ps is None:
            await out.notice("no_session", notice_text("no_session", lang))
            return None
        try:
            return await self.play(user, ps.id, msg.text, out)
        except EmptyReplyError:
            await out.notice("empty", notice_text("empty", lang))
        except ReplyTooLongError:
            await out.notice("too_long", notice_text("too_long", lang, max=self.practice.max_chars))
        except (SessionClosedError, SessionNotFoundError):
            await out.notice("session_ended", notice_text("session_ended", lang))
        except SessionBusyError:
            await out.notice("busy", notice_text("busy", lang))
        except ScoringFailedError:
            await out.notice("scoring_failed", notice_text("scoring_failed", lang))
        return None

    async def end(self, msg: IncomingMessage, out: OutputChannel, *, default_user: User | None = None) -> PracticeSession | None:
        """End the conversation's practice and send its scorecard."""
        user = await run_in_threadpool(self.user_for, msg, default_user)
        ps = await run_in_threadpool(self.active, msg)
        if ps is None:
            await out.notice("no_session", notice_text("no_session", "zh"))
            return None
        return await self.close(user, ps.id, out, ps.lang)
