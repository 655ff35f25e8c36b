"""The chat commands both bots share: parsing (zh and en), scenario matching, the hint, dispatch."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.channels.base import CollectingChannel, IncomingMessage
from app.channels.commands import ChatBot, Choice, hint_text, match_scenario, parse
from app.config import load_settings
from app.domain import ScoreResult
from app.scenarios.loader import ScenarioRegistry
from app.services.container import Services


@pytest.fixture(scope="module")
def scenarios(coach_services: Services) -> ScenarioRegistry:
    return coach_services.scenarios


@pytest.mark.parametrize(
    ("text", "kind", "lang", "scenario"),
    [
        ("练习 价格异议", "start", "zh", "price-objection"),
        ("练习价格异议", "start", "zh", "price-objection"),
        ("practice price-objection", "start", "en", "price-objection"),
        ("/practice price objection", "start", "en", "price-objection"),
        ("练习", "start", "zh", None),
        ("practice", "start", "en", None),
        ("提示", "hint", "zh", None),
        ("Hint!", "hint", "en", None),
        ("重来", "restart", "zh", None),
        ("restart", "restart", "en", None),
        ("结束。", "end", "zh", None),
        ("end", "end", "en", None),
        ("帮助", "help", "zh", None),
        ("help", "help", "en", None),
        ("开始之前我想先了解一下贵公司的预算。", "reply", None, None),
        ("Start with a pilot of twenty laptops?", "reply", None, None),
        ("理解您的顾虑，方便说说主要和哪家比吗？", "reply", None, None),
    ],
)
def test_commands_in_chinese_and_english_never_swallow_a_reply(
    scenarios: ScenarioRegistry, text: str, kind: str, lang: str | None, scenario: str | None
) -> None:
    cmd = parse(text, scenarios)
    assert (cmd.kind, cmd.lang, cmd.scenario) == (kind, lang, scenario)


def test_scenarios_match_by_id_or_title_and_ambiguity_matches_nothing(scenarios: ScenarioRegistry) -> None:
    assert (found := match_scenario("price-objection", scenarios)) is not None and found.id == "price-objection"
    assert (found := match_scenario("投诉处理", scenarios)) is not None and found.id == "complaint-delivery"
    assert (found := match_scenario("Closing", scenarios)) is not None and found.id == "closing"
    assert match_scenario("决策者", scenarios) is None  # four decision-maker scenarios: ambiguous
    assert match_scenario("no such thing", scenarios) is None
    unknown = parse("练习 火星殖民", scenarios)
    assert (unknown.kind, unknown.scenario, unknown.query) == ("start", None, "火星殖民")


def test_the_hint_is_the_rubric_and_the_last_feedback_without_a_score(scenarios: ScenarioRegistry) -> None:
    scenario = scenarios.get("price-objection")
    last = ScoreResult(score=40, band=2, criteria=[], feedback="先问清原因再谈价格。", better_reply="", citations=[])
    text = hint_text(scenario, last, "zh")
    assert scenario.rubric.musts[0].text.zh in text and "先问清原因再谈价格。" in text
    assert "40" not in text
    assert scenario.rubric.musts[0].text.en in hint_text(scenario, None, "en")


@dataclass
class PickingChannel(CollectingChannel):
    picks: list[list[Choice]] = field(default_factory=list)

    async def picker(self, choices: list[Choice], lang: str) -> None:
        self.picks.append(choices)


@pytest.fixture
def bot(tmp_path: Path, coach_services: Services) -> Iterator[ChatBot]:
    derived = coach_services.derive(load_settings(data_dir=tmp_path / "data", embedding_backend="fake"))
    derived.database.migrate()
    yield derived.chat_bot
    derived.close()


def test_dispatch_plays_a_practice_and_offers_the_picker_when_nothing_runs(bot: ChatBot) -> None:
    out = PickingChannel()

    def say(text: str) -> None:
        asyncio.run(bot.dispatch(IncomingMessage("wecom", "u1", "c1", text), out))

    say("你好")  # nothing running: a notice and the picker
    say("练习")
    say("练习 价格异议")
    say("提示")
    say("理解您的顾虑，方便说说主要和哪家比吗？")
    say("重来")
    say("结束")
    assert len(out.picks) == 2 and any(c.id == "price-objection" for c in out.picks[0])
    notices = out.of("notice")
    assert notices[:3] == ["no_session", "started", "hint"]
    assert len(out.of("score")) == 1 and len(out.of("customer")) == 3  # opening, answer, new opening
    assert notices[-1] == "nothing_to_score"  # the restarted practice had no replies yet


def test_an_event_is_claimed_once_across_workers(db_url: str) -> None:
    """The retry de-duplication both bots rely on, on SQLite and PostgreSQL."""
    from app.db.channel_events import claim_event
    from app.db.engine import Database

    first, second = Database(db_url), Database(db_url)  # two workers' connection pools
    first.migrate()
    try:
        assert claim_event(first, "slack", "Ev1") is True
        assert claim_event(second, "slack", "Ev1") is False
        assert claim_event(second, "wecom", "Ev1") is True  # another platform's id space
    finally:
        first.dispose()
        second.dispose()
