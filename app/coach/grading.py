"""From a reading to a grade: rubric features, the fitted combination, the 0-100 scale.

:func:`features` turns a :class:`~app.coach.reading.Reading` into named numbers the scenario's
rubric gives meaning to: each move's probability, the rubric's musts and must-nots, the criteria
weighted by the scenario, persona fit, the customer's stance and what the conversation already
did (asking again after the motive is out, apologising twice, probing a customer who agreed).
:class:`GradeModel` combines them linearly (weights fitted by ``scripts/train_scorer.py`` on the
multi-author corpus, refitted per deployment by ``coach calibrate``) into a grade on the 1-5
scale; :func:`to_score` maps it to 0-100 without clipping, so strong replies do not tie at 100.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.coach.reading import STANCES, Reading
from app.coach.rubric import Vocabulary, vocabulary
from app.domain import CRITERIA
from app.scenarios.schema import Scenario

GRADE_FILE = Path(__file__).with_name("model") / "grade.json"
GAMING_FLAGS = ("grader_instruction", "keyword_list", "echo", "playbook", "off_topic")
_TIME_MOVES = ("next_step", "honest_deferral", "close")
_VALUE_MOVES = ("value_quantified", "value_tailored", "solution", "evidence", "insight", "corrective_action")


def criterion_evidence(reading: Reading, vocab: Vocabulary) -> dict[str, tuple[float, float]]:
    """(evidence for, evidence against) each criterion, from the moves bearing on it."""
    out: dict[str, tuple[float, float]] = {}
    for c in CRITERIA:
        pos = [reading.top(m) for m in vocab.bearing(c, 1)]
        neg = [reading.top(m) for m in vocab.bearing(c, -1)]
        out[c] = (max(pos, default=0.0), max(neg, default=0.0))
    return out


def features(reading: Reading, scenario: Scenario, flags: list[str], vocab: Vocabulary | None = None) -> dict[str, float]:
    """Named features of one reading in ``scenario``; ``flags`` are the rule-based gaming flags."""
    v = vocab or vocabulary()
    f: dict[str, float] = {f"top:{m}": reading.top(m) for m in v.moves}
    good = [reading.top(m) for m in v.of_polarity("good")]
    f["bad"] = max((reading.top(m) for m in v.of_polarity("bad")), default=0.0)
    f["weak"] = max((reading.top(m) for m in v.of_polarity("weak")), default=0.0)
    f["gaming"] = max((reading.top(m) for m in v.of_polarity("gaming")), default=0.0)
    f["good_sum"] = min(sum(good), 4.0) / 4.0
    f["good_max"] = max(good, default=0.0)
    f["bad_x_good"] = f["bad"] * f["good_sum"]
    f["bad_sum"] = min(sum(reading.top(m) for m in v.of_polarity("bad")), 2.0)
    musts = [reading.any_of(v.fine(r.move)) for r in scenario.rubric.musts]
    f["must_met"] = min(musts, default=1.0)
    f["must_not"] = max((reading.any_of(v.fine(r.move)) for r in scenario.rubric.must_nots), default=0.0)
    ev = criterion_evidence(reading, v)
    total = sum(scenario.weight(c) for c in CRITERIA) or 1.0
    f["crit_for"] = sum(scenario.weight(c) * ev[c][0] for c in CRITERIA) / total
    f["crit_against"] = sum(scenario.weight(c) * ev[c][1] for c in CRITERIA) / total
    fit, misfit = v.persona_fit(scenario)
    f["fit"] = reading.any_of(fit)
    f["misfit"] = reading.any_of(misfit)
    for s in STANCES:
        f[f"stance:{s}"] = reading.stance.get(s, 0.0)
    st = reading.stage
    revealed = max(reading.stance.get("reveal", 0.0), st.customer("reveal"))
    agreed = max(reading.stance.get("agree", 0.0), st.customer("agree"))
    ready = min(1.0, agreed + 0.5 * reading.stance.get("warm", 0.0))
    time_before = max(st.rep(m) for m in _TIME_MOVES)
    probe = reading.top("probe")
    close = reading.any_of(("close", "next_step"))
    value = reading.any_of(_VALUE_MOVES)
    f["context"] = min(st.turns, 6) / 6.0
    f["before:probe"] = st.rep("probe")
    f["before:apology"] = st.rep("apology")
    f["before:time"] = time_before
    f["before:reveal"] = st.customer("reveal")
    f["before:agree"] = st.customer("agree")
    f["probe_x_ready"] = probe * ready
    f["probe_x_revealed"] = probe * revealed
    f["probe_x_opening"] = probe * reading.stance.get("object", 0.0) * (1.0 - f["context"])
    f["value_x_revealed"] = value * revealed
    f["close_x_ready"] = close * ready
    f["close_x_object"] = max(close, reading.top("pressure")) * reading.stance.get("object", 0.0)
    f["close_x_hesitate"] = reading.top("pressure") * reading.stance.get("hesitate", 0.0)
    f["apology_repeat"] = reading.top("apology") * st.rep("apology")
    f["time_repeat"] = reading.any_of(("next_step", "honest_deferral")) * time_before
    f["empathy_x_object"] = reading.top("empathy") * reading.stance.get("object", 0.0)
    f["sentences"] = math.log1p(len(reading.sentences)) / 3.0
    # relevance to the customer's line, and replies that do no work (chat, restating, echoing)
    rel = reading.relevance
    f["rel_max"] = float(rel.max()) if len(rel) else 0.0
    f["rel_mean"] = float(rel.mean()) if len(rel) else 0.0
    idle = {"small_talk", "off_topic", "restate", "check", "echo"}
    work = max((reading.top(m) for m in v.moves if m not in idle and v.moves[m].polarity != "gaming"), default=0.0)
    f["no_work"] = 1.0 - work
    f["restate_only"] = max(reading.top("restate"), reading.top("echo")) * (1.0 - work)
    f["chat_only"] = max(reading.top("small_talk"), reading.top("off_topic")) * (1.0 - work)
    # the reply-level head's own reading of the whole reply (0 when unknown)
    f["direct"] = 0.0 if reading.direct is None else (reading.direct - 3.0) / 2.0
    for flag in GAMING_FLAGS:
        f[f"flag:{flag}"] = 1.0 if flag in flags else 0.0
    return f


@dataclass(frozen=True)
class GradeModel:
    """A linear combination of standardised features: grade = bias + sum(w * (x - mean) / scale)."""

    names: tuple[str, ...]
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    bias: float
    meta: dict[str, str]
    stretch: float = 1.0
    """Spread around grade 3 that undoes least squares' pull towards the middle (ranking unchanged)."""

    def grade(self, feats: dict[str, float]) -> float:
        """The grade (about 1-5, unbounded) for ``feats``."""
        x = np.array([feats.get(n, 0.0) for n in self.names], dtype=np.float64)
        raw = float(self.bias + ((x - self.mean) / self.scale) @ self.weights)
        return 3.0 + self.stretch * (raw - 3.0)

    def to_json(self) -> str:
        """The model as JSON (the file format of ``grade.json``)."""
        return json.dumps(
            {
                "names": list(self.names),
                "weights": [round(float(w), 6) for w in self.weights],
                "mean": [round(float(w), 6) for w in self.mean],
                "scale": [round(float(w), 6) for w in self.scale],
                "bias": round(self.bias, 6),
                "stretch": round(self.stretch, 4),
                "meta": self.meta,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> GradeModel:
        """Parse :meth:`to_json` output."""
        d = json.loads(text)
        return cls(
            tuple(d["names"]),
            np.array(d["weights"], dtype=np.float64),
            np.array(d["mean"], dtype=np.float64),
            np.array(d["scale"], dtype=np.float64),
            float(d["bias"]),
            {str(k): str(v) for k, v in d.get("meta", {}).items()},
            float(d.get("stretch", 1.0)),
        )

    @classmethod
    def load(cls, path: Path = GRADE_FILE) -> GradeModel:
        """Read a grade model file."""
        return cls.from_json(path.read_text(encoding="utf-8"))


def fit_ridge(rows: list[dict[str, float]], grades: list[float], *, alpha: float = 3.0, weights: list[float] | None = None) -> GradeModel:
    """Least squares with an L2 penalty on standardised features (numpy only, used by calibrate too)."""
    names = tuple(rows[0].keys())
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=np.float64)
    y = np.array(grades, dtype=np.float64)
    sw = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = np.average(x, axis=0, weights=sw)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=sw))
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    bias = float(np.average(y, weights=sw))
    zw = z * np.sqrt(sw)[:, None]
    yw = (y - bias) * np.sqrt(sw)
    w = np.linalg.solve(zw.T @ zw + alpha * np.eye(len(names)), zw.T @ yw)
    return GradeModel(names, w, mean, scale, bias, {})


