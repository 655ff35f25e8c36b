"""`coach scenarios`: the JSON listing contract, trainer directories and `validate`.

Most tests drive the real Typer app in-process (CliRunner on build_cli());
one runs the installed entry point in a subprocess to prove the contract the
web app, the bots and external checks rely on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli.main import build_cli
from app.config import REPO_ROOT

FIXTURE = Path(__file__).with_name("printer-upgrade.yaml")
BUILTIN_IDS = [p.stem for p in sorted((REPO_ROOT / "knowledge" / "scenarios").glob("*.yaml"))]


@pytest.fixture
def trainer_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty trainer directory wired in through the environment, as a deployment would."""
    d = tmp_path / "trainer"
    d.mkdir()
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_SCENARIOS_DIR", str(d))
    monkeypatch.delenv("COACH_LANGUAGE", raising=False)
    monkeypatch.delenv("COACH_KNOWLEDGE_DIR", raising=False)
    return d


def _run(*args: str) -> Any:
    return CliRunner().invoke(build_cli(), ["scenarios", *args], catch_exceptions=False)


def _listing(*args: str) -> list[dict[str, Any]]:
    result = _run("--json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def _copy_fixture(dest: Path, scenario_id: str = "printer-upgrade") -> Path:
    text = FIXTURE.read_text(encoding="utf-8").replace("id: printer-upgrade", f"id: {scenario_id}", 1)
    path = dest / f"{scenario_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_json_lists_builtin_scenarios_with_contract_fields(trainer_dir: Path) -> None:
    data = _listing()
    assert [s["id"] for s in data] == BUILTIN_IDS
    for s in data:
        assert {
            "id",
            "title",
            "opening",
            "openings",
            "persona",
            "difficulty",
            "practises",
            "criteria",
        } <= set(s)
        assert s["opening"] == s["openings"][0] and len(s["openings"]) >= 3
        assert {"name", "company", "role", "background"} <= set(s["persona"])
        assert s["title"] == s["title_zh"]


def test_english_titles_with_lang_en(trainer_dir: Path) -> None:
    data = _listing("--lang", "en")
    assert data and all(s["title"] == s["title_en"] and s["title_en"] for s in data)


def test_bad_lang_is_a_usage_error(trainer_dir: Path) -> None:
    result = _run("--json", "--lang", "fr")
    assert result.exit_code == 2
    assert "--lang" in result.stderr


def test_table_output_shows_every_scenario(trainer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    _copy_fixture(trainer_dir)
    result = _run("--lang", "en")
    assert result.exit_code == 0
    for scenario_id in [*BUILTIN_IDS, "printer-upgrade"]:
        assert f" {scenario_id} " in result.stdout
    assert "Printer upgrade on a tight budget" in result.stdout


def test_trainer_scenarios_are_added(trainer_dir: Path) -> None:
    _copy_fixture(trainer_dir)
    ids = [s["id"] for s in _listing()]
    assert ids == [*BUILTIN_IDS, "printer-upgrade"]


def test_scenarios_dir_option_overrides_environment(trainer_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    _copy_fixture(other, "lab-printers")
    ids = [s["id"] for s in _listing("--scenarios-dir", str(other))]
    assert ids[-1] == "lab-printers" and "printer-upgrade" not in ids


def test_id_clash_with_builtin_is_an_error(trainer_dir: Path) -> None:
    _copy_fixture(trainer_dir, "closing")
    result = _run("--json")
    assert result.exit_code == 1
    assert "closing" in result.stderr and "already defined" in result.stderr
    assert result.stdout == ""


def test_broken_trainer_file_is_an_error_naming_it(trainer_dir: Path) -> None:
    path = _copy_fixture(trainer_dir)
    path.write_text(
        path.read_text(encoding="utf-8").replace("difficulty: 1", "difficulty: 7"), encoding="utf-8"
    )
    result = _run("--json")
    assert result.exit_code == 1
    assert str(path) in result.stderr and "difficulty" in result.stderr


def test_validate_ok_file(trainer_dir: Path) -> None:
    path = _copy_fixture(trainer_dir)
    result = _run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"OK {path} (printer-upgrade)")


def test_validate_reports_each_file_and_fails_if_any_fails(trainer_dir: Path) -> None:
    good = _copy_fixture(trainer_dir)
    bad = _copy_fixture(trainer_dir, "broken-one")
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("  personality:", "  persnality:"), encoding="utf-8"
    )
    result = _run("validate", str(good), str(bad))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"OK {good}")
    assert any(ln.startswith(f"FAIL {bad}") and "persona.persnality" in ln for ln in lines)


