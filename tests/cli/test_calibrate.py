"""`coach calibrate`: before/after agreement, adoption rules, --dry-run, --json, and the scorer picking it up.

A SQLite data dir is seeded once with real practice sessions (the real scorer, fake
embeddings) whose replies a "trainer" reviewed with scores deliberately turned around
(100 minus the coach's), so a refit must beat the shipped model; each test works on a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from app.cli.main import build_cli
from app.config import Settings, load_settings
from app.db.engine import Database
from app.db.repository import Repository
from app.services.container import Services, calibration_file
from app.services.sessions import SessionClosedError

REPLIES = [
    "理解您的顾虑。方便说说您主要是拿哪几项在和别家比较吗？",
    "那我给您打九折吧。",
    "我们的产品就是最好的，别家都是便宜货。",
    "您说得对，价格确实是要考虑的。我们的服务包含三年上门维修，算下来每年省不少。",
    "好的。",
    "这个我得回去问问领导，回头再答复您可以吗？",
    "除了价格，您最看重的是稳定性还是售后？",
    "我们上季度给同行业客户部署后，故障率降了三成，要不要我把案例发您看看？",
]
TARGET = 36


def seed_reviews(settings: Settings, services: Services) -> list[tuple[int, int]]:
    """Play sessions until TARGET replies are scored; review each as 100 minus the coach's score."""
    database = services.database
    database.migrate()
    practice = services.practice
    pairs: list[tuple[int, int]] = []
    with database.session() as db:
        repo = Repository(db)
        rep = repo.get_or_create_user("rep", "小王")
        trainer = repo.get_or_create_user("trainer", "培训师", role="trainer")
        seed = 0
        while len(pairs) < TARGET:
            seed += 1
            ps = practice.start(rep, "price-objection", seed=seed)
            for i in range(3):
                text = REPLIES[(seed * 3 + i) % len(REPLIES)]
                try:
                    out = practice.reply(rep, ps.id, text)
                except SessionClosedError:
                    break
                grade = 100 - out.score.score
                repo.upsert_review(ps.id, trainer.id, out.rep_message.id, grade, "", None)
                repo.db.commit()
                pairs.append((out.score.score, grade))
                if len(pairs) >= TARGET or out.done:
                    break
    database.dispose()
    return pairs


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, coach_services: Services) -> Path:
    """A data dir holding TARGET reviewed replies (the template each test copies)."""
    data = tmp_path_factory.mktemp("calibrate") / "data"
    settings = load_settings(data_dir=data, embedding_backend="fake")
    pairs = seed_reviews(settings, Services(settings, embeddings=coach_services.embeddings, retriever=coach_services.retriever))
    assert len(pairs) == TARGET and len({c for c, _ in pairs}) > 5  # the coach's scores vary
    return data


@pytest.fixture
def data_dir(seeded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(seeded, copy)
    return copy


def run(data_dir: Path, *args: str) -> Any:
    env = {"COACH_DATA_DIR": str(data_dir), "COACH_EMBEDDING_BACKEND": "fake"}
    return CliRunner().invoke(build_cli(), ["calibrate", "--boot", "50", *args], env=env)


def grade_file(data_dir: Path) -> Path:
    return calibration_file(load_settings(data_dir=data_dir))


def test_dry_run_reports_before_and_after_and_writes_nothing(data_dir: Path) -> None:
    result = run(data_dir, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["reviews"] == TARGET and out["before"]["n"] == TARGET and out["after"]["n"] == TARGET
    assert out["folds"] == 5 and out["sessions"] >= 5 and out["model"] == "shipped"
    assert out["before"]["spearman"] < 0 < out["after"]["spearman"]  # the trainers turned the scale around
    assert out["improved"] and not out["adopted"] and out["decision"] == "dry_run" and out["path"] is None
    assert not grade_file(data_dir).exists()


def test_before_is_the_score_the_reps_were_shown(data_dir: Path) -> None:
    """Re-judging with the context the engine used reproduces the stored scores exactly."""
    from app.services.agreement import agreement_report, reviewed_replies

    database = Database(f"sqlite:///{data_dir / 'coach.db'}")
    with database.session() as db:
        panel = agreement_report(reviewed_replies(Repository(db)), boot=50)
    database.dispose()
    out = json.loads(run(data_dir, "--dry-run", "--json").stdout)
    assert out["before"]["spearman"] == pytest.approx(panel["overall"]["spearman"], abs=1e-3)
    assert out["before"]["within_one"] == pytest.approx(panel["overall"]["within_one"], abs=1e-3)


def test_readable_report_in_chinese_and_english(data_dir: Path) -> None:
    zh = run(data_dir, "--dry-run")
    assert zh.exit_code == 0
    assert f"已复盘的回复 {TARGET} 条" in zh.stdout
    assert f"之前（出厂模型）：n={TARGET}" in zh.stdout and f"之后（交叉验证重新拟合）：n={TARGET}" in zh.stdout
    assert "--dry-run，未写入任何文件" in zh.stdout
    en = run(data_dir, "--dry-run", "--lang", "en")
    assert f"before (shipped model): n={TARGET}" in en.stdout and f"after (cross-validated refit): n={TARGET}" in en.stdout


def test_too_few_reviews_are_not_adopted(data_dir: Path) -> None:
    result = run(data_dir, "--min-reviews", "100")
    assert result.exit_code == 0
    assert f"复盘只有 {TARGET} 条（少于 100 条），暂不采用" in result.stdout
    assert not grade_file(data_dir).exists()


def test_adopted_refit_is_written_and_used_by_a_new_scorer(data_dir: Path, coach_services: Services) -> None:
    result = run(data_dir)
    assert result.exit_code == 0, result.output
    path = grade_file(data_dir)
    assert path.is_file() and str(path) in result.stdout and "已采用新模型" in result.stdout
    assert not list(path.parent.glob("*.tmp"))

    settings = load_settings(data_dir=data_dir, embedding_backend="fake")
    fresh = Services(settings, embeddings=coach_services.embeddings, retriever=coach_services.retriever)
    assert fresh.scorer.model.meta["source"] == "coach calibrate"
    assert fresh.scorer.model.meta["reviews"] == str(TARGET)
    # The deployment's (turned-around) trainers now decide the order of replies.
    shipped = [coach_services.scorer.judge("price-objection", "太贵了", r).score for r in REPLIES]
    adopted = [fresh.scorer.judge("price-objection", "太贵了", r).score for r in REPLIES]
    assert spearmanr(shipped, adopted).statistic < 0

    again = json.loads(run(data_dir, "--json", "--dry-run").stdout)
    assert again["model"] == "calibrated" and again["before"]["spearman"] > 0


def test_no_reviews_is_bad_input_in_the_users_language(tmp_path: Path) -> None:
    result = run(tmp_path / "empty")
    assert result.exit_code == 2 and "还没有可用于校准的复盘" in result.stderr
    result = run(tmp_path / "empty", "--lang", "en")
    assert result.exit_code == 2 and "nothing to calibrate on" in result.stderr
    assert run(tmp_path / "empty", "--lang", "fr").exit_code == 2
    assert run(tmp_path / "empty", "--min-reviews", "0").exit_code == 2