def fit_stretch(model: GradeModel, rows: list[dict[str, float]], grades: list[float]) -> float:
    """The spread (1.0-1.8) whose bands agree best with ``grades``: exact plus within one.

    One number, chosen on the fitted rows; it changes which band a reply lands in, never the
    order of two replies.
    """
    from app.domain import band_for

    raw = [model.grade(r) for r in rows]
    best, best_k = -1.0, 1.0
    for k in np.arange(1.0, 1.81, 0.05):
        bands = np.array([band_for(round(to_score(3.0 + k * (g - 3.0)))) for g in raw])
        y = np.asarray(grades)
        value = float((bands == y).mean() + (np.abs(bands - y) <= 1).mean())
        if value > best + 1e-9:
            best, best_k = value, float(k)
    return best_k


def to_score(grade: float) -> float:
    """Grade (1-5 scale) → 0-100: linear through the band centres, soft at both ends.

    Grades 1.5-4.5 map linearly onto 20-80 (band edges half-way between grades); beyond them
    the scale bends smoothly towards 0 and 100 without reaching them, so the strongest replies
    keep their order instead of tying at 100.
    """
    if grade > 4.5:
        return 80.0 + 20.0 * (1.0 - math.exp(-(grade - 4.5) / 0.8))
    if grade < 1.5:
        return 20.0 * math.exp((grade - 1.5) / 0.8)
    return 20.0 * (grade - 0.5)
