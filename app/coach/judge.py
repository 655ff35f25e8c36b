"""One reply judged: read it, combine the moves into a grade, apply the gaming caps.

The core shared by the scorer (feedback, better reply and citations are added around it),
``scripts/eval_scoring.py`` and ``coach calibrate``.  Only gaming caps are hard limits; everything
else is the learned combination, so no single word decides a whole score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from app.coach.gaming import detect_gaming, strip_grader
from app.coach.grading import GradeModel, features, to_score
from app.coach.reading import MoveReader, Reading
from app.coach.stage import Turn
from app.scenarios.schema import Scenario
from app.text.fold import detect_language

CAPS_FILE = Path(__file__).with_name("data") / "caps.yaml"


@dataclass(frozen=True)
class CapTable:
    """Gaming caps and the thresholds of the learned gaming moves (data/caps.yaml)."""

    caps: dict[str, int]
    learned: dict[str, dict[str, float]]
    strip_prob: float


@lru_cache(maxsize=1)
def cap_table(path: Path = CAPS_FILE) -> CapTable:
    """The shipped cap table."""
    d = yaml.safe_load(path.read_text(encoding="utf-8"))
    return CapTable({k: int(v) for k, v in d["caps"].items()}, d["learned"], float(d["strip_prob"]))


@dataclass
class Judgement:
    """Everything the score of one reply is made of."""

    reading: Reading
    features: dict[str, float]
    grade: float
    blend: float
    flags: list[str]
    caps: dict[str, int]
    score: int
    stripped: list[int] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        """Whether a gaming cap decided the score."""
        return bool(self.caps) and self.score <= min(self.caps.values())


def learned_flags(reading: Reading, table: CapTable) -> list[str]:
    """Gaming flags raised by the learned gaming moves."""
    flags: list[str] = []
    n = len(reading.sentences)
    for move, rule in table.learned.items():
        if move not in reading.names or not n:
            continue
        col = reading.probs[:, reading.names.index(move)]
        hit = float(col.max()) >= rule["min_prob"]
        if "min_share" in rule:
            hit = float((col >= rule["min_prob"]).mean()) >= rule["min_share"]
        if "max_sentences" in rule:
            hit = hit and n <= rule["max_sentences"]
        if hit:
            flags.append(move)
    return flags


def judge(
    reader: MoveReader,
    model: GradeModel,
    scenario: Scenario,
    customer: str,
    reply: str,
    context: Sequence[Turn] = (),
    *,
    table: CapTable | None = None,
    _depth: int = 0,
) -> Judgement:
    """Judge ``reply`` to ``customer`` (after ``context``) in ``scenario``."""
    table = table or cap_table()
    report = detect_gaming(reply, customer, len(reply))
    reading = reader.read(reply, customer, context)
    flags = list(dict.fromkeys(report.flags + learned_flags(reading, table)))
    feats = features(reading, scenario, flags)
    grade = model.grade(feats)
    blend = to_score(grade)
    caps = {f: table.caps[f] for f in flags if f in table.caps}
    score = min([blend, *caps.values()])
    j = Judgement(reading, feats, grade, blend, flags, caps, int(round(score)))
    if _depth == 0:
        gi = reading.names.index("grader_instruction") if "grader_instruction" in reading.names else -1
        drop = [i for i in range(len(reading.sentences)) if gi >= 0 and reading.probs[i, gi] >= table.strip_prob]
        if report.grader or drop:
            sep = " " if detect_language(reply) == "en" else ""
            rest = sep.join(s for i, s in enumerate(reading.sentences) if i not in drop)
            if report.grader:
                rest = strip_grader(rest)[0]
            if rest.strip() and rest.strip() != reply.strip():
                other = judge(reader, model, scenario, customer, rest, context, table=table, _depth=1)
                j.score = min(j.score, other.score)
            j.stripped = drop
    return j
