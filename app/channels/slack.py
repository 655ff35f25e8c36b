"""The Slack bot: a slack_bolt ``AsyncApp`` at ``POST /slack/events`` over the shared chat commands.

Input: DMs (``message`` events in an ``im``), app mentions in channel threads, the ``/roleplay``
slash command and the score cards' buttons become :class:`IncomingMessage`\\ s for
:class:`~app.channels.commands.ChatBot`. Output: :class:`SlackOutput` posts the customer's line
in the conversation and everything about the rep's scores only to the rep (a DM, or an ephemeral
message in a channel). Bolt verifies signatures (401 for a bad or stale one) and answers
``url_verification``; events are acknowledged at once and played after the ack (Slack wants an
answer within 3 s); retries are dropped by ``event_id`` in the database, so several workers agree.
No call to Slack happens at construction: the app starts offline.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from starlette.concurrency import run_in_threadpool

from app.channels.base import IncomingMessage, ScoreCard, WholeLineChannel
from app.channels.commands import ChatBot, Choice, labels, match_scenario, one_line
from app.channels.gateway import notice_text
from app.coach.wording import lang_key
from app.coach.wording import table as words
from app.config import Settings
from app.db.channel_events import claim_event
from app.db.engine import Database
from app.domain import Scorecard, ScoreResult

log = logging.getLogger(__name__)
CHANNEL = "slack"
Blocks = list[dict[str, object]]
_MENTION = re.compile(r"<@[A-Z0-9]+>")


def _get(data: object, *path: str) -> str:
    """A string deep in a Slack payload, or "" (payloads are untyped JSON)."""
    for key in path:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data if isinstance(data, str) else ""


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def _button(label: str, action: str, value: str) -> dict[str, object]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action, "value": value}


def card_blocks(card: ScoreCard, ref: str) -> Blocks:
    """The compact score card: score, one line of feedback, buttons (full feedback, hint, end)."""
    w = labels(card.score.language)
    text = f"*{w['score']} {card.score.score}* · {w['band']} {card.score.band}/5\n{one_line(card.score.feedback)}"
    buttons = [_button(w["full"], "coach_feedback", json.dumps({**json.loads(ref), "s": card.seq}))]
    if not card.done:
        buttons += [_button(w["hint"], "coach_hint", ref), _button(w["end"], "coach_end", ref)]
    blocks: Blocks = [_section(text), {"type": "actions", "elements": buttons}]
    if card.done:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{w['done']}（{card.outcome}）"}]})
    return blocks


def feedback_blocks(result: ScoreResult) -> Blocks:
    """The full feedback: criteria, feedback, better reply, citations."""
    w, key = labels(result.language), lang_key(result.language)
    names = words(key, "criteria")
    crit = "\n".join(f"• {names.get(c.id, c.id)}: {'—' if c.score is None else c.score} {c.comment}" for c in result.criteria)
    blocks: Blocks = [_section(f"*{w['score']} {result.score}* · {w['band']} {result.band}/5\n{crit}"),
                      _section(result.feedback), _section(f"*{w['better']}*\n{result.better_reply}")]
    if result.citations:
        cites = "\n".join(f"• `{c.source}` {c.text[:160]}" for c in result.citations)
        blocks.append(_section(f"*{w['sources']}*\n{cites}"))
    return blocks


def scorecard_blocks(card: Scorecard, lang: str) -> Blocks:
    """The end-of-practice scorecard."""
    w, key = labels(lang), lang_key(lang)
    names = words(key, "criteria")
    crit = " · ".join(f"{names.get(c.id, c.id)} {'—' if c.score is None else c.score}" for c in card.criteria)
    lines = [f"*{w['card']}: {card.average}* · {w['band']} {card.band}/5", crit, card.summary]
    if card.best is not None and card.best.score is not None:
        lines.append(f"{w['best']}（{card.best.score.score}）：{card.best.text}")
    if card.weakest is not None and card.weakest.score is not None and card.weakest is not card.best:
        lines.append(f"{w['weakest']}（{card.weakest.score.score}）：{card.weakest.text}")
    return [_section("\n".join(lines))]


def picker_blocks(choices: list[Choice], lang: str, thread: str, new_thread: bool) -> Blocks:
    """A menu of scenarios; ``block_id`` carries where the chosen practice should run."""
    options = [{"text": {"type": "plain_text", "text": c.title[:75]}, "value": c.id} for c in choices[:100]]
    menu = {"type": "static_select", "action_id": "coach_pick", "options": options,
            "placeholder": {"type": "plain_text", "text": "场景" if lang_key(lang) == "zh" else "Scenario"}}
    where = json.dumps({"t": thread, "n": new_thread, "l": lang_key(lang)})
    return [_section(notice_text("pick_scenario", lang)), {"type": "actions", "block_id": where, "elements": [menu]}]


class SlackOutput(WholeLineChannel):
    """One Slack conversation: the customer speaks in it; scores go only to the rep.

    In a DM everything is a normal message; in a channel the customer's line is public in the
    thread and the rest is ephemeral, visible to the rep alone.
    """

    def __init__(self, client: AsyncWebClient, channel: str, thread: str | None, user: str, lang: str = "zh") -> None:
        self.client, self.channel, self.thread, self.user, self.lang = client, channel, thread, user, lang
        self.private = channel.startswith("D")

    @property
    def conversation(self) -> str:
        """The practice's key: the thread, or the DM itself at its top level."""
        return f"{self.channel}:{self.thread}" if self.thread else self.channel

    @property
    def ref(self) -> str:
        """What the card's buttons carry to find this conversation again."""
        return json.dumps({"c": self.channel, "t": self.thread or ""})

    async def to_rep(self, text: str, blocks: Blocks | None = None) -> None:
        """Send to the rep alone: a DM message, or an ephemeral one in a channel."""
        if self.private:
            await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread, text=text, blocks=blocks)
        else:
            await self.client.chat_postEphemeral(
                channel=self.channel, user=self.user, thread_ts=self.thread, text=text, blocks=blocks
            )

    async def customer_line(self, text: str) -> None:
        """The customer's line, in the conversation."""
        await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread, text=text)

    async def score_card(self, card: ScoreCard) -> None:
        """The compact card, to the rep only."""
        self.lang = card.score.language
        await self.to_rep(f"{labels(self.lang)['score']} {card.score.score}", card_blocks(card, self.ref))

    async def scorecard(self, card: Scorecard) -> None:
        """The scorecard, to the rep only."""
        await self.to_rep(f"{labels(self.lang)['card']} {card.average}", scorecard_blocks(card, self.lang))

    async def notice(self, key: str, text: str) -> None:
        """Help, hints and problems, to the rep only."""
        await self.to_rep(text)

    async def picker(self, choices: list[Choice], lang: str) -> None:
        """The scenario menu; the choice starts in this same conversation."""
        await self.to_rep(notice_text("pick_scenario", lang), picker_blocks(choices, lang, self.thread or "", False))


