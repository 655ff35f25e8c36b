"""Refit the scorer's grade combination on this deployment's trainer reviews (``coach calibrate``).

The shipped combination (``app/coach/model/grade.json``) was fitted on a multi-author corpus; a
team's trainers may weigh things differently (a stricter view of discounts, more credit for
quantified value).  Their review scores are exactly the labels needed to adapt it, but a refit
on a few dozen replies can just as easily overfit, so it is only adopted when it *predicts*
the trainers better than the current model on replies it was not fitted on:

1. every trainer review of one rep reply with a score is a row (:func:`reviewed_replies`); its
   target is the trainer's band (1-5) and its features are the judge's, re-read with the
   reply's context exactly as the role-play engine scored it;
2. K-fold cross-validation grouped by session (k = min(5, sessions)), so replies of one
   conversation never sit on both sides;
3. "before" is the current model's agreement (the judge's score), "after" the cross-validated
   refit's; better means a higher Spearman, then a higher within-one share;
4. adopted only when better and there are at least ``min_reviews`` rows: then refitted on all
   rows and written atomically to ``DATA_DIR/calibration/grade.json``, which
   :class:`app.services.container.Services` loads for every later scorer.

Gaming caps stay hard limits: a refit score is capped like the judge's.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.coach.grading import GradeModel, fit_ridge, to_score
from app.coach.metrics import Agreement, agreement
from app.db.repository import Repository
from app.domain import band_for
from app.scenarios.loader import UnknownScenarioError
from app.services.agreement import reviewed_replies
from app.services.container import Services, calibration_file

MAX_FOLDS = 5
ALPHA = 3.0


class CalibrationError(ValueError):
    """Nothing to calibrate on; ``key`` names the message (``app.cli.calibrate`` words it)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Row:
    """One reviewed reply ready for fitting: its features, caps, current score and target."""

    session_id: str
    group: str
    features: dict[str, float]
    caps: tuple[int, ...]
    score: int
    grade: int


@dataclass(frozen=True)
class Calibration:
    """What ``coach calibrate`` found and did."""

    reviews: int
    sessions: int
    folds: int
    skipped: int
    model: str  # "shipped" or "calibrated": what "before" was scored with
    before: Agreement
    after: Agreement | None
    improved: bool
    adopted: bool
    decision: str  # adopted | dry_run | not_improved | too_few | one_session
    min_reviews: int
    path: Path

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary printed by ``--json``."""
        return {
            "reviews": self.reviews,
            "sessions": self.sessions,
            "folds": self.folds,
            "skipped": self.skipped,
            "model": self.model,
            "before": agreement_json(self.before),
            "after": agreement_json(self.after) if self.after is not None else None,
            "improved": self.improved,
            "adopted": self.adopted,
            "decision": self.decision,
            "min_reviews": self.min_reviews,
            "path": str(self.path) if self.adopted else None,
        }


def _num(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


def agreement_json(a: Agreement) -> dict[str, Any]:
    """An Agreement as JSON (NaN → null)."""
    return {
        "n": a.n,
        "spearman": _num(a.spearman),
        "exact": _num(a.exact),
        "within_one": _num(a.within_one),
        "pairwise": _num(a.pairwise),
        "ci": {k: [_num(lo), _num(hi)] for k, (lo, hi) in a.ci.items()},
    }


def better(after: Agreement, before: Agreement) -> bool:
    """Whether ``after`` agrees more: Spearman first, then within-one (undefined counts as worst)."""

    def key(a: Agreement) -> tuple[float, float]:
        sp, w1 = (-math.inf if math.isnan(v) else round(v, 4) for v in (a.spearman, a.within_one))
        return sp, w1

    return key(after) > key(before)


def judged_rows(services: Services, repo: Repository) -> tuple[list[Row], int]:
    """The reviewed replies judged by the current model, and how many were skipped (scenario gone)."""
    from app.coach.scorer import ReplyScorer

    # A judge-only scorer: citations need the search index, which judging does not.
    scorer = ReplyScorer(
        services.scenarios, services.reader_embeddings, None,
        max_chars=services.settings.max_message_chars, grade_model=services.grade_model,
    )  # fmt: skip
    rows: list[Row] = []
    skipped = 0
    cache: dict[int, Any] = {}
    for r in reviewed_replies(repo):
        if r.message_id not in cache:
            try:
                cache[r.message_id] = scorer.judge(r.scenario_id, r.customer, r.reply, r.context)
            except (UnknownScenarioError, ValueError):
                cache[r.message_id] = None
        j = cache[r.message_id]
        if j is None:
            skipped += 1
            continue
        rows.append(Row(r.session_id, r.customer, j.features, tuple(j.caps.values()), j.score, band_for(r.trainer_score)))
    return rows, skipped


def refit_score(model: GradeModel, row: Row) -> int:
    """A row's score under ``model``, gaming caps applied as the judge applies them."""
    return int(round(min([to_score(model.grade(row.features)), *row.caps])))


