"""`coach users add|list|disable|enable|reset`, and `coach serve` refusing unsafe account settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from app.auth.passwords import verify_password
from app.cli.main import build_cli
from app.config import REPO_ROOT
from app.db.engine import Database
from app.db.repository import Repository


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_cli(), list(args), env=env, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def users_json(env: dict[str, str]) -> dict[str, dict[str, object]]:
    code, out, _ = invoke(env, "users", "list", "--json")
    assert code == 0
    return {row["name"]: row for row in json.loads(out)}


def stored_hash(data_dir: Path, name: str) -> str | None:
    database = Database(f"sqlite:///{data_dir / 'coach.db'}")
    try:
        with database.session() as db:
            user = Repository(db).user_by_name(name)
            assert user is not None
            return user.password_hash
    finally:
        database.dispose()


def test_add_list_disable_enable_reset(tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    code, _, err = invoke(env, "users", "add", "li.lei", "--role", "trainer", "--team", "华东", "--password-stdin",
                          stdin="first password\n")  # fmt: skip
    assert code == 0, err
    assert invoke(env, "users", "add", "han.mei", "--team", "华东")[0] == 0  # no password: cannot sign in yet
    rows = users_json(env)
    assert rows["li.lei"] == {"name": "li.lei", "display_name": "li.lei", "role": "trainer", "team": "华东",
                              "disabled": False, "has_password": True}  # fmt: skip
    assert rows["han.mei"]["role"] == "rep" and rows["han.mei"]["has_password"] is False
    assert verify_password("first password", stored_hash(tmp_path / "data", "li.lei"))
    assert "first password" not in (stored_hash(tmp_path / "data", "li.lei") or "")

    code, _, err = invoke(env, "users", "add", "li.lei", "--password-stdin", stdin="other password\n")
    assert code == 1 and "already exists" in err

    assert invoke(env, "users", "disable", "li.lei")[0] == 0
    assert users_json(env)["li.lei"]["disabled"] is True
    code, _, err = invoke(env, "users", "reset", "li.lei", "--password-stdin", stdin="second password\n")
    assert code == 0, err
    assert verify_password("second password", stored_hash(tmp_path / "data", "li.lei"))
    assert users_json(env)["li.lei"]["disabled"] is True  # a reset does not re-enable
    assert invoke(env, "users", "enable", "li.lei")[0] == 0
    assert users_json(env)["li.lei"]["disabled"] is False

    code, out, _ = invoke(env, "users", "list")
    assert code == 0 and "li.lei\ttrainer\t华东\tactive" in out


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    code, _, err = invoke(env, "users", "add", "x", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 8" in err
    code, _, err = invoke(env, "users", "disable", "nobody")
    assert code == 1 and "no user" in err
    assert invoke(env, "users", "add", "y", "--role", "boss")[0] == 2  # not rep|trainer|admin


def serve(tmp_path: Path, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k not in ("COACH_AUTH", "COACH_SECRET_KEY", "COACH_HOST")}
    env = {**inherited, "COACH_DATA_DIR": str(tmp_path / "data"), "COACH_EMBEDDING_BACKEND": "fake", **extra}
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", "serve", "--port", "1", *args], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_serve_refuses_a_public_interface_without_accounts(tmp_path: Path) -> None:
    result = serve(tmp_path, {}, "--host", "0.0.0.0")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "COACH_AUTH=off" in lines[0] and "Traceback" not in result.stderr


def test_serve_refuses_a_placeholder_secret_key(tmp_path: Path) -> None:
    for key in ("change-me", "", "too-short-but-random-4f9a"):
        result = serve(tmp_path, {"COACH_AUTH": "password", "COACH_SECRET_KEY": key}, "--host", "0.0.0.0")
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "COACH_SECRET_KEY" in lines[0] and "Traceback" not in result.stderr


def test_link_points_a_slack_identity_at_an_account(tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    assert runner.invoke(build_cli(), ["users", "add", "ann", "--role", "rep", "--password-stdin"], input="correct horse 1\n", env=env).exit_code == 0
    assert runner.invoke(build_cli(), ["users", "link", "ann", "--slack", "U0ANN"], env=env).exit_code == 0
    assert runner.invoke(build_cli(), ["users", "link", "nobody", "--slack", "U1"], env=env).exit_code != 0
    assert runner.invoke(build_cli(), ["users", "link", "ann"], env=env).exit_code == 2
    database = Database(f"sqlite:///{tmp_path / 'data' / 'coach.db'}")
    with database.session() as db:
        assert Repository(db).user_for_identity("slack", "U0ANN", "Ann").name == "ann"
    database.dispose()