class SlackBot:
    """The bolt app, its FastAPI route, and the listeners that feed :class:`ChatBot`."""

    def __init__(self, settings: Settings, bot: Callable[[], ChatBot], database: Database) -> None:
        assert settings.slack_signing_secret is not None and settings.slack_bot_token is not None
        self._bot, self.database = bot, database
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_base or AsyncWebClient.BASE_URL,
        )
        # AsyncApp makes no call at construction (the sync App's auth.test is the one to avoid).
        self.app = AsyncApp(
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            client=self.client,
            process_before_response=False,
            name="key-account-coach",
        )
        self.app.middleware(self._dedup)
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.command("/roleplay")(self._on_command)
        self.app.action("coach_pick")(self._on_pick)
        self.app.action("coach_start")(self._on_start)
        for action in ("coach_hint", "coach_end", "coach_feedback"):
            self.app.action(action)(self._on_button)
        handler = AsyncSlackRequestHandler(self.app)
        self.router = APIRouter()

        @self.router.post("/slack/events", include_in_schema=False)
        async def slack_events(request: Request) -> Response:
            """Slack's Events API, interactivity and slash commands all arrive here."""
            return await handler.handle(request)

    @property
    def bot(self) -> ChatBot:
        """The shared chat commands, built on first use (the engine is not needed to mount the route)."""
        return self._bot()

    async def _dedup(
        self, body: dict[str, object], resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse:
        """Play each event once: a retry (or another worker's copy) is acknowledged and dropped."""
        event_id = _get(body, "event_id")
        if event_id and not await run_in_threadpool(claim_event, self.database, CHANNEL, event_id):
            log.info("slack event %s already taken in; dropping the retry", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return resp

    def _incoming(self, user: str, conversation: str, text: str) -> IncomingMessage:
        return IncomingMessage(CHANNEL, user, conversation, text.strip())

    async def _on_message(self, event: dict[str, object]) -> None:
        """A DM to the bot (channel messages arrive as app mentions instead)."""
        if _get(event, "channel_type") != "im" or _get(event, "subtype") or _get(event, "bot_id"):
            return
        out = SlackOutput(self.client, _get(event, "channel"), _get(event, "thread_ts") or None, _get(event, "user"))
        await self.bot.dispatch(self._incoming(out.user, out.conversation, _get(event, "text")), out)

    async def _on_mention(self, event: dict[str, object]) -> None:
        """A mention in a channel: the practice runs in the mention's thread."""
        channel = _get(event, "channel")
        if channel.startswith("D") or _get(event, "bot_id"):
            return  # a DM already arrives as a message event
        thread = _get(event, "thread_ts") or _get(event, "ts")
        out = SlackOutput(self.client, channel, thread, _get(event, "user"))
        text = _MENTION.sub("", _get(event, "text"))
        await self.bot.dispatch(self._incoming(out.user, out.conversation, text), out)

    async def _on_command(self, ack: AsyncAck, command: dict[str, object]) -> None:
        """``/roleplay [scenario]``: start a new thread, or answer with the picker (ephemeral)."""
        text = _get(command, "text").strip()
        lang = "en" if text and text.isascii() else "zh"
        chosen = match_scenario(text, self.bot.scenarios) if text else None
        if chosen is None:
            picker = picker_blocks(self.bot.choices(lang), lang, "", True)
            await ack(text=notice_text("pick_scenario", lang), blocks=picker)
            return
        await ack()
        await self._start_thread(_get(command, "channel_id"), _get(command, "user_id"), chosen.id, lang)

    async def _start_thread(self, channel: str, user: str, scenario_id: str, lang: str) -> None:
        """Open a thread for a new practice (a header line names the rep and scenario), then start it."""
        title = self.bot.scenarios.get(scenario_id).title.get(lang)
        head = await self.client.chat_postMessage(channel=channel, text=f"<@{user}> · {title}")
        out = SlackOutput(self.client, channel, str(head["ts"]), user, lang)
        await self.bot.start(self._incoming(user, out.conversation, ""), out, scenario_id, lang)

    async def _on_pick(self, ack: AsyncAck, body: dict[str, object], action: dict[str, object]) -> None:
        """A scenario chosen in a picker: start it where the picker said."""
        await ack()
        scenario_id = _get(action, "selected_option", "value")
        user = _get(body, "user", "id")
        channel = _get(body, "channel", "id") or _get(body, "container", "channel_id")
        try:
            where = json.loads(_get(action, "block_id") or "{}")
        except ValueError:
            where = {}
        lang = "en" if where.get("l") == "en" else "zh"
        if scenario_id not in self.bot.scenarios:
            return
        if where.get("n", True):
            await self._start_thread(channel, user, scenario_id, lang)
            return
        out = SlackOutput(self.client, channel, where.get("t") or None, user, lang)
        await self.bot.start(self._incoming(user, out.conversation, ""), out, scenario_id, lang)

    async def send_assignment(self, slack_user: str, scenario_id: str, title: str, note: str, lang: str) -> None:
        """A trainer's assignment, as a DM to the rep with a button that starts it there."""
        opened = await self.client.conversations_open(users=slack_user)
        channel = _get(opened.data, "channel", "id")
        text = notice_text("assigned", lang, title=title) + (f"\n> {note}" if note else "")
        label = "开始练习" if lang_key(lang) == "zh" else "Start"
        blocks: Blocks = [_section(text), {"type": "actions", "elements": [_button(label, "coach_start", scenario_id)]}]
        await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    async def _on_start(self, ack: AsyncAck, body: dict[str, object], action: dict[str, object]) -> None:
        """The assignment's button: start that scenario in the DM."""
        await ack()
        scenario_id, user = _get(action, "value"), _get(body, "user", "id")
        channel = _get(body, "channel", "id") or _get(body, "container", "channel_id")
        if scenario_id not in self.bot.scenarios:
            return
        out = SlackOutput(self.client, channel, None, user)
        await self.bot.start(self._incoming(user, out.conversation, ""), out, scenario_id, "zh")

    async def _on_button(self, ack: AsyncAck, body: dict[str, object], action: dict[str, object]) -> None:
        """The score card's buttons: full feedback, hint, end (always answered to the rep alone)."""
        await ack()
        try:
            ref = json.loads(_get(action, "value"))
        except ValueError:
            return
        user = _get(body, "user", "id")
        out = SlackOutput(self.client, str(ref.get("c", "")), str(ref.get("t", "")) or None, user)
        msg = self._incoming(user, out.conversation, "")
        kind = _get(action, "action_id")
        if kind == "coach_feedback":
            seq = ref.get("s")
            result = await run_in_threadpool(self.bot.score_of, msg, seq) if isinstance(seq, int) else None
            if result is not None:
                await out.to_rep(one_line(result.feedback), feedback_blocks(result))
        else:
            text = "提示" if kind == "coach_hint" else "结束"
            await self.bot.dispatch(self._incoming(user, out.conversation, text), out)
