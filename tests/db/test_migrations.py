"""Migrations build the schema the models describe, on real SQLite (WAL, foreign keys) and real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.db.engine import Database
from app.db.migrate import current_revision, head_revision, upgrade
from app.db.models import Base, Message


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()


def test_upgrade_creates_every_table_and_matches_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "sessions", "messages", "scores", "trainer_reviews", "assignments", "score_disputes"} <= tables
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_upgrade_is_idempotent(db: Database) -> None:
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    db.migrate()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with db.session() as s:
        s.add(Message(session_id="missing", seq=0, role="rep", text="hi"))
        with pytest.raises(IntegrityError):
            s.commit()


def test_downgrade_removes_the_schema(db: Database) -> None:
    from alembic import command

    from app.db.migrate import alembic_config

    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "sessions" not in inspect(db.engine).get_table_names()


def test_from_settings_puts_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    from app.config import load_settings

    settings = load_settings(data_dir=tmp_path / "d")
    database = Database.from_settings(settings)
    database.migrate()
    assert (tmp_path / "d" / "coach.db").is_file()
    database.dispose()


def test_0002_upgrades_a_0001_database_keeping_its_reviews(db_url: str) -> None:
    """A deployment on 0001 gains the criteria column (null on old reviews) and the disputes table."""
    database = Database(db_url)
    upgrade(database.engine, "0001")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, name, display_name, role, created_at) VALUES (1, 'u', 'U', 'rep', CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO sessions (id, user_id, scenario_id, lang, state, status, created_at, updated_at) "
            "VALUES ('s1', 1, 'price-objection', 'zh', '{}', 'done', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
        conn.execute(text(
            "INSERT INTO trainer_reviews (session_id, reviewer_id, score, comment, created_at, updated_at) "
            "VALUES ('s1', 1, 70, 'ok', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
    database.migrate()
    assert current_revision(database.engine) == head_revision()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT score, criteria FROM trainer_reviews")).one() == (70, None)
        assert conn.execute(text("SELECT count(*) FROM score_disputes")).scalar() == 0
    database.dispose()


def test_downgrade_to_0001_drops_what_0002_added(db: Database) -> None:
    from alembic import command

    from app.db.migrate import alembic_config

    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    insp = inspect(db.engine)
    assert "score_disputes" not in insp.get_table_names()
    assert "criteria" not in {c["name"] for c in insp.get_columns("trainer_reviews")}
    assert {u["column_names"][0] for u in insp.get_unique_constraints("trainer_reviews")} == {"session_id"}
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
