"""Better replies, over every scenario, for weak replies written by the corpus authors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.coach.better_reply import MAX_CHARS, MAX_WORDS, script_of
from app.coach.scorer import ReplyScorer
from app.scenarios.loader import ScenarioRegistry
from app.text.fold import fold

_NUM = re.compile(r"\d+(?:\.\d+)?")


def _weak_items(corpus: list[Any], per_scenario: int = 2) -> list[Any]:
    """Per scenario, weak replies (grade <= 2) from different authors, deterministic."""
    out: list[Any] = []
    for scenario in sorted({it.scenario for it in corpus}):
        seen: set[str] = set()
        for it in sorted((i for i in corpus if i.scenario == scenario and i.grade <= 2), key=lambda i: i.id):
            if it.author not in seen:
                seen.add(it.author)
                out.append(it)
            if len(seen) == per_scenario:
                break
    return out


def test_better_replies_for_weak_corpus_replies(scorer: ReplyScorer, registry: ScenarioRegistry, corpus: list[Any]) -> None:
    items = _weak_items(corpus)
    assert len({it.scenario for it in items}) == 15
    high = 0
    for it in items:
        ctx = [{"role": t.role, "text": t.text} for t in it.context]
        r = scorer.score(it.scenario, it.customer, it.reply, context=ctx)
        better = r.better_reply
        where = (it.id, better)
        script = script_of(it.reply)
        assert script_of(better) == script, where  # the reply's own script
        if script == "en":
            assert len(better.split()) <= MAX_WORDS, where
        else:
            assert len(better) <= MAX_CHARS, where
        folded, cust = fold(better), fold(it.customer)
        assert not any(cust[i : i + 8] in folded for i in range(max(len(cust) - 7, 0))), where  # no quoting back
        allowed = fold(" ".join([it.customer, registry.get(it.scenario).persona.background.get("zh"), *(t.text for t in it.context)]))
        assert all(n in allowed for n in _NUM.findall(folded)), where  # no invented figures
        again = scorer.score(it.scenario, it.customer, better, context=ctx)
        assert again.score > r.score, where
        assert again.band >= 4, (where, again.score)
        high += again.band == 5
    assert high >= len(items) * 0.6


def test_better_reply_keeps_the_reps_good_sentence(scorer: ReplyScorer) -> None:
    customer = "你们的电脑太贵了，别家便宜多了"
    probe = "方便说说您主要是和哪家的配置比较的吗？"
    r = scorer.score("price-objection", customer, probe + "实在不行我给您打个九折。")
    assert probe in r.better_reply
    assert "九折" not in r.better_reply


@pytest.mark.parametrize(
    ("reply", "script"),
    [
        ("好的好的，我給您打九折。", "zh-hant"),
        ("OK, I can give you a 10% discount.", "en"),
        ("好的，我给您打九折。", "zh"),
    ],
)
def test_better_reply_is_in_the_reps_script(scorer: ReplyScorer, reply: str, script: str) -> None:
    r = scorer.score("price-objection", "你們太貴了。" if script == "zh-hant" else "Too expensive." if script == "en" else "你们太贵了。", reply)
    assert script_of(r.better_reply) == script
