"""The role-play engine: every scenario's transitions, seeds, endings and the scorecard."""

from __future__ import annotations

from typing import Any

import pytest

from app.coach.errors import SessionDoneError
from app.coach.roleplay import RoleplayService
from app.domain import RoleplaySession, Turn
from app.scenarios.loader import ScenarioRegistry

#: One reply per transition key whose highest-priority move is that key.
TRIGGERS: dict[str, str] = {
    "attack_rival": "那家公司的东西都是垃圾，质量很差。",
    "blind_promise": "没问题，我们一定能做，保证绝对不会出任何问题。",
    "off_topic": "今天天气不错，您午饭吃了吗？周末我们去爬山、看电影吧。",
    "concede": "那我给您打个九折吧。",
    "close": "那我周三上午把合同带过来，您看方便吗？",
    "defer_honestly": "这个我现在不确定，我向公司确认后，明天上午十点前给您答复。",
    "probe": "您最关心的是哪几点？主要是出于什么考虑？",
    "quantify": "按去年同类客户的数据，培训后报修电话减少了40%，IT每月少花80个小时。",
    "value": "您最担心下面的人上手慢，我们派工程师到各分拨中心上门培训，帮您的团队一周内用起来。",
    "empathise": "您的压力我完全理解，换作是我，被老板盯着预算也会着急。",
    "default": "嗯，好的。",
}

#: The customer has just told the real concern: every move, value included, is a fitting answer here.
MOTIVE_LINE = "其实价格还好说，我头疼的是下面那些分拨中心的人不会用新系统。"

GOOD_PATH = [
    "理解您的压力，预算确实要精打细算。方便说说您主要是跟哪家比、觉得差在哪几项吗？",
    "明白了。我们把上门培训和远程答疑写进方案，能帮您的IT部门每年省下两百多个小时。",
    "那我明天上午把方案和明细发给您，周三下午当面过一遍，您看方便吗？",
]


def _at_state(registry: ScenarioRegistry, scenario_id: str, state_id: str) -> RoleplaySession:
    scenario = registry.get(scenario_id)
    line = scenario.openings[0]
    return RoleplaySession(
        scenario_id=scenario_id,
        seed=1,
        motive_id=scenario.persona.motives[0].id,
        state_id=state_id,
        used_lines=[line],
        transcript=[Turn(role="customer", text=line, state=state_id)],
    )


def test_triggers_detect_their_move(roleplay: RoleplayService) -> None:
    for key, text in TRIGGERS.items():
        moves = roleplay.scorer.score("price-objection", MOTIVE_LINE, text).moves
        assert (moves[0] if moves else "default") == key, (key, moves)


class _Moves:
    """A scorer double that reads each trigger as exactly its move: the state machine's wiring is
    under test here (the real reader is tested on the same texts above and in whole sessions)."""

    def __init__(self, scorer: Any) -> None:
        self.result = scorer.score("price-objection", "太贵了", "理解，您主要跟哪家比？")
        self.moves = {text: ([] if key == "default" else [key]) for key, text in TRIGGERS.items()}

    def score(self, scenario_id: str, customer: str, reply: str, **kwargs: Any) -> Any:
        return self.result.model_copy(update={"moves": self.moves[reply]})


def test_every_transition_of_every_scenario(registry: ScenarioRegistry, roleplay: RoleplayService) -> None:
    engine = RoleplayService(registry, _Moves(roleplay.scorer))
    checked = 0
    for scenario in registry:
        for state in scenario.states:
            for key, target in state.transitions.items():
                result = engine.reply(_at_state(registry, scenario.id, state.id), TRIGGERS[key])
                assert result.session.state_id == target, f"{scenario.id}: {state.id} --{key}--> {target}"
                checked += 1
    assert checked > 100


def test_same_seed_same_conversation(roleplay: RoleplayService) -> None:
    def play(seed: int) -> list[tuple[str, int]]:
        session = roleplay.start("price-objection", seed=seed)
        out = [(session.transcript[0].text, 0)]
        for text in [TRIGGERS["default"], GOOD_PATH[0], TRIGGERS["empathise"]]:
            result = roleplay.reply(session, text)
            out.append((result.customer, result.score.score))
            session = result.session
        return out

    assert play(42) == play(42)
    motives = {roleplay.start("price-objection", seed=s).motive_id for s in range(40)}
    assert len(motives) > 1


def test_probing_reveals_the_motive(registry: ScenarioRegistry, roleplay: RoleplayService) -> None:
    session = roleplay.start("price-objection", seed=3)
    result = roleplay.reply(session, GOOD_PATH[0])
    motive = next(m for m in registry.get("price-objection").persona.motives if m.id == session.motive_id)
    assert result.session.state_id == "revealed"
    assert any(line in result.customer for line in motive.reveal)


def test_lines_are_not_repeated_and_the_turn_limit_ends_the_session(
    registry: ScenarioRegistry, roleplay: RoleplayService
) -> None:
    scenario = registry.get("price-objection")
    session = roleplay.start("price-objection", seed=5)
    lines: list[str] = []
    while not session.done:
        result = roleplay.reply(session, TRIGGERS["default"])
        lines.append(result.customer)
        session = result.session
    assert session.outcome == "turn_limit" and session.turn == scenario.turn_limit
    assert lines[-1] in scenario.turn_limit_lines
    distinct = len(scenario.state("opening").lines)
    assert len(set(lines[:distinct])) == distinct
    assert all(a != b for a, b in zip(lines, lines[1:], strict=False))
    with pytest.raises(SessionDoneError):
        roleplay.reply(session, GOOD_PATH[0])


def test_reply_does_not_change_the_given_session(roleplay: RoleplayService) -> None:
    session = roleplay.start("price-objection", seed=9)
    before = session.model_dump()
    roleplay.reply(session, GOOD_PATH[0])
    assert session.model_dump() == before


def test_full_session_to_a_scorecard(registry: ScenarioRegistry, roleplay: RoleplayService) -> None:
    session = roleplay.start("price-objection", seed=11)
    session = RoleplaySession.model_validate_json(session.model_dump_json())  # sessions survive JSON
    for text in [*GOOD_PATH, TRIGGERS["close"]]:
        if session.done:
            break
        session = roleplay.reply(session, text).session
    assert session.done and session.outcome in ("deal", "next_meeting")
    card = roleplay.scorecard(session)
    assert card.turns == session.turn and card.outcome == session.outcome
    assert [c.id for c in card.criteria] == [c for c in
                                              ("probe", "empathy", "value", "honesty", "adapt", "next-step", "composure")
                                              if registry.get("price-objection").weight(c) > 0]
    assert card.best is not None and card.weakest is not None
    assert card.best.score and card.weakest.score and card.best.score.score >= card.weakest.score.score
    assert card.next_scenario in registry.get("price-objection").next
    assert card.summary and str(card.average) in card.summary
    assert card.next_scenario and registry.get(card.next_scenario).title.zh in card.summary
