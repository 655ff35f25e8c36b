"""The agreement panel's numbers: the same metrics as the lab evaluation, from stored reviews and scores.

Real SQLite and real PostgreSQL; coach scores are written directly (known values) so every
number can be checked against :func:`app.coach.metrics.agreement` by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.coach.metrics import agreement
from app.db.engine import Database
from app.db.models import User
from app.db.repository import Repository
from app.domain import CriterionScore, RoleplaySession, ScoreResult, Turn, band_for
from app.services.agreement import MIN_N, agreement_report, reviewed_replies


@pytest.fixture
def repo(db_url: str) -> Iterator[Repository]:
    database = Database(db_url)
    database.migrate()
    with database.session() as s:
        yield Repository(s)
    database.dispose()


def _state(scenario: str) -> RoleplaySession:
    return RoleplaySession(
        scenario_id=scenario, seed=1, motive_id="m", state_id="opening", transcript=[Turn(role="customer", text="开场")]
    )


def _result(score: int, probe: int | None) -> ScoreResult:
    return ScoreResult(
        score=score,
        band=band_for(score),
        criteria=[CriterionScore(id="probe", score=probe, comment=""), CriterionScore(id="empathy", score=None, comment="")],
        feedback="",
        better_reply="",
        citations=[],
    )


def seed(repo: Repository, trainer: User, scenario: str, customer: str, pairs: list[tuple[int, int, dict[str, int] | None, int | None]]) -> str:
    """One session: customer line, then per pair (coach score, trainer score, trainer criteria, coach probe) a rep reply."""
    ps = repo.create_session(repo.get_or_create_user("rep", "小王").id, _state(scenario))
    repo.db.flush()
    for i, (coach, grade, crit, probe) in enumerate(pairs):
        repo.add_message(ps, "customer", f"{customer}{i}" if i else customer)
        m = repo.add_message(ps, "rep", f"回复{i}")
        repo.add_score(m, _result(coach, probe))
        repo.upsert_review(ps.id, trainer.id, m.id, grade, "", crit)
    repo.db.commit()
    return ps.id


def test_rows_carry_the_customer_line_and_the_context_the_engine_used(repo: Repository) -> None:
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    sid = seed(repo, trainer, "price-objection", "太贵了", [(70, 60, {"probe": 90}, 80), (30, 20, None, None)])
    rows = reviewed_replies(repo)
    assert [(r.session_id, r.seq, r.customer) for r in rows] == [(sid, 1, "太贵了"), (sid, 3, "太贵了1")]
    assert rows[0].context == []
    assert rows[1].context == [{"role": "customer", "text": "太贵了"}, {"role": "rep", "text": "回复0"}]
    assert rows[0].trainer_criteria == {"probe": 90} and rows[0].coach_criteria == {"probe": 80, "empathy": None}
    assert (rows[1].coach_score, rows[1].trainer_score) == (30, 20)


def test_report_matches_the_metrics_and_hides_small_rows(repo: Repository) -> None:
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    price = [(80, 90, {"probe": 85}, 90), (60, 55, {"probe": 50}, 40), (20, 15, {"probe": 10}, 20),
             (45, 70, {"probe": 70}, None), (90, 85, None, 70), (35, 40, {"probe": 30}, 35)]  # fmt: skip
    closing = [(50, 60, None, None), (75, 30, None, None)]
    seed(repo, trainer, "price-objection", "太贵了", price[:3])
    seed(repo, trainer, "price-objection", "太贵了", price[3:])
    seed(repo, trainer, "closing", "再考虑一下", closing)
    report = agreement_report(reviewed_replies(repo), boot=50)

    every = price[:3] + price[3:] + closing
    groups = ["太贵了", "太贵了1", "太贵了2"] * 2 + ["再考虑一下", "再考虑一下1"]
    expected = agreement([band_for(t) for _, t, _, _ in every], [float(c) for c, _, _, _ in every], groups, boot=50)
    overall = report["overall"]
    assert overall["n"] == 8 and overall["enough"]
    assert overall["spearman"] == pytest.approx(expected.spearman, abs=1e-3)
    assert overall["exact"] == pytest.approx(expected.exact, abs=1e-3)
    assert overall["within_one"] == pytest.approx(expected.within_one, abs=1e-3)
    assert set(overall["ci"]) >= {"spearman", "exact", "within_one"}

    by_scenario = {r["key"]: r for r in report["scenarios"]}
    assert by_scenario["price-objection"]["n"] == 6 and by_scenario["price-objection"]["spearman"] is not None
    assert by_scenario["closing"]["n"] == 2 and by_scenario["closing"]["spearman"] is None  # fewer than MIN_N
    assert not by_scenario["closing"]["enough"] and MIN_N == 5

    crit = {r["key"]: r for r in report["criteria"]}
    # probe: graded by the trainer on 5 replies, one of which the coach left unknown → 4 rows: too few.
    assert crit["probe"]["n"] == 4 and crit["probe"]["spearman"] is None
    assert crit["empathy"]["n"] == 0 and list(crit) == ["probe", "empathy", "value", "honesty", "adapt", "next-step", "composure"]


def test_per_criterion_rows_compare_trainer_band_with_coach_criterion_score(repo: Repository) -> None:
    trainer = repo.get_or_create_user("t", "培训师", role="trainer")
    pairs = [(50, 50, {"probe": p}, p) for p in (10, 30, 50, 70, 90)]
    seed(repo, trainer, "price-objection", "太贵了", pairs)
    crit = {r["key"]: r for r in agreement_report(reviewed_replies(repo), boot=20)["criteria"]}
    assert crit["probe"]["n"] == 5
    assert crit["probe"]["spearman"] == pytest.approx(1.0) and crit["probe"]["exact"] == 1.0


def test_empty_deployment(repo: Repository) -> None:
    report = agreement_report(reviewed_replies(repo))
    assert report["overall"]["n"] == 0 and report["overall"]["spearman"] is None
    assert report["scenarios"] == [] and all(r["n"] == 0 for r in report["criteria"])
