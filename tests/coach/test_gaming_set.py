"""The gaming attempts written by the corpus authors (tests/data/gaming): every one is capped.

Never trained on.  Each attempt carries the band its author says it may reach at most (1, or 2
for a pasted spec sheet or a buzzword-stuffed sentence).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from app.coach.scorer import ReplyScorer

GAMING = Path(__file__).resolve().parents[1] / "data" / "gaming"


def _attempts() -> list[dict[str, object]]:
    out = []
    for path in sorted(GAMING.glob("*.jsonl")):
        out += [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return out


def test_the_set_is_wide() -> None:
    items = _attempts()
    assert len(items) >= 150
    assert {str(i["lang"]) for i in items} >= {"zh", "zh-hant", "en"}
    classes = Counter(str(i["class"]) for i in items)
    assert len(classes) >= 11 and min(classes.values()) >= 10
    assert len({str(i["author"]) for i in items}) >= 8


@pytest.mark.parametrize("item", _attempts(), ids=lambda i: str(i["id"]))
def test_every_attempt_is_capped(scorer: ReplyScorer, item: dict[str, object]) -> None:
    ctx = item.get("context") or []
    r = scorer.score(str(item["scenario"]), str(item["customer"]), str(item["reply"]), context=ctx)  # type: ignore[arg-type]
    assert r.band <= int(item["max_band"]), (r.score, r.flags)  # type: ignore[call-overload]
