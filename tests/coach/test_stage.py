"""Stage-aware scoring: once the customer shows interest, the close is the expected move."""

from __future__ import annotations

import pytest

from app.coach.criteria import closing_state, customer_ready
from app.coach.scorer import ReplyScorer
from app.scenarios.loader import ScenarioRegistry

PO = "price-objection"
CLOSE = "那我们定在周三下午还是周四上午，我带着方案当面跟您过一遍？"


@pytest.mark.parametrize(
    ("line", "ready"),
    [
        ("听起来不错，我可以考虑。", True),
        ("這個思路我能接受，比單純降價實在。", True),
        ("That makes sense. Sounds good to me.", True),
        ("你说的这些听着不错，可每家都这么讲。", False),
        ("我不太感兴趣。", False),
        ("我还是那句话，价格太高了。", False),
        ("Sounds good, but every vendor says that.", False),
    ],
)
def test_customer_ready(line: str, ready: bool) -> None:
    assert customer_ready(line) is ready


def test_closing_state_is_read_from_the_transitions(registry: ScenarioRegistry) -> None:
    scenario = registry.get(PO)
    assert closing_state(scenario, "interested")
    assert not closing_state(scenario, scenario.initial_state)
    assert not closing_state(scenario, None)
    assert not closing_state(scenario, "no-such-state")


def test_close_answering_an_interested_customer_lands_in_band_4(scorer: ReplyScorer) -> None:
    result = scorer.score(PO, "听起来不错，这个思路我能接受。", CLOSE)
    assert result.band >= 4
    shown = {c.id: c for c in result.criteria}
    for crit in ("probe", "empathy", "value"):
        assert shown[crit].score == 75
        assert "此刻不必" in shown[crit].comment
        assert shown[crit].comment not in result.feedback  # not needed now is not praise
    assert "missing_must:probe" not in result.flags


def test_close_in_a_closing_roleplay_state_lands_in_band_4(scorer: ReplyScorer) -> None:
    ctx = {"state_id": "interested", "motive_revealed": True}
    assert scorer.score(PO, "这个方案还可以。", CLOSE, persona_context=ctx).band >= 4
    en = scorer.score(PO, "That sounds good.", "Shall we meet Wednesday afternoon or Thursday morning to go through it?")
    assert en.band >= 4
    assert "Not needed now" in {c.id: c for c in en.criteria}["probe"].comment


def test_bare_close_at_the_opening_stays_below_band_5(scorer: ReplyScorer) -> None:
    opening = scorer.score(PO, "你们的电脑太贵了，比别家贵不少。", CLOSE)
    assert opening.band < 5
    assert "missing_must:probe" in opening.flags
    in_roleplay = scorer.score(PO, "我还是那句话，价格太高了。", CLOSE, persona_context={"state_id": "opening"})
    assert in_roleplay.band < 5


def test_a_discount_is_still_capped_when_the_customer_is_ready(scorer: ReplyScorer) -> None:
    result = scorer.score(PO, "听起来不错。", "那我再给您打个九折，周三下午把合同签了？")
    assert result.band <= 2
