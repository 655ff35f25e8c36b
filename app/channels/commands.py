"""Chat commands shared by the Slack and WeCom bots: parsing, scenario matching, dispatch.

A rep types either a command (练习 价格异议 / practice price-objection, 提示/hint, 重来/restart,
结束/end, 帮助/help) or a reply to the customer. Both bots parse the same way and hand the
result to :class:`ChatBot`, which plays it through :class:`~app.channels.gateway.Conversations`,
so the adapters hold no role-play logic and behave alike. Commands must not swallow ordinary
replies: a word like "start" only counts as a command when a scenario name follows (or nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from starlette.concurrency import run_in_threadpool

from app.channels.base import IncomingMessage, OutputChannel
from app.channels.gateway import Conversations, notice_text
from app.coach.wording import lang_key
from app.db.channel_events import latest_session
from app.domain import ScoreResult
from app.scenarios.loader import ScenarioRegistry
from app.scenarios.schema import Scenario

Kind = Literal["start", "hint", "restart", "end", "help", "reply"]
Lang = Literal["zh", "en"]

#: Whole-message commands, compared after :func:`_norm`.
EXACT: dict[str, tuple[Kind, Lang]] = {
    "提示": ("hint", "zh"), "hint": ("hint", "en"),
    "重来": ("restart", "zh"), "重新开始": ("restart", "zh"), "restart": ("restart", "en"),
    "结束": ("end", "zh"), "结束练习": ("end", "zh"), "end": ("end", "en"),
    "帮助": ("help", "zh"), "help": ("help", "en"), "?": ("help", "zh"), "？": ("help", "zh"),
}
#: Start words; ``strict`` ones only count with a known scenario (or nothing) after them, since
#: "开始…"/"start…" also begin ordinary replies.
START: tuple[tuple[str, Lang, bool], ...] = (
    ("开始练习", "zh", False), ("练习", "zh", False), ("开始", "zh", True),
    ("practice", "en", False), ("practise", "en", False), ("roleplay", "en", False), ("start", "en", True),
)
_TRIM = " \t\n\r。.!！?？,，:：\"'“”‘’「」"


@dataclass(frozen=True)
class Command:
    """What a chat message asks for; ``query`` is the scenario text after a start word."""

    kind: Kind
    lang: Lang | None = None
    scenario: str | None = None
    query: str = ""


@dataclass(frozen=True)
class Choice:
    """One entry of a scenario picker."""

    id: str
    title: str


def _norm(text: str) -> str:
    return text.strip().lstrip("/").strip(_TRIM).lower()


def match_scenario(query: str, scenarios: Iterable[Scenario]) -> Scenario | None:
    """The scenario ``query`` names by id or title (zh or en); None when unknown or ambiguous."""
    q = _norm(query)
    if len(q) < 2:
        return None
    pool = list(scenarios)
    for s in pool:
        if s.id == q.replace(" ", "-") or q in (s.title.zh.lower(), s.title.en.lower()):
            return s
    found = [s for s in pool if q in s.id or q in s.title.zh.lower() or (s.title.en and q in s.title.en.lower())]
    return found[0] if len(found) == 1 else None


def parse(text: str, scenarios: Iterable[Scenario]) -> Command:
    """The command in ``text``, or a reply to the customer."""
    norm = _norm(text)
    if norm in EXACT:
        kind, lang = EXACT[norm]
        return Command(kind, lang)
    for word, lang, strict in START:
        if not norm.startswith(word):
            continue
        rest = norm[len(word):]
        if lang == "en" and rest and not rest[0].isspace():
            continue  # "starting…" is a reply
        rest = rest.strip(_TRIM)
        if not rest:
            return Command("start", lang)
        found = match_scenario(rest, scenarios)
        if found is not None:
            return Command("start", lang, found.id, rest)
        if not strict:
            return Command("start", lang, None, rest)
    return Command("reply")


def hint_text(scenario: Scenario, last: ScoreResult | None, lang: str) -> str:
    """Advice for this moment without scoring: the rubric's musts and must-nots, then the coach's
    feedback on the last reply. Honest by construction: nothing is invented for the hint."""
    tips = [f"• {rule.text.get(lang)}" for rule in (*scenario.rubric.musts, *scenario.rubric.must_nots)]
    if not tips:
        tips = [f"• {scenario.practises.get(lang)}"]
    text = notice_text("hint", lang, tips="\n".join(tips))
    if last is not None and last.feedback:
        text += "\n" + notice_text("hint_last", lang, feedback=last.feedback)
    return text


def labels(lang: str) -> dict[str, str]:
    """The words the bots put around scores, in the rep's language."""
    if lang_key(lang) == "zh":
        return {"score": "得分", "band": "档", "full": "完整反馈", "hint": "提示", "end": "结束",
                "better": "更好的回复", "sources": "参考资料", "card": "成绩单", "best": "最佳回复",
                "weakest": "最弱回复", "done": "练习结束", "customer": "客户"}
    return {"score": "Score", "band": "band", "full": "Full feedback", "hint": "Hint", "end": "End",
            "better": "Better reply", "sources": "Sources", "card": "Scorecard", "best": "Best reply",
            "weakest": "Weakest reply", "done": "Practice over", "customer": "Customer"}


