"""The database-backed scenario catalog, as several worker processes on one database use it.

Each "worker" is a :class:`ScenarioCatalog` with its own :class:`Database` (engine and
pool) on the same URL, run on real SQLite and real PostgreSQL (the ``db_url`` fixture).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select

from app.db.engine import Database
from app.db.models import TrainerScenario
from app.db.scenario_store import ScenarioStore
from app.scenarios.catalog import ScenarioCatalog
from app.scenarios.loader import MAX_YAML_BYTES, ScenarioError, UnknownScenarioError, parse_scenario

FIXTURE = Path(__file__).with_name("printer-upgrade.yaml")


def scenario_yaml(scenario_id: str, difficulty: int = 1) -> str:
    """The minimal fixture scenario under another id (and difficulty)."""
    text = FIXTURE.read_text(encoding="utf-8").replace("id: printer-upgrade", f"id: {scenario_id}", 1)
    return text.replace("difficulty: 1", f"difficulty: {difficulty}", 1)


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    """A one-scenario built-in dir, an empty company dir and an empty legacy trainer dir."""
    out = {name: tmp_path / name for name in ("builtin", "company", "legacy")}
    for d in out.values():
        d.mkdir()
    shutil.copy(FIXTURE, out["builtin"] / FIXTURE.name)
    return out


@pytest.fixture
def databases(db_url: str) -> Iterator[list[Database]]:
    """Three engines on one migrated database, as three worker processes would have."""
    out = [Database(db_url) for _ in range(3)]
    out[0].migrate()
    yield out
    for d in out:
        d.dispose()


def worker(dirs: dict[str, Path], database: Database) -> ScenarioCatalog:
    return ScenarioCatalog(dirs["builtin"], dirs["company"], database, legacy_dir=dirs["legacy"])


def rows(database: Database) -> dict[str, int]:
    with database.session() as s:
        return {r.id: r.version for r in s.scalars(select(TrainerScenario))}


def test_a_save_in_one_worker_is_seen_by_another_after_refresh(dirs: dict[str, Path], databases: list[Database]) -> None:
    a, b = worker(dirs, databases[0]), worker(dirs, databases[1])
    saved = a.save(scenario_yaml("lab-printers"), None)
    assert saved.id == "lab-printers" and "lab-printers" in a
    assert "lab-printers" not in b
    b.refresh()
    assert b.get("lab-printers").difficulty == 1
    assert b.ids() == ["printer-upgrade", "lab-printers"] and len(b) == 2
    assert b.origin("lab-printers") == "trainer" and b.owned("lab-printers")

    b.save(scenario_yaml("lab-printers", difficulty=4), None)
    a.refresh()
    assert a.get("lab-printers").difficulty == 4
    assert rows(databases[2]) == {"lab-printers": 2}
    assert a.source("lab-printers") == scenario_yaml("lab-printers", difficulty=4)


def test_refresh_without_a_change_is_one_query(dirs: dict[str, Path], databases: list[Database]) -> None:
    a, b = worker(dirs, databases[0]), worker(dirs, databases[1])
    a.save(scenario_yaml("lab-printers"), None)
    b.refresh()
    statements: list[str] = []
    event.listen(databases[1].engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    b.refresh()
    b.refresh()
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]  # not BEGIN and the like
    assert len(queries) == 2 and all("count" in q.lower() for q in queries)


def test_delete_is_seen_by_every_worker(dirs: dict[str, Path], databases: list[Database]) -> None:
    a, b = worker(dirs, databases[0]), worker(dirs, databases[1])
    a.save(scenario_yaml("lab-printers"), None)
    b.refresh()
    assert a.delete("lab-printers")
    assert "lab-printers" not in a
    b.refresh()
    assert "lab-printers" not in b and not b.owned("lab-printers")
    with pytest.raises(UnknownScenarioError):
        b.get("lab-printers")
    assert not a.delete("lab-printers")
    assert not a.delete("printer-upgrade") and "printer-upgrade" in a
    assert b.source("lab-printers") is None


def test_a_delete_and_an_insert_between_two_refreshes_are_both_seen(
    dirs: dict[str, Path], databases: list[Database]
) -> None:
    """Same row count and version sum before and after: the fingerprint still moves."""
    a, b = worker(dirs, databases[0]), worker(dirs, databases[1])
    a.save(scenario_yaml("old-one"), None)
    b.refresh()
    a.delete("old-one")
    a.save(scenario_yaml("new-one"), None)
    b.refresh()
    assert "new-one" in b and "old-one" not in b


def test_builtin_and_company_ids_cannot_be_saved_or_deleted(dirs: dict[str, Path], databases: list[Database]) -> None:
    (dirs["company"] / "our-way.yaml").write_text(scenario_yaml("our-way"), encoding="utf-8")
    a = worker(dirs, databases[0])
    assert a.origin("printer-upgrade") == "builtin" and a.origin("our-way") == "company"
    for taken in ("printer-upgrade", "our-way"):
        with pytest.raises(ScenarioError, match=taken):
            a.save(scenario_yaml(taken), None)
        assert not a.owned(taken) and not a.delete(taken)
    assert rows(databases[0]) == {}
    assert a.source("our-way") == scenario_yaml("our-way")


def test_legacy_files_are_imported_once(dirs: dict[str, Path], databases: list[Database], caplog: pytest.LogCaptureFixture) -> None:
    (dirs["legacy"] / "old-one.yaml").write_text(scenario_yaml("old-one"), encoding="utf-8")
    (dirs["legacy"] / "Bad Name.yaml").write_text(scenario_yaml("bad-name"), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="app.scenarios.catalog"):
        a = worker(dirs, databases[0])
    assert "old-one" in a and a.owned("old-one")
    assert "imported legacy trainer scenario 'old-one'" in caplog.text
    assert (dirs["legacy"] / "old-one.yaml.imported").is_file() and not (dirs["legacy"] / "old-one.yaml").exists()
    assert (dirs["legacy"] / "Bad Name.yaml").is_file()

    b = worker(dirs, databases[1])  # a second worker starting later imports nothing more
    assert rows(databases[2]) == {"old-one": 1} and "old-one" in b

    a.delete("old-one")
    c = worker(dirs, databases[2])  # nor does one starting after the trainer deleted it
    assert "old-one" not in c and rows(databases[2]) == {}


def test_legacy_dir_that_is_the_company_dir_is_not_imported(dirs: dict[str, Path], databases: list[Database]) -> None:
    (dirs["company"] / "our-way.yaml").write_text(scenario_yaml("our-way"), encoding="utf-8")
    a = ScenarioCatalog(dirs["builtin"], dirs["company"], databases[0], legacy_dir=dirs["company"])
    assert a.origin("our-way") == "company" and rows(databases[0]) == {}


def test_a_broken_row_is_skipped_logged_and_editable(
    dirs: dict[str, Path], databases: list[Database], caplog: pytest.LogCaptureFixture
) -> None:
    a = worker(dirs, databases[0])
    a.save(scenario_yaml("good-one"), None)
    bad = scenario_yaml("bad-one").replace("difficulty: 1", "difficulty: 9", 1)
    with databases[1].session() as s:  # as a manual edit or an older version's row would be
        ScenarioStore(s).save("bad-one", bad, None)
        ScenarioStore(s).save("renamed", scenario_yaml("other-id"), None)
        s.commit()
    with caplog.at_level(logging.ERROR, logger="app.scenarios.catalog"):
        a.refresh()
    assert "good-one" in a and "bad-one" not in a and "renamed" not in a
    assert "bad-one" in caplog.text and "difficulty" in caplog.text
    broken = a.broken()
    assert set(broken) == {"bad-one", "renamed"} and "difficulty" in broken["bad-one"] and "other-id" in broken["renamed"]
    assert a.owned("bad-one") and a.origin("bad-one") == "trainer"
    assert a.source("bad-one") == bad

    a.save(scenario_yaml("bad-one"), None)  # the trainer fixes it in the editor
    assert "bad-one" in a and set(a.broken()) == {"renamed"}


def test_a_row_shadowed_by_a_file_is_broken_and_deletable(dirs: dict[str, Path], databases: list[Database]) -> None:
    """E.g. the company directory later gains an id a trainer had already used."""
    a = worker(dirs, databases[0])
    with databases[1].session() as s:
        ScenarioStore(s).save("printer-upgrade", scenario_yaml("printer-upgrade", difficulty=5), None)
        s.commit()
    a.refresh()
    assert "already a builtin scenario" in a.broken()["printer-upgrade"]
    assert a.get("printer-upgrade").difficulty == 1 and a.origin("printer-upgrade") == "builtin"
    assert not a.owned("printer-upgrade")
    assert a.delete("printer-upgrade") and a.broken() == {} and "printer-upgrade" in a
    assert not a.delete("printer-upgrade")


def test_source_looks_ids_up_and_never_reads_paths(dirs: dict[str, Path], databases: list[Database]) -> None:
    a = worker(dirs, databases[0])
    assert a.source("printer-upgrade") == FIXTURE.read_text(encoding="utf-8")
    for probe in ("/etc/passwd", "../../etc/passwd", "../builtin/printer-upgrade", "x" * 500, ""):
        assert a.source(probe) is None


def test_catalog_built_before_the_migration_catches_up(dirs: dict[str, Path], db_url: str) -> None:
    """A worker may build its catalog before the schema exists: files first, rows on refresh."""
    database = Database(db_url)
    (dirs["legacy"] / "old-one.yaml").write_text(scenario_yaml("old-one"), encoding="utf-8")
    a = worker(dirs, database)
    assert a.ids() == ["printer-upgrade"]
    database.migrate()
    a.refresh()
    assert a.ids() == ["printer-upgrade", "old-one"]
    database.dispose()


# -- limits on untrusted YAML ---------------------------------------------------


def test_deeply_nested_yaml_is_a_scenario_error_not_a_crash(dirs: dict[str, Path], databases: list[Database]) -> None:
    a = worker(dirs, databases[0])
    for deep in ("[" * 10_000 + "]" * 10_000, "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 40))):
        with pytest.raises(ScenarioError, match="nested more than 20 levels"):
            parse_scenario(deep, "deep.yaml")
        with pytest.raises(ScenarioError, match="嵌套"):
            a.save(deep, None)
    assert rows(databases[0]) == {}


def test_huge_yaml_is_refused(dirs: dict[str, Path], databases: list[Database]) -> None:
    a = worker(dirs, databases[0])
    huge = scenario_yaml("huge") + "# " + "很" * MAX_YAML_BYTES + "\n"
    with pytest.raises(ScenarioError, match="too large"):
        a.save(huge, None)
    assert rows(databases[0]) == {}


def test_over_long_or_odd_ids_are_validation_errors(dirs: dict[str, Path], databases: list[Database]) -> None:
    a = worker(dirs, databases[0])
    with pytest.raises(ScenarioError, match="id: String should have at most 100 characters"):
        a.save(scenario_yaml("a" * 101), None)
    with pytest.raises(ScenarioError, match="id: String should match pattern"):
        a.save(scenario_yaml("../../etc/passwd"), None)
    assert a.save(scenario_yaml("a" * 100), None).id == "a" * 100
    assert rows(databases[0]) == {"a" * 100: 1}
