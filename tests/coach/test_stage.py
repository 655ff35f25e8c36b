"""The stage read from earlier turns: what it notices, and that its per-turn cache changes nothing."""

from __future__ import annotations

from app.coach.reading import shipped_reader
from app.coach.stage import CONTEXT_TURNS, StageReader, Turn

CONTEXT = [
    Turn("customer", "你们的价格比别家高了不少。"),
    Turn("rep", "理解您的顾虑。方便说说您主要拿哪几项在比较吗？"),
    Turn("customer", "主要是售后响应速度，我们停机一小时损失很大。"),
    Turn("rep", "非常抱歉让您担心了，我们承诺四小时内到场。"),
]


def _reader() -> StageReader:
    model = shipped_reader()
    return StageReader(model.moves_lite, model.stance_lite)


def test_the_stage_notices_an_earlier_probe_and_the_customers_objection() -> None:
    stage = _reader().read(CONTEXT)
    assert stage.turns == len(CONTEXT)
    assert stage.rep("probe") > 0.5
    assert stage.rep("empathy") > 0.5
    assert stage.customer("object") > 0.5
    assert _reader().read([]).rep("probe") == 0.0


def test_a_cached_turn_reads_as_a_fresh_reader_reads_it() -> None:
    reader = _reader()
    first = reader.read(CONTEXT)
    again = reader.read(CONTEXT)  # every turn now comes from the cache
    fresh = _reader().read(CONTEXT)
    assert first == again == fresh
    changed = reader.read([CONTEXT[0], Turn("rep", "好的，我回去再想想。")])
    assert changed.rep("probe") < 0.5 < first.rep("probe")


def test_only_the_most_recent_turns_count() -> None:
    old = [CONTEXT[1]]  # a probe
    filler = [Turn("customer", "嗯。")] * CONTEXT_TURNS
    assert _reader().read(old + filler).rep("probe") == 0.0
    assert _reader().read(filler[:-1] + old).rep("probe") > 0.5
