"""The LLM voice, with LangChain's fake chat models: phrases the chosen state, repairs role slips."""

from __future__ import annotations

import random
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage

from app.coach.roleplay import RoleplayService
from app.llm.breaker import CircuitBreaker
from app.llm.prompts import PromptRenderer
from app.llm.voice import LLMVoice
from app.services.container import Services

REP = "理解您的顾虑。方便说说您主要拿哪几项在和别家比吗？"
CONTEXT = [{"role": "customer", "text": "太贵了。"}, {"role": "rep", "text": REP}]


class RecordingModel(FakeListChatModel):
    """A fake chat model that keeps the messages it was sent."""

    sent: list[list[BaseMessage]] = []

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.sent.append(list(messages))
        return super()._call(messages, *args, **kwargs)


class DeadModel(FakeListChatModel):
    """An endpoint that refuses every connection."""

    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise ConnectionError("refused")


def voice(*answers: str, breaker: CircuitBreaker | None = None) -> tuple[LLMVoice, RecordingModel]:
    model = RecordingModel(responses=list(answers) or ["嗯。"], sent=[])
    return LLMVoice(model, PromptRenderer(), breaker or CircuitBreaker()), model


def test_the_model_phrases_the_chosen_state(coach_services: Services) -> None:
    scenario = coach_services.scenarios.get("price-objection")
    v, model = voice("行，你能理解就好。我们主要比的是单价和售后响应时间。")
    used: list[str] = []
    line = v.line(
        scenario, "softened", scenario.persona.motives[0].id, random.Random(1), used, context=CONTEXT
    )
    assert line == "行，你能理解就好。我们主要比的是单价和售后响应时间。" and used[-1] == line
    system, user = model.sent[0][0].content, model.sent[0][1].content
    assert scenario.persona.name in system and scenario.state("softened").lines[0] in system
    assert "不要**说出这个动机" in system and REP in user


@pytest.mark.parametrize(
    "answer",
    [
        "销售：您好，我们的价格其实很有竞争力。\n客户：那好吧。",
        "作为一个AI助手，我可以帮您分析这个报价。",
        "抱歉，我无法继续扮演这个角色。",
        "I'm sorry, but as an AI language model I cannot do that.",
        "说白了，我们老板给我定了预算上限，超了我没法签字。",  # the hidden motive, too early
        "",
        "<transcript>\n<customer>这价格不行。</customer>\n</transcript>",
        "这个我得想想。Your entire trust in advance, no second.",
    ],
    ids=[
        "writes-rep-lines", "assistant", "apology", "english-assistant", "reveals-motive", "empty",
        "echoes-markup", "drifts-into-english",
    ],  # fmt: skip
)
def test_role_inversion_falls_back_to_the_scripted_line(coach_services: Services, answer: str) -> None:
    scenario = coach_services.scenarios.get("price-objection")
    v, _ = voice(answer)
    line = v.line(scenario, "softened", scenario.persona.motives[0].id, random.Random(1), [], context=CONTEXT)
    assert line in scenario.state("softened").lines


def test_the_motive_may_be_said_where_the_state_reveals_it(coach_services: Services) -> None:
    scenario = coach_services.scenarios.get("price-objection")
    motive = scenario.persona.motives[0]
    v, _ = voice(motive.reveal[0])
    assert v.line(scenario, "revealed", motive.id, random.Random(1), [], context=CONTEXT) == motive.reveal[0]


def test_a_dead_endpoint_opens_the_breaker_and_the_script_answers(coach_services: Services) -> None:
    scenario = coach_services.scenarios.get("price-objection")
    breaker = CircuitBreaker(threshold=2, cooldown_s=60)
    v = LLMVoice(DeadModel(responses=["x"]), PromptRenderer(), breaker)
    for _ in range(3):
        line = v.line(
            scenario, "softened", scenario.persona.motives[0].id, random.Random(1), [], context=CONTEXT
        )
        assert line in scenario.state("softened").lines
    assert breaker.state == "open"


def test_without_a_rep_turn_or_with_an_open_breaker_the_model_is_not_asked(coach_services: Services) -> None:
    scenario = coach_services.scenarios.get("price-objection")
    breaker = CircuitBreaker(threshold=1, cooldown_s=60)
    v, model = voice("不该出现", breaker=breaker)
    v.line(scenario, "softened", scenario.persona.motives[0].id, random.Random(1), [])
    breaker.failure()
    v.line(scenario, "softened", scenario.persona.motives[0].id, random.Random(1), [], context=CONTEXT)
    assert model.sent == []


def test_roleplay_passes_the_transcript_to_the_voice(coach_services: Services) -> None:
    v, model = voice("嗯，你说的这个思路我可以听听。")
    service = RoleplayService(coach_services.scenarios, coach_services.scorer, v)
    session = service.start("price-objection", seed=3)
    turn = service.reply(session, REP)
    assert not turn.done and turn.customer == "嗯，你说的这个思路我可以听听。"
    user = str(model.sent[0][1].content)
    assert session.transcript[0].text in user and REP in user