def test_validate_directory_and_missing_file(trainer_dir: Path) -> None:
    _copy_fixture(trainer_dir)
    missing = trainer_dir / "nope.yaml"
    result = _run("validate", str(trainer_dir), str(missing))
    assert result.exit_code == 1
    assert f"FAIL {missing}: cannot read" in result.stdout
    assert "OK " in result.stdout


def test_validate_rejects_builtin_id_clash(trainer_dir: Path) -> None:
    path = _copy_fixture(trainer_dir, "price-objection")
    result = _run("validate", str(path))
    assert result.exit_code == 1
    assert "clashes with the built-in scenario" in result.stdout


def test_validate_rejects_duplicate_ids_among_files(trainer_dir: Path, tmp_path: Path) -> None:
    first = _copy_fixture(trainer_dir)
    other = tmp_path / "copy"
    other.mkdir()
    second = _copy_fixture(other)
    result = _run("validate", str(first), str(second))
    assert result.exit_code == 1
    assert f"FAIL {second}: id: 'printer-upgrade' is already defined in {first}" in result.stdout


def test_validate_builtin_library_passes(trainer_dir: Path) -> None:
    result = _run("validate", str(REPO_ROOT / "knowledge" / "scenarios"))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("OK ") == len(BUILTIN_IDS)


def test_validate_warns_about_unknown_next(trainer_dir: Path) -> None:
    path = _copy_fixture(trainer_dir)
    path.write_text(
        path.read_text(encoding="utf-8").replace("next:\n  - price-objection", "next:\n  - no-such")
    )
    result = _run("validate", str(path))
    assert result.exit_code == 0
    assert "warning" in result.stdout and "next: unknown scenario 'no-such'" in result.stdout


def test_validate_json(trainer_dir: Path) -> None:
    good = _copy_fixture(trainer_dir)
    result = _run("validate", "--json", str(good), str(trainer_dir / "missing.yaml"))
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["ok"] for r in rows] == [True, False]
    assert rows[0]["id"] == "printer-upgrade" and "cannot read" in rows[1]["error"]


def test_entry_point_prints_the_contract(trainer_dir: Path) -> None:
    """The real command line, as the web app's smoke checks and the bots call it."""
    shutil.copy(FIXTURE, trainer_dir / FIXTURE.name)
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "scenarios", "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {s["id"] for s in data} == {*BUILTIN_IDS, "printer-upgrade"}
    assert all(isinstance(s["title"], str) and isinstance(s["opening"], str) for s in data)


def test_lists_and_exports_database_scenarios(trainer_dir: Path, tmp_path: Path) -> None:
    """With a migrated database, trainers' stored scenarios are listed and `export` prints their YAML."""
    from app.config import load_settings
    from app.db.engine import Database
    from app.scenarios.catalog import ScenarioCatalog

    settings = load_settings(data_dir=tmp_path / "data", scenarios_dir=trainer_dir)
    database = Database.from_settings(settings)
    database.migrate()
    text = FIXTURE.read_text(encoding="utf-8").replace("id: printer-upgrade", "id: from-db", 1)
    ScenarioCatalog(settings.builtin_scenarios_dir, trainer_dir, database).save(text, None)
    database.dispose()
    _copy_fixture(trainer_dir)

    assert [s["id"] for s in _listing()] == [*BUILTIN_IDS, "printer-upgrade", "from-db"]
    exported = _run("export", "from-db")
    assert exported.exit_code == 0 and exported.stdout == text
    builtin = _run("export", "closing")
    assert builtin.stdout == (REPO_ROOT / "knowledge" / "scenarios" / "closing.yaml").read_text(encoding="utf-8")
    missing = _run("export", "../../etc/passwd")
    assert missing.exit_code == 2 and "unknown scenario" in missing.stderr


def test_listing_without_a_database_creates_none(trainer_dir: Path, tmp_path: Path) -> None:
    _copy_fixture(trainer_dir)
    assert _listing()[-1]["id"] == "printer-upgrade"
    assert _run("export", "printer-upgrade").stdout == (trainer_dir / "printer-upgrade.yaml").read_text(encoding="utf-8")
    assert not (tmp_path / "data" / "coach.db").exists()