def one_line(text: str, limit: int = 140) -> str:
    """The feedback's first sentence, for the compact card."""
    first = re.split(r"(?<=[。！？.!?])\s*", text.strip(), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


class ChatOutput(OutputChannel, Protocol):
    """An output channel that can also offer a scenario picker (buttons, a menu, a card)."""

    async def picker(self, choices: list[Choice], lang: str) -> None:
        """Offer these scenarios; choosing one starts it in the same conversation."""
        ...


class ChatBot:
    """Routes parsed chat commands to :class:`Conversations`; shared by every chat platform."""

    def __init__(self, conversations: Conversations, scenarios: ScenarioRegistry) -> None:
        self.conversations = conversations
        self.scenarios = scenarios

    def choices(self, lang: str) -> list[Choice]:
        """The picker's entries, easiest first."""
        ordered = sorted(self.scenarios, key=lambda s: (s.difficulty, s.id))
        return [Choice(s.id, s.title.get(lang)) for s in ordered]

    async def dispatch(self, msg: IncomingMessage, out: ChatOutput) -> None:
        """Answer one chat message: a command, or the rep's reply to the customer."""
        cmd = parse(msg.text, self.scenarios)
        if cmd.kind == "start":
            lang = cmd.lang or "zh"
            if cmd.scenario is None:
                if cmd.query:
                    await out.notice("unknown_scenario", notice_text("unknown_scenario", lang, id=cmd.query))
                await out.picker(self.choices(lang), lang)
                return
            await self.start(msg, out, cmd.scenario, lang)
            return
        if cmd.kind == "help":
            await out.notice("help", notice_text("help", cmd.lang or "zh"))
            return
        ps = await run_in_threadpool(self.conversations.active, msg)
        if ps is None:
            lang = cmd.lang or "zh"
            await out.notice("no_session", notice_text("no_session", lang))
            await out.picker(self.choices(lang), lang)
            return
        if cmd.kind == "hint":
            await out.notice("hint", await run_in_threadpool(self._hint, ps.id))
        elif cmd.kind == "restart":
            await self.start(msg, out, ps.scenario_id, ps.lang)
        elif cmd.kind == "end":
            await self.conversations.end(msg, out)
        else:
            await self.conversations.handle(msg, out)

    async def start(self, msg: IncomingMessage, out: ChatOutput, scenario_id: str, lang: str) -> None:
        """Start ``scenario_id`` in the message's conversation (ending the one running there)."""
        if scenario_id in self.scenarios:
            title = self.scenarios.get(scenario_id).title.get(lang)
            await out.notice("started", notice_text("started", lang, title=title))
        await self.conversations.start(msg, scenario_id, out, lang=lang)

    def _hint(self, session_id: str) -> str:
        ps = self.conversations.practice.load(session_id)
        scored = [m.score for m in ps.messages if m.role == "rep" and m.score is not None]
        last = ScoreResult.model_validate(scored[-1].result) if scored else None
        return hint_text(self.scenarios.get(ps.scenario_id), last, ps.lang)

    def score_of(self, msg: IncomingMessage, seq: int) -> ScoreResult | None:
        """The coach's full score of the rep's reply ``seq`` in the message's conversation (blocking).

        Only the rep who played it sees it: the "full feedback" button of a score card.
        """
        user = self.conversations.user_for(msg)
        with self.conversations.practice.database.session() as db:
            ps = latest_session(db, msg.channel, msg.conversation, user.id)
            if ps is None:
                return None
            for m in ps.messages:
                if m.seq == seq and m.role == "rep" and m.score is not None:
                    return ScoreResult.model_validate(m.score.result)
        return None