def cross_validated(rows: list[Row], folds: int, *, alpha: float = ALPHA, seed: int = 7) -> list[int]:
    """Each row's score from a refit on the other folds (folds are whole sessions, seeded shuffle)."""
    sessions = sorted({r.session_id for r in rows})
    random.Random(seed).shuffle(sessions)
    fold_of = {s: i % folds for i, s in enumerate(sessions)}
    scores = [0] * len(rows)
    for f in range(folds):
        train = [r for r in rows if fold_of[r.session_id] != f]
        model = fit_ridge([r.features for r in train], [float(r.grade) for r in train], alpha=alpha)
        for i, r in enumerate(rows):
            if fold_of[r.session_id] == f:
                scores[i] = refit_score(model, r)
    return scores


def write_model(model: GradeModel, path: Path) -> None:
    """Write ``model`` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".grade-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(model.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def calibrate(
    services: Services, repo: Repository, *, min_reviews: int = 30, dry_run: bool = False, boot: int = 1000
) -> Calibration:
    """Compare the current model with a cross-validated refit on the reviews; adopt the refit when better.

    Raises CalibrationError("no_reviews") when no reply has a trainer score, ("no_usable") when
    none of them can be judged any more (their scenarios were deleted).
    """
    rows, skipped = judged_rows(services, repo)
    if not rows:
        raise CalibrationError("no_usable" if skipped else "no_reviews")
    grades = [r.grade for r in rows]
    groups = [r.group for r in rows]
    before = agreement(grades, [r.score for r in rows], groups, boot=boot)
    sessions = len({r.session_id for r in rows})
    folds = min(MAX_FOLDS, sessions)
    after = None
    if folds >= 2:
        after = agreement(grades, cross_validated(rows, folds), groups, boot=boot)
    improved = after is not None and better(after, before)
    if after is None:
        decision = "one_session"
    elif not improved:
        decision = "not_improved"
    elif len(rows) < min_reviews:
        decision = "too_few"
    else:
        decision = "dry_run" if dry_run else "adopted"
    path = calibration_file(services.settings)
    if decision == "adopted":
        assert after is not None
        model = fit_ridge([r.features for r in rows], [float(r.grade) for r in rows], alpha=ALPHA)
        meta = {
            "source": "coach calibrate",
            "reviews": str(len(rows)),
            "sessions": str(sessions),
            "alpha": str(ALPHA),
            "spearman_before": f"{before.spearman:.4f}",
            "spearman_after": f"{after.spearman:.4f}",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_model(GradeModel(model.names, model.weights, model.mean, model.scale, model.bias, meta), path)
    return Calibration(
        reviews=len(rows),
        sessions=sessions,
        folds=folds if folds >= 2 else 0,
        skipped=skipped,
        model="calibrated" if services.grade_model is not None else "shipped",
        before=before,
        after=after,
        improved=improved,
        adopted=decision == "adopted",
        decision=decision,
        min_reviews=min_reviews,
        path=path,
    )
