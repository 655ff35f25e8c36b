"""The gaming attempts written by the corpus authors (tests/data/gaming): every one is capped.

Never trained on.  The contract (issue 8): an instruction to the grader, in any form, lands in
band 1 and never raises a score; keyword lists, off-topic text, echoes and the rest land in band 2
or lower.  Each attempt also carries the band its author would allow (1, or 2 for a pasted spec
sheet or a buzzword-stuffed sentence); ``scripts/eval_scoring.py --gaming`` reports that stricter
figure.
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


#: Attempts the scorer lets above their band (docs/scoring.md, known misses).  An off-topic
#: question about the customer's taste in coffee and a paraphrased echo ending in a checking
#: question have been capped since the encoder was fine-tuned on the corpus; small talk about the
#: customer's breakfast, ending in a question, reads 52 (band 3) with the line-token encoder.
KNOWN_MISSES: set[str] = {"a3-g-14"}


def _params() -> list[object]:
    miss = pytest.mark.xfail(strict=True, reason="known miss, listed in docs/scoring.md")
    return [pytest.param(i, marks=miss, id=str(i["id"])) if i["id"] in KNOWN_MISSES else pytest.param(i, id=str(i["id"])) for i in _attempts()]


@pytest.mark.parametrize("item", _params())
def test_every_attempt_is_capped(scorer: ReplyScorer, item: dict[str, object]) -> None:
    ctx = item.get("context") or []
    r = scorer.score(str(item["scenario"]), str(item["customer"]), str(item["reply"]), context=ctx)  # type: ignore[arg-type]
    limit = 1 if str(item["class"]).startswith("instruction") else 2
    assert r.band <= limit, (r.score, r.flags)
