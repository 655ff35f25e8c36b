"""The WeCom (企业微信) bot: a self-built app's callback at ``GET/POST /wecom/callback``.

Input: WeCom posts each message encrypted (``WeChatCrypto``); the route checks the timestamp
window and the signature (in constant time) before decrypting, answers an empty 200 at once
(WeCom wants an answer within 5 s, scoring may take longer) and plays the message afterwards
through :class:`~app.channels.commands.ChatBot`. Retries are dropped by MsgId in the database.
Output: :class:`WecomOutput` sends actively through ``message/send`` (a cached access_token,
refetched by wechatpy on an expiry error); a score arrives as a ``button_interaction`` template
card (提示 / 结束 / 完整反馈) whose button, once clicked, is updated to say what it did. A
self-built app talks to one rep at a time, so scores are private by construction.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Callable

import xmltodict
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool
from wechatpy.enterprise import WeChatClient
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from app.channels.base import IncomingMessage, ScoreCard, WholeLineChannel
from app.channels.commands import ChatBot, Choice, labels, one_line
from app.channels.gateway import notice_text
from app.coach.wording import lang_key
from app.coach.wording import table as words
from app.config import Settings
from app.db.channel_events import claim_event
from app.db.engine import Database
from app.domain import Scorecard, ScoreResult

log = logging.getLogger(__name__)
CHANNEL = "wecom"
#: A callback whose timestamp is further than this from now is refused (a replay).
WINDOW_S = 300
Payload = dict[str, object]


class WecomApi:
    """The two WeCom server calls the bot makes, over wechatpy's client (token cache and refresh).

    wechatpy hard-codes the public API host; ``api_base`` (WECOM_API_BASE) moves both the calls
    and the token fetch, so tests talk to a loopback stub.
    """

    def __init__(self, api_base: str, corp_id: str, secret: str, agent_id: int) -> None:
        base = api_base if api_base.endswith("/") else api_base + "/"

        class Client(WeChatClient):
            API_BASE_URL = base

            def fetch_access_token(self) -> object:
                return self._fetch_access_token(
                    url=f"{base}gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret}
                )

        self.client = Client(corp_id, secret, timeout=10)
        self.agent_id = agent_id

    def send(self, user: str, msgtype: str, body: Payload) -> None:
        """message/send to one rep (blocking)."""
        self.client.post("message/send", data={"touser": user, "agentid": self.agent_id, "msgtype": msgtype, msgtype: body})

    def update_card(self, user: str, response_code: str, replace_name: str) -> None:
        """Mark a clicked template card's button as done (blocking)."""
        data = {"userids": [user], "agentid": self.agent_id, "response_code": response_code,
                "button": {"replace_name": replace_name}}
        self.client.post("message/update_template_card", data=data)


def feedback_text(result: ScoreResult) -> str:
    """The full feedback as plain text: criteria, feedback, better reply, citations."""
    w = labels(result.language)
    names = words(lang_key(result.language), "criteria")
    lines = [f"{w['score']} {result.score} · {w['band']} {result.band}/5"]
    lines += [f"· {names.get(c.id, c.id)}: {'—' if c.score is None else c.score} {c.comment}" for c in result.criteria]
    lines += ["", result.feedback, "", f"{w['better']}：{result.better_reply}"]
    if result.citations:
        lines += ["", f"{w['sources']}："] + [f"· {c.source} {c.text[:120]}" for c in result.citations]
    return "\n".join(lines)[:2000]


def scorecard_text(card: Scorecard, lang: str) -> str:
    """The end-of-practice scorecard as plain text."""
    w = labels(lang)
    names = words(lang_key(lang), "criteria")
    lines = [f"{w['card']}：{card.average} · {w['band']} {card.band}/5",
             " · ".join(f"{names.get(c.id, c.id)} {'—' if c.score is None else c.score}" for c in card.criteria),
             card.summary]
    if card.best is not None and card.best.score is not None:
        lines.append(f"{w['best']}（{card.best.score.score}）：{card.best.text}")
    return "\n".join(lines)[:2000]


class WecomOutput(WholeLineChannel):
    """One rep's chat with the app: text messages, and score cards as template cards."""

    def __init__(self, api: WecomApi, user: str, lang: str = "zh") -> None:
        self.api, self.user, self.lang = api, user, lang

    async def _text(self, text: str) -> None:
        await run_in_threadpool(self.api.send, self.user, "text", {"content": text})

    async def customer_line(self, text: str) -> None:
        """The customer's line, labelled."""
        await self._text(f"{labels(self.lang)['customer']}：{text}")

    async def score_card(self, card: ScoreCard) -> None:
        """A button_interaction card: the score, one line of feedback, 提示 / 结束 / 完整反馈."""
        self.lang = card.score.language
        w = labels(self.lang)
        buttons = [{"text": w["full"], "style": 1, "key": f"feedback:{card.seq}"}]
        if not card.done:
            buttons += [{"text": w["hint"], "style": 2, "key": "hint"}, {"text": w["end"], "style": 2, "key": "end"}]
        body: Payload = {
            "card_type": "button_interaction",
            "main_title": {"title": f"{w['score']} {card.score.score} · {w['band']} {card.score.band}/5",
                           "desc": one_line(card.score.feedback, 120)},
            "task_id": f"score-{uuid.uuid4().hex}",
            "button_list": buttons,
        }
        await run_in_threadpool(self.api.send, self.user, "template_card", body)

    async def scorecard(self, card: Scorecard) -> None:
        """The scorecard as text."""
        await self._text(scorecard_text(card, self.lang))

    async def notice(self, key: str, text: str) -> None:
        """Help, hints and problems as text."""
        await self._text(text)

    async def picker(self, choices: list[Choice], lang: str) -> None:
        """The scenarios as a list to answer with (a card holds too few buttons for them all)."""
        word = "practice" if lang_key(lang) == "en" else "练习"
        lines = [notice_text("pick_scenario", lang)] + [f"· {word} {c.id}  {c.title}" for c in choices]
        await self._text("\n".join(lines))


