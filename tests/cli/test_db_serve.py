"""`coach db upgrade`, and what `coach serve` refuses before it listens (one clear line each)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import build_cli
from app.config import REPO_ROOT
from app.db.engine import Database
from app.db.migrate import current_revision, head_revision


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args], cwd=REPO_ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_db_upgrade_migrates_and_current_reports_it(tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    before = runner.invoke(build_cli(), ["db", "current"], env=env)
    assert before.exit_code == 0 and "coach db upgrade" in before.stdout
    up = runner.invoke(build_cli(), ["db", "upgrade"], env=env)
    assert up.exit_code == 0, up.output
    database = Database(f"sqlite:///{tmp_path / 'data' / 'coach.db'}")
    assert current_revision(database.engine) == head_revision()
    database.dispose()
    again = runner.invoke(build_cli(), ["db", "upgrade"], env=env)
    assert again.exit_code == 0
    assert "coach db upgrade" not in runner.invoke(build_cli(), ["db", "current"], env=env).stdout


def test_serve_with_workers_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_EMBEDDING_BACKEND": "fake"}
    result = run(env, "serve", "--workers", "2", "--port", "1")
    assert result.returncode != 0
    assert "coach db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_the_llm_engine_without_an_endpoint(tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_EMBEDDING_BACKEND": "fake", "COACH_ENGINE": "llm"}
    env["COACH_LLM_BASE_URL"] = ""
    result = run(env, "serve", "--port", "1")
    assert result.returncode != 0
    assert "COACH_LLM_BASE_URL" in result.stderr and "Traceback" not in result.stderr
