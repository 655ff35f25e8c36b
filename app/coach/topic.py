"""Is a reply about this scenario at all?  A lexical topic gate.

The embedding model squeezes Chinese similarities into a narrow range, so a
fluent pitch for an unrelated product (an air purifier to a TV buyer) looks
as "close" to the customer's line as a good reply does.  Words tell them
apart better: a reply that introduces another product and whose content
words are almost all foreign to the scenario (persona background, openings,
the customer's lines, motives and the graded exemplars of bands 3-5) and to
the customer's line is not a reply to this customer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.coach import lexicon as lx
from app.coach.detectors import tokens
from app.scenarios.schema import Scenario
from app.text.fold import fold

_CONTENT = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[a-z]{3,})$")
_STOP = frozenset(["我们", "你们", "他们", "这个", "那个", "一下", "可以", "什么", "还是", "就是", "the", "and", "you", "your", "our", "for", "with"])

#: Share of foreign content words above which a product pitch is read as unrelated.
FOREIGN_SHARE = 0.7


def scenario_texts(scenario: Scenario) -> list[str]:
    """The texts that define what a scenario is about."""
    p = scenario.persona
    texts = [p.background.zh, p.background.en, scenario.practises.zh, scenario.practises.en, *scenario.openings]
    for state in scenario.states:
        texts.extend(state.lines)
    for m in p.motives:
        texts.extend([*m.reveal, m.description.zh, m.description.en, m.remedy.zh, m.remedy.en])
    for band in (3, 4, 5):
        texts.extend(scenario.exemplars.get(band, []))
    return texts


@lru_cache(maxsize=64)
def _vocabulary(scenario_id: str, texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for text in texts for t in tokens(fold(text)))


def foreign_share(scenario: Scenario, customer: str, reply: str) -> float:
    """Share of the reply's content words found neither in the scenario's texts nor in the customer's line."""
    vocab = _vocabulary(scenario.id, tuple(scenario_texts(scenario))) | set(tokens(fold(customer)))
    words = [t for t in tokens(fold(reply)) if _CONTENT.match(t) and t not in _STOP]
    if not words:
        return 0.0
    return sum(t not in vocab for t in words) / len(words)


def unrelated_pitch(scenario: Scenario, customer: str, reply_folded: str, reply: str, overlap: float) -> bool:
    """A pitch for another product that shares no words with the customer's line and little with the scenario."""
    if overlap >= 0.1 or not lx.PRODUCT_INTRO.search(reply_folded):
        return False
    return foreign_share(scenario, customer, reply) >= FOREIGN_SHARE
