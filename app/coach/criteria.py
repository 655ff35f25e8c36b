"""Per-criterion scores from the moves read in a reply (GUIDE section 3 criteria).

Each criterion is scored from the moves that bear on it (``moves.yaml``): the strongest move
for it against the strongest against it.  Where the reply shows neither, the criterion is
*unknown* (``None``): nothing is praised for being absent.  The stage adds what the moment
changes: asking again once the customer has told the concern or agreed, apologising twice,
naming a second time after one was agreed.
"""

from __future__ import annotations

from app.coach.judge import Judgement
from app.coach.rubric import Vocabulary, vocabulary
from app.coach.wording import excerpt, move_label, msg
from app.domain import CRITERIA, CriterionScore

#: Below this on both sides a criterion is unknown.
EVIDENCE = 0.4


def criteria_scores(j: Judgement, lang: str, vocab: Vocabulary | None = None) -> list[CriterionScore]:
    """The seven criteria of one judged reply."""
    v = vocab or vocabulary()
    r = j.reading
    out: list[CriterionScore] = []
    for c in CRITERIA:
        pos = [(r.top(m), m) for m, info in v.moves.items() if info.criteria.get(c) == 1]
        neg = [(r.top(m), m) for m, info in v.moves.items() if info.criteria.get(c) == -1]
        p, pm = max(pos, default=(0.0, ""))
        n, nm = max(neg, default=(0.0, ""))
        if c == "probe" and p >= EVIDENCE and j.features.get("probe_x_ready", 0) + j.features.get("probe_x_revealed", 0) >= 0.5:
            out.append(CriterionScore(id=c, score=round(45 - 20 * p), comment=msg(lang, "not_needed_probe")))
            continue
        if c == "empathy" and j.features.get("apology_repeat", 0) >= 0.5 and n < EVIDENCE:
            out.append(CriterionScore(id=c, score=55, comment=msg(lang, "repeat_apology")))
            continue
        if c == "next-step" and j.features.get("time_repeat", 0) >= 0.5 and j.features.get("stance:agree", 0) < 0.5:
            out.append(CriterionScore(id=c, score=50, comment=msg(lang, "repeat_time")))
            continue
        if max(p, n) < EVIDENCE:
            out.append(CriterionScore(id=c, score=None, comment=msg(lang, "unknown")))
            continue
        score = round(100 * min(1.0, max(0.0, 0.5 + 0.5 * p - 0.55 * n)))
        move = nm if n >= p else pm
        i, _ = r.where(move)
        key = "against" if n >= p else "shown_for"
        comment = msg(lang, key).format(move=move_label(lang, move), sentence=excerpt(r.sentences[i]))
        out.append(CriterionScore(id=c, score=score, comment=comment))
    return out
