"""The grade scale, the fitted combination and their file format."""

from __future__ import annotations

import numpy as np

from app.coach.grading import GradeModel, fit_ridge, to_score
from app.domain import band_for


def test_to_score_is_monotone_and_never_clips() -> None:
    grades = np.linspace(-3, 9, 400)
    scores = [to_score(float(g)) for g in grades]
    assert all(b > a for a, b in zip(scores, scores[1:], strict=False))
    assert min(scores) > 0 and max(scores) < 100


def test_band_edges_sit_between_grades() -> None:
    for grade in (1, 2, 3, 4, 5):
        assert band_for(round(to_score(grade))) == grade


def test_fit_ridge_recovers_a_linear_rule_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    rows = [{"a": float(x), "b": float(y)} for x, y in rng.normal(size=(200, 2))]
    grades = [3 + 1.5 * r["a"] - 0.5 * r["b"] for r in rows]
    model = fit_ridge(rows, grades, alpha=0.01)
    assert abs(model.grade({"a": 1.0, "b": 0.0}) - 4.5) < 0.05
    again = GradeModel.from_json(model.to_json())
    assert abs(again.grade({"a": 0.3, "b": -1.0}) - model.grade({"a": 0.3, "b": -1.0})) < 1e-4