def signature(*parts: str) -> str:
    """WeCom's callback signature: SHA-1 over the sorted parts."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class WecomBot:
    """The callback route and the plays behind it."""

    def __init__(self, settings: Settings, bot: Callable[[], ChatBot], database: Database) -> None:
        s = settings
        assert s.wecom_token and s.wecom_encoding_aes_key and s.wecom_corp_id and s.wecom_corp_secret
        assert s.wecom_agent_id is not None
        self._bot, self.database = bot, database
        self.token = s.wecom_token.get_secret_value()
        self.crypto = WeChatCrypto(self.token, s.wecom_encoding_aes_key.get_secret_value(), s.wecom_corp_id)
        self.api = WecomApi(s.wecom_api_base, s.wecom_corp_id, s.wecom_corp_secret.get_secret_value(), s.wecom_agent_id)
        self.agent_id = s.wecom_agent_id
        self._tasks: set[asyncio.Task[None]] = set()
        self.router = APIRouter()
        self.router.add_api_route("/wecom/callback", self.verify_url, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/wecom/callback", self.receive, methods=["POST"], include_in_schema=False)

    @property
    def bot(self) -> ChatBot:
        """The shared chat commands, built on first use."""
        return self._bot()

    async def send_assignment(self, wecom_user: str, scenario_id: str, title: str, note: str, lang: str) -> None:
        """A trainer's assignment, as a message saying how to start it (``练习 <id>``)."""
        text = notice_text("assigned_wecom", lang, title=title, id=scenario_id) + (f"\n{note}" if note else "")
        await run_in_threadpool(self.api.send, wecom_user, "text", {"content": text})

    def _check(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> int | None:
        """None when the request is genuine and fresh, else the status to refuse it with."""
        try:
            age = abs(time.time() - int(timestamp))
        except ValueError:
            return 400
        if age > WINDOW_S:
            return 403
        if not hmac.compare_digest(signature(self.token, timestamp, nonce, encrypted), msg_signature):
            return 403
        return None

    async def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> Response:
        """WeCom's URL check: answer the decrypted echostr as plain text."""
        refused = self._check(msg_signature, timestamp, nonce, echostr)
        if refused is not None:
            return Response(status_code=refused)
        try:
            echo = self.crypto.check_signature(msg_signature, timestamp, nonce, echostr)
        except (InvalidSignatureException, InvalidCorpIdException):
            return Response(status_code=403)
        except Exception:  # not our ciphertext at all: the sender's fault, never a 500
            log.warning("wecom: undecryptable echostr", exc_info=True)
            return Response(status_code=400)
        return PlainTextResponse(str(echo))

    async def receive(self, request: Request, msg_signature: str, timestamp: str, nonce: str) -> Response:
        """A message or a card click: refuse forgeries, answer an empty 200 now, play it after."""
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            parsed = xmltodict.parse(raw)["xml"]
            encrypted = str(parsed["Encrypt"])
        except Exception:
            return Response(status_code=400)
        refused = self._check(msg_signature, timestamp, nonce, encrypted)
        if refused is not None:
            return Response(status_code=refused)
        try:
            plain = self.crypto.decrypt_message(raw, msg_signature, timestamp, nonce)
            fields = {k: str(v) for k, v in xmltodict.parse(plain)["xml"].items() if v is not None}
        except (InvalidSignatureException, InvalidCorpIdException):
            return Response(status_code=403)
        except Exception:
            log.warning("wecom: undecryptable message", exc_info=True)
            return Response(status_code=400)
        task = asyncio.create_task(self._take(fields))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return Response(status_code=200, content=b"")

    async def _take(self, f: dict[str, str]) -> None:
        """Play one decrypted callback once (retries are dropped by MsgId), logging any failure."""
        key = f.get("MsgId") or ":".join(f.get(k, "") for k in ("FromUserName", "CreateTime", "Event", "TaskId", "EventKey"))
        try:
            if not await run_in_threadpool(claim_event, self.database, CHANNEL, key):
                log.info("wecom callback %s already taken in; dropping the retry", key)
                return
            await self._play(f)
        except Exception:
            log.exception("wecom: could not answer callback %s", key)

    async def _play(self, f: dict[str, str]) -> None:
        """A text is a chat command or reply; a card click runs its button and marks the card."""
        user = f.get("FromUserName", "")
        out = WecomOutput(self.api, user)
        conversation = f"{self.agent_id}:{user}"
        if f.get("MsgType") == "text":
            await self.bot.dispatch(IncomingMessage(CHANNEL, user, conversation, f.get("Content", "")), out)
            return
        if f.get("MsgType") != "event" or f.get("Event") != "template_card_event":
            return
        action = f.get("EventKey", "")
        msg = IncomingMessage(CHANNEL, user, conversation, "")
        w = labels("zh")
        if action.startswith("feedback:"):
            done = w["full"]
            seq = action.split(":", 1)[1]
            result = await run_in_threadpool(self.bot.score_of, msg, int(seq)) if seq.isdigit() else None
            if result is not None:
                await out.notice("feedback", feedback_text(result))
        elif action in ("hint", "end"):
            done = w[action]
            text = "提示" if action == "hint" else "结束"
            await self.bot.dispatch(IncomingMessage(CHANNEL, user, conversation, text), out)
        else:
            return
        if f.get("ResponseCode"):
            await run_in_threadpool(self.api.update_card, user, f["ResponseCode"], f"✓ {done}")
