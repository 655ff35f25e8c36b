"""Agreement between coach scores and graders' grades, with bootstrap intervals.

Used by ``scripts/eval_scoring.py``, ``coach calibrate`` and the trainer console's agreement
panel, so every surface reports the same numbers the same way.

* Spearman between grade (1-5) and score (0-100);
* pairwise order: within one customer line, over pairs whose grades differ by 2 or more, the
  share the score orders the same way (ties count half);
* band exact and within one: the score's band (GUIDE section 3) against the grade.

Intervals resample whole customer lines (the items of one line are not independent).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from app.domain import band_for


@dataclass(frozen=True)
class Agreement:
    """Point estimates and 95% intervals; ``n`` items."""

    n: int
    spearman: float
    pairwise: float
    exact: float
    within_one: float
    ci: dict[str, tuple[float, float]]

    def row(self) -> str:
        """One Markdown table row's cells."""
        def cell(name: str, value: float) -> str:
            lo, hi = self.ci.get(name, (float("nan"), float("nan")))
            return f"{value:.3f} [{lo:.2f}, {hi:.2f}]"

        return " | ".join(
            [str(self.n), cell("spearman", self.spearman), cell("pairwise", self.pairwise), cell("exact", self.exact), cell("within_one", self.within_one)]
        )


def _point(grades: Sequence[int], scores: Sequence[float], groups: Sequence[str]) -> dict[str, float]:
    g = np.asarray(grades, dtype=float)
    s = np.asarray(scores, dtype=float)
    rho = float(spearmanr(g, s).statistic) if len(set(grades)) > 1 and len(set(scores)) > 1 else float("nan")
    by: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(groups):
        by[key].append(i)
    agree = total = 0.0
    for idx in by.values():
        for a in idx:
            for b in idx:
                if g[a] - g[b] >= 2:
                    total += 1
                    agree += 1.0 if s[a] > s[b] else 0.5 if s[a] == s[b] else 0.0
    bands = np.array([band_for(int(round(x))) for x in s])
    return {
        "spearman": rho,
        "pairwise": agree / total if total else float("nan"),
        "exact": float((bands == g).mean()) if len(g) else float("nan"),
        "within_one": float((np.abs(bands - g) <= 1).mean()) if len(g) else float("nan"),
    }


def agreement(grades: Sequence[int], scores: Sequence[float], groups: Sequence[str] | None = None, *, boot: int = 1000, seed: int = 7) -> Agreement:
    """Agreement of ``scores`` with ``grades``; ``groups`` name each item's customer line."""
    groups = list(groups) if groups is not None else [str(i) for i in range(len(grades))]
    point = _point(grades, scores, groups)
    keys = sorted(set(groups))
    members: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(groups):
        members[k].append(i)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = defaultdict(list)
    for b in range(boot if len(keys) > 1 else 0):
        idx: list[int] = []
        names: list[str] = []
        for j in range(len(keys)):
            k = keys[rng.randrange(len(keys))]
            idx += members[k]
            names += [f"{k}#{j}"] * len(members[k])
        est = _point([grades[i] for i in idx], [scores[i] for i in idx], names)
        for name, v in est.items():
            if not np.isnan(v):
                samples[name].append(v)
        del b
    ci = {name: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for name, v in samples.items() if v}
    return Agreement(len(grades), point["spearman"], point["pairwise"], point["exact"], point["within_one"], ci)
